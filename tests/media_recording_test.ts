import assert from "node:assert/strict";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PathConf } from "../src/mediamtx/types.ts";
import { MediaMtxError } from "../src/mediamtx/types.ts";
import { RecordingService } from "../src/media/recordings.ts";
import type { RecordingDeps } from "../src/media/recording_types.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { contractErrors } from "./media_contract.ts";
import { cameraStub, mediaConfig, recordingBus, sleep } from "./media_helpers.ts";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** A MediaMTX stand-in: records patches; `record: true` writes a real segment file. */
class FakeMtx {
  confs = new Map<string, PathConf>();
  patches: [string, Partial<PathConf>][] = [];
  current = new Map<string, string>();
  fail = false;

  constructor(names: string[], extra: Partial<PathConf> = {}) {
    for (const n of names) {
      this.confs.set(n, { name: n, source: "publisher", record: false, ...extra });
    }
  }

  getPathConfig(name: string): Promise<PathConf | null> {
    const c = this.confs.get(name);
    return Promise.resolve(c ? { ...c } : null);
  }

  listPathConfigs(): Promise<PathConf[]> {
    return Promise.resolve([...this.confs.values()].map((c) => ({ ...c })));
  }

  async patchPathConfig(name: string, conf: Partial<PathConf>): Promise<void> {
    if (this.fail) throw new Error("connect ECONNREFUSED");
    this.patches.push([name, conf]);
    const old = this.confs.get(name)!;
    this.confs.set(name, { ...old, ...conf });
    if (conf.record === true && !old.record) {
      const d = new Date();
      const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_` +
        `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}-` +
        pad(d.getMilliseconds() * 1000, 6);
      const file = conf.recordPath!.replace("%path", name).replace(
        "%Y-%m-%d_%H-%M-%S-%f",
        stamp,
      ) + (conf.recordFormat === "mpegts" ? ".ts" : ".mp4");
      await mkdir(join(file, ".."), { recursive: true });
      await writeFile(file, new Uint8Array(1000));
      this.current.set(name, file);
    }
    if (conf.record === false && this.current.has(name)) {
      await appendFile(this.current.get(name)!, new Uint8Array(500)); // final flush
      this.current.delete(name);
    }
  }
}

async function setup(opts: { mtx?: FakeMtx; deps?: Partial<RecordingDeps> } = {}) {
  const root = await Deno.makeTempDir();
  const config = mediaConfig(root, (c) => (c.recording.max_duration = 600));
  const mtx = opts.mtx ?? new FakeMtx(["camera0", "camera1"]);
  const { bus, seen } = recordingBus();
  const make = (extra: Partial<RecordingDeps> = {}) =>
    new RecordingService({
      config,
      cameras: cameraStub({ camera0: "CONNECTED", camera1: "CONNECTED", camera2: "CONNECTED" }),
      mediamtx: mtx,
      events: bus,
      probe: () => Promise.resolve({ duration: 2.4, codec: "h264", width: 640, height: 480 }),
      firstSegmentWaitMs: 1000,
      settleMs: 300,
      ...opts.deps,
      ...extra,
    });
  return {
    root,
    config,
    mtx,
    seen,
    make,
    svc: make(),
    stateFile: join(config.data_dir, "recordings-state.json"),
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Runs `fn` on a fresh setup, then shuts the service down and removes the temp root. */
async function withSetup(
  fn: (s: Setup) => Promise<void>,
  opts: Parameters<typeof setup>[0] = {},
): Promise<void> {
  const s = await setup(opts);
  try {
    await fn(s);
  } finally {
    await s.svc.shutdown();
    await s.cleanup();
  }
}

const code = (n: number) => (e: unknown) => {
  assert.ok(e instanceof RpcError, String(e));
  assert.equal(e.code, n, JSON.stringify(e.data));
  return true;
};

Deno.test("recordings - start patches MediaMTX, stop measures the files written", async () => {
  await withSetup(async (s) => {
    const started = await s.svc.start("camera0", {});
    assert.deepEqual(contractErrors("start_recording", started), []);
    assert.equal(started.status, "RECORDING");
    assert.equal(started.format, "fmp4");
    assert.match(started.filename!, /^camera0_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-\d{6}\.mp4$/);
    assert.deepEqual(s.mtx.patches[0], ["camera0", {
      record: true,
      recordPath: `${s.config.recording.directory}/%path/%Y-%m-%d_%H-%M-%S-%f`,
      recordFormat: "fmp4",
      recordSegmentDuration: "3600s",
      recordDeleteAfter: "0s",
    }]);
    assert.deepEqual(s.svc.recordingOverrides().get("camera0"), s.mtx.patches[0][1]);
    const persisted = JSON.parse(await readFile(s.stateFile, "utf8"));
    assert.equal(persisted.recordings.camera0.format, "fmp4");
    assert.deepEqual(s.seen.at(-1), {
      name: "recording_status_update",
      payload: {
        device: "camera0",
        status: "STARTED",
        filename: started.filename,
        duration: 0,
        reason: "request",
      },
    });
    await assert.rejects(s.svc.start("camera0"), code(-32020));

    const stopped = await s.svc.stop("camera0");
    assert.deepEqual(contractErrors("stop_recording", stopped), []);
    assert.deepEqual(s.mtx.patches.at(-1), ["camera0", { record: false }]);
    assert.equal(stopped.status, "STOPPED");
    assert.equal(stopped.filename, started.filename);
    assert.equal(stopped.file_size, 1500, "size measured after the final flush");
    assert.equal(stopped.duration, 2);
    assert.equal(stopped.duration_ms, 2400);
    assert.deepEqual(stopped.files, [started.filename]);
    assert.equal(stopped.reason, "request");
    assert.equal(
      s.seen.at(-1)?.payload && (s.seen.at(-1)!.payload as { status: string }).status,
      "STOPPED",
    );
    assert.deepEqual(JSON.parse(await readFile(s.stateFile, "utf8")).recordings, {});
    assert.equal(s.svc.recordingOverrides().size, 0);
    await assert.rejects(s.svc.stop("camera0"), code(-32020));
  });
});

Deno.test("recordings - params and state refusals", async () => {
  await withSetup(async (s) => {
    await assert.rejects(s.svc.start("camera0", { format: "mkv" }), code(-32030));
    await assert.rejects(s.svc.start("camera0", { format: "avi" }), code(-32602));
    await assert.rejects(s.svc.start("camera0", { duration: 601 }), code(-32602));
    await assert.rejects(s.svc.start("camera0", { duration: 0 }), code(-32602));
    await assert.rejects(s.svc.start("camera9"), code(-32010));
    const gone = s.make({ cameras: cameraStub({ camera0: "DISCONNECTED" }) });
    await assert.rejects(gone.start("camera0"), code(-32020));
    await assert.rejects(s.svc.start("camera2"), code(-32050), "camera without a MediaMTX path");
    assert.equal(s.mtx.patches.length, 0, "nothing changed");
    const full = s.make({
      disk: () => Promise.resolve({ total: 10, used: 10, available: 0, usage_percent: 100 }),
    });
    await assert.rejects(full.start("camera0"), (e: unknown) => {
      code(-32050)(e);
      assert.equal((e as RpcError).data?.dependency, "disk");
      return true;
    });
    s.mtx.fail = true;
    await assert.rejects(s.svc.start("camera0"), (e: unknown) => {
      code(-32050)(e);
      assert.equal((e as RpcError).data?.dependency, "mediamtx");
      return true;
    });
    assert.equal(s.svc.active().length, 0);
    s.mtx.fail = false;
    const ts = await s.svc.start("camera1", { format: "mpegts" });
    assert.deepEqual(contractErrors("start_recording", ts), []);
    assert.equal(ts.format, undefined);
    assert.equal(ts.record_format, "mpegts");
    assert.match(ts.filename!, /\.ts$/);
    const mp4 = await s.svc.start("camera0", { format: "mp4" });
    assert.equal(mp4.format, "mp4");
    assert.equal(s.mtx.patches.at(-1)?.[1].recordFormat, "fmp4");
  });
});

Deno.test("recordings - duration auto-stops with reason duration", async () => {
  await withSetup(async (s) => {
    const r = await s.svc.start("camera0", { duration: 0.4 });
    const t0 = Date.now();
    for (let i = 0; i < 50 && s.svc.active().length; i++) await sleep(50);
    assert.equal(s.svc.active().length, 0, "stopped by itself");
    assert.ok(Date.now() - t0 < 2000);
    await sleep(400); // settle + event
    const last = s.seen.filter((e) => e.name === "recording_status_update").at(-1)!.payload;
    assert.deepEqual(last, {
      device: "camera0",
      status: "STOPPED",
      filename: r.filename,
      duration: 2,
      reason: "duration",
    });
    assert.deepEqual(s.mtx.patches.at(-1), ["camera0", { record: false }]);
  });
});

Deno.test("recordings - state survives a restart: adopt, expired → stopped, unknown → bounded", async () => {
  const s = await setup();
  try {
    const first = await s.svc.start("camera0", { duration: 300 });
    // the service dies without shutdown: MediaMTX keeps recording camera0
    const saved = JSON.parse(await readFile(s.stateFile, "utf8"));
    assert.ok(saved.recordings.camera0.deadline);
    // someone else turned recording on for camera1 (no state for it here)
    s.mtx.confs.set("camera1", { ...s.mtx.confs.get("camera1")!, record: true });
    const second = s.make();
    const report = await second.recoverState();
    assert.deepEqual(report.adopted.sort(), ["camera0", "camera1"]);
    const act = new Map(second.active().map((a) => [a.device, a.startedMs]));
    assert.equal(new Date(act.get("camera0")!).toISOString(), first.start_time);
    const state = JSON.parse(await readFile(s.stateFile, "utf8"));
    assert.equal(state.recordings.camera0.deadline, saved.recordings.camera0.deadline);
    const bound = Date.parse(state.recordings.camera1.deadline) - Date.now();
    assert.ok(bound > 590_000 && bound <= 600_000, "unknown recording bounded by max_duration");
    await assert.rejects(second.start("camera0"), code(-32020));
    const stopped = await second.stop("camera0");
    assert.equal(stopped.start_time, first.start_time);
    assert.equal(stopped.file_size, 1500);
    await second.shutdown();

    // expired deadline: stopped right away at recovery
    s.mtx.confs.set("camera0", { ...s.mtx.confs.get("camera0")!, record: true });
    state.recordings = {
      camera0: { ...state.recordings.camera0, deadline: new Date(Date.now() - 1000).toISOString() },
    };
    await writeFile(s.stateFile, JSON.stringify(state));
    const third = s.make();
    const r3 = await third.recoverState();
    assert.deepEqual(r3.stopped, ["camera0"]);
    assert.equal(s.mtx.confs.get("camera0")!.record, false);
    // persisted but MediaMTX no longer records → dropped
    await writeFile(s.stateFile, JSON.stringify(state));
    const fourth = s.make();
    assert.deepEqual((await fourth.recoverState()).dropped, ["camera0"]);
    assert.equal(fourth.active().length, 0);
    await third.shutdown();
    await fourth.shutdown();
    await s.svc.shutdown();
  } finally {
    await s.cleanup();
  }
});

Deno.test("recordings - shutdown stops recordings (record:false) and persists an empty state", async () => {
  const s = await setup();
  try {
    await s.svc.start("camera0");
    await s.svc.start("camera1");
    await s.svc.shutdown();
    assert.equal(s.mtx.confs.get("camera0")!.record, false);
    assert.equal(s.mtx.confs.get("camera1")!.record, false);
    const reasons = s.seen.filter((e) => (e.payload as { status: string }).status === "STOPPED")
      .map((e) => (e.payload as { reason: string }).reason);
    assert.deepEqual(reasons, ["shutdown", "shutdown"]);
    assert.deepEqual(JSON.parse(await readFile(s.stateFile, "utf8")).recordings, {});
    await assert.rejects(s.svc.start("camera0"), code(-32020));
  } finally {
    await s.cleanup();
  }
});

Deno.test("recordings - idle on-demand path (DISCONNECTED) records with a keepalive reader", async () => {
  const mtx = new FakeMtx(["camera0"], { source: "rtsp://cam/x", sourceOnDemand: true });
  const log: string[] = [];
  await withSetup(async (s) => {
    await s.svc.start("camera0");
    assert.deepEqual(log, ["start camera0"]);
    await s.svc.stop("camera0");
    assert.deepEqual(log, ["start camera0", "stop camera0"]);
  }, {
    mtx,
    deps: {
      cameras: cameraStub({ camera0: "DISCONNECTED" }),
      keepalive: (d) => ({
        start: () => log.push(`start ${d}`),
        stop: () => Promise.resolve(void log.push(`stop ${d}`)),
      }),
    },
  });
});

Deno.test("recordings - a stop arriving while start waits for the first segment waits for it", async () => {
  /** MediaMTX that accepts record:true but never writes a segment (no keyframe arrives). */
  class SilentMtx extends FakeMtx {
    override patchPathConfig(name: string, conf: Partial<PathConf>): Promise<void> {
      this.patches.push([name, conf]);
      this.confs.set(name, { ...this.confs.get(name)!, ...conf });
      return Promise.resolve();
    }
  }
  await withSetup(async (s) => {
    const start = s.svc.start("camera0");
    await sleep(20);
    const stop = await s.svc.stop("camera0");
    const started = await start;
    assert.equal(started.status, "STARTING", "no segment file appeared");
    assert.equal(started.filename, undefined);
    assert.equal(stop.status, "STOPPED");
    assert.equal(stop.file_size, 0);
    assert.equal(stop.duration, 0);
    assert.match(stop.message!, /no segment/);
    assert.deepEqual(contractErrors("stop_recording", stop), []);
  }, { mtx: new SilentMtx(["camera0"]), deps: { firstSegmentWaitMs: 300 } });
});

Deno.test("recordings - stop when MediaMTX lost the path (404) ends the recording; other failures keep it", async () => {
  await withSetup(async (s) => {
    await s.svc.start("camera0");
    s.mtx.fail = true;
    await assert.rejects(s.svc.stop("camera0"), code(-32050));
    assert.equal(s.svc.active().length, 1, "still recording after a failed stop");
    s.mtx.fail = false;
    s.mtx.patchPathConfig = () =>
      Promise.reject(new MediaMtxError("http", "path configuration not found", { status: 404 }));
    const r = await s.svc.stop("camera0");
    assert.equal(r.status, "STOPPED");
    assert.equal(r.file_size, 1000);
    assert.equal(s.svc.active().length, 0);
  });
});

Deno.test("recordings - shutdown with MediaMTX down keeps the recording for adoption, leaves nothing running", async () => {
  const s = await setup();
  try {
    await s.svc.start("camera0", { duration: 100 });
    s.mtx.fail = true;
    await s.svc.shutdown();
    const state = JSON.parse(await readFile(s.stateFile, "utf8"));
    assert.deepEqual(
      Object.keys(state.recordings),
      ["camera0"],
      "left for the next start to adopt",
    );
  } finally {
    await s.cleanup();
  }
});
