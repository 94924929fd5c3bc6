import assert from "node:assert/strict";
import { cameraMethods } from "../src/api/cameras.ts";
import { streamMethods } from "../src/api/streams.ts";
import type { MethodContext, MethodDef } from "../src/api/types.ts";
import { METHOD_ROLES } from "../src/auth/roles.ts";
import { StreamKeepalive } from "../src/cameras/keepalive.ts";
import { createCameraSubsystem } from "../src/cameras/subsystem.ts";
import { CameraRegistry } from "../src/cameras/registry.ts";
import { internalRtspUrl } from "../src/cameras/streams.ts";
import type { Config } from "../src/config/types.ts";
import { EventBus } from "../src/core/events.ts";
import type { PathState } from "../src/mediamtx/types.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { dependencyFailed, RpcError } from "../src/rpc/errors.ts";
import { RawJson } from "../src/rpc/raw_json.ts";
import { alive, assertContractResult, fakeV4l2, testConfig, waitFor } from "./cameras_helpers.ts";

/** A MediaMTX stand-in: runtime paths by name, and an up/down switch. */
class FakeMediaMtx {
  up = true;
  paths = new Map<string, PathState>();
  getPath(name: string): Promise<PathState | null> {
    if (!this.up) return Promise.reject(new Error("connect ECONNREFUSED"));
    return Promise.resolve(this.paths.get(name) ?? null);
  }
  listPaths(): Promise<PathState[]> {
    if (!this.up) return Promise.reject(new Error("connect ECONNREFUSED"));
    return Promise.resolve([...this.paths.values()]);
  }
  require(): void {
    if (!this.up) throw dependencyFailed("mediamtx", "MediaMTX API unreachable");
  }
  setPath(name: string, available: boolean, readers = 0): void {
    this.paths.set(name, {
      name,
      confName: name,
      source: available ? { type: "rtspSession", id: "s1" } : null,
      available,
      availableTime: available ? new Date(Date.now() - 42_000).toISOString() : null,
      online: available,
      onlineTime: null,
      tracks: available ? ["H264"] : [],
      tracks2: available ? [{ codec: "H264", codecProps: { width: 640, height: 480 } }] : [],
      inboundBytes: available ? 123456 : 0,
      outboundBytes: available ? 65432 : 0,
      inboundFramesInError: 0,
      readers: Array.from({ length: readers }, (_, i) => ({ type: "rtspSession", id: `r${i}` })),
    });
  }
}

const ctx = { log: memoryLogger().log, request_id: "t" } as unknown as MethodContext;

/** Shapes of the JSON results read below. */
type Json = Record<string, unknown>;
type Texts = Record<string, string>;

async function call(methods: MethodDef[], name: string, params: unknown = {}): Promise<unknown> {
  const m = methods.find((x) => x.name === name);
  if (!m) throw new Error(`no method ${name}`);
  // What a client receives: the engine serializes results (a RawJson result is already text).
  const r = await m.handler(m.params.parse(params, ""), ctx);
  return r === undefined ? r : JSON.parse(r instanceof RawJson ? r.json : JSON.stringify(r));
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected RpcError, got ${err}`);
    return err;
  }
  throw new Error("expected an error");
}

async function setup(patch: (c: Config) => void = () => {}) {
  const root = await Deno.makeTempDir({ prefix: "cams-api-" });
  await fakeV4l2(root);
  await Deno.writeTextFile(`${root}/dev/video0`, "capture");
  await Deno.writeTextFile(`${root}/dev/video1`, "metadata");
  await Deno.writeTextFile(`${root}/dev/video2`, "fail");
  // A fake ffmpeg keepalive reader: records its arguments, then waits to be killed.
  await Deno.writeTextFile(
    `${root}/ffmpeg`,
    `#!/bin/sh\necho "$@" >> '${root}/ffmpeg.args'\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  const config = testConfig(root, (c) => {
    c.ffmpeg.path = `${root}/ffmpeg`;
    c.mediamtx.stream_keepalive = 60;
    patch(c);
  });
  const mtx = new FakeMediaMtx();
  const log = memoryLogger().log;
  const registry = new CameraRegistry({ config, events: new EventBus(), log });
  await registry.start();
  const keepalive = new StreamKeepalive({
    ffmpegPath: config.ffmpeg.path,
    keepaliveSec: config.mediamtx.stream_keepalive,
    urlFor: (id) => internalRtspUrl(id, config),
    log,
  });
  const deps = { registry, mediamtx: mtx, monitor: mtx, config, keepalive };
  const methods = [...cameraMethods(deps), ...streamMethods(deps)];
  const done = async () => {
    await keepalive.stopAll();
    await registry.stop();
    await Deno.remove(root, { recursive: true });
  };
  return { root, config, mtx, registry, keepalive, methods, done };
}

Deno.test("api cameras - list, status and capabilities match the contract", async () => {
  const t = await setup();
  try {
    const list = await call(t.methods, "get_camera_list") as Json;
    assertContractResult("get_camera_list", list);
    assert.equal(list.total, 2);
    assert.equal(list.connected, 1);
    const cams = list.cameras as Record<string, unknown>[];
    assert.deepEqual(cams.map((c) => [c.device, c.status]), [
      ["camera0", "CONNECTED"],
      ["camera2", "ERROR"],
    ]);
    assert.deepEqual(cams[0].streams, {
      rtsp: "rtsp://box.example:8554/camera0",
      hls: "http://box.example:8888/camera0/index.m3u8",
      webrtc: "http://box.example:8889/camera0",
    });
    assert.ok(!JSON.stringify(list).includes("/dev/"), "device paths must not be shown");

    t.mtx.setPath("camera0", true, 2);
    const st = await call(t.methods, "get_camera_status", { device: "/dev/video0" }) as Json;
    assertContractResult("get_camera_status", st);
    assert.equal(st.device, "camera0");
    assert.equal(st.resolution, "640x480");
    assert.equal(st.fps, 30);
    const m = st.metrics as Record<string, number>;
    assert.equal(m.bytes_received, 123456);
    assert.equal(m.bytes_sent, 65432);
    assert.equal(m.readers, 2);
    assert.ok(m.uptime >= 41 && m.uptime <= 44, `uptime ${m.uptime}`);

    t.mtx.up = false;
    const down = await call(t.methods, "get_camera_status", { device: "camera0" });
    assertContractResult("get_camera_status", down);
    assert.equal((down as Record<string, unknown>).metrics, undefined);

    const caps = await call(t.methods, "get_camera_capabilities", { device: "camera0" });
    assertContractResult("get_camera_capabilities", caps);
    assert.deepEqual(caps, {
      device: "camera0",
      formats: ["YUYV", "MJPG"],
      resolutions: ["1920x1080", "1280x720", "640x480", "160x90"],
      fps_options: [30, 24, 20, 15, 10, 5],
      validation_status: "CONFIRMED",
    });
    const caps2 = await call(t.methods, "get_camera_capabilities", { device: "camera2" });
    assertContractResult("get_camera_capabilities", caps2);
    assert.deepEqual(caps2, { device: "camera2", validation_status: "NONE" });
  } finally {
    await t.done();
  }
});

Deno.test("api cameras - get_camera_list is serialized once per change and follows every change", async () => {
  const t = await setup();
  try {
    const m = t.methods.find((x) => x.name === "get_camera_list")!;
    const first = await m.handler({}, ctx);
    assert.ok(first instanceof RawJson, "the list is served pre-serialized");
    assert.equal(await m.handler({}, ctx), first, "unchanged registry: the same text is reused");

    await Deno.remove(`${t.root}/dev/video0`);
    await waitFor(
      () => t.registry.get("camera0")?.status === "DISCONNECTED",
      2000,
      "camera0 unplugged",
    );
    const after = await call(t.methods, "get_camera_list") as Json;
    assertContractResult("get_camera_list", after);
    assert.equal(after.connected, 0);
    assert.deepEqual(
      (after.cameras as Record<string, unknown>[]).map((c) => [c.device, c.status]),
      [["camera0", "DISCONNECTED"], ["camera2", "ERROR"]],
    );

    await Deno.writeTextFile(`${t.root}/dev/video4`, "capture");
    await waitFor(() => t.registry.get("camera4") !== undefined, 2000, "camera4 plugged");
    const grown = await call(t.methods, "get_camera_list") as Json;
    assert.equal(grown.total, 3);
    assert.equal(grown.connected, 1);
  } finally {
    await t.done();
  }
});

Deno.test("api cameras - unknown camera is -32010, bad params -32602", async () => {
  const t = await setup();
  try {
    for (const name of ["get_camera_status", "get_camera_capabilities", "get_stream_url"]) {
      const e = await rpcError(call(t.methods, name, { device: "camera7" }));
      assert.equal(e.code, -32010);
      assert.deepEqual(e.data, { resource: "camera", id: "camera7" });
    }
    for (const bad of [{}, { device: "video0" }, { device: 0 }, { device: "camera0", x: 1 }]) {
      const e = await rpcError(call(t.methods, "get_camera_status", bad));
      assert.equal(e.code, -32602, JSON.stringify(bad));
      assert.ok(typeof e.data?.param === "string" && typeof e.data?.rule === "string");
    }
    const e = await rpcError(call(t.methods, "get_camera_list", { device: "camera0" }));
    assert.equal(e.code, -32602);
  } finally {
    await t.done();
  }
});

Deno.test("api streams - get_streams, get_stream_url, get_stream_status match the contract", async () => {
  const t = await setup();
  try {
    t.mtx.setPath("camera0", true, 1);
    const streams = await call(t.methods, "get_streams");
    assertContractResult("get_streams", streams);
    assert.deepEqual(streams, [{
      name: "camera0",
      source: "rtspSession",
      ready: true,
      readers: 1,
      bytes_sent: 65432,
    }]);

    const url = await call(t.methods, "get_stream_url", { device: "camera0" });
    assertContractResult("get_stream_url", url);
    assert.deepEqual(url, {
      device: "camera0",
      stream_name: "camera0",
      stream_url: "rtsp://box.example:8554/camera0",
      available: true,
      active_consumers: 1,
      stream_status: "READY",
    });

    const st = await call(t.methods, "get_stream_status", { device: "camera0" }) as Json;
    assertContractResult("get_stream_status", st);
    assert.equal(st.status, "ACTIVE");
    assert.deepEqual(st.mediamtx_path, { exists: true, ready: true, readers: 1 });
    assert.equal(st.start_time, t.mtx.paths.get("camera0")!.availableTime);
    const bitrate = (st.metrics as Record<string, number>).bitrate;
    assert.ok(Math.abs(bitrate - Math.round(123456 * 8 / 42)) < 800, `bitrate ${bitrate}`);

    t.mtx.paths.clear();
    const gone = await call(t.methods, "get_stream_status", { device: "camera0" }) as Json;
    assertContractResult("get_stream_status", gone);
    assert.equal(gone.status, "INACTIVE");
    assert.deepEqual(gone.mediamtx_path, { exists: false, ready: false, readers: 0 });
    const err = await call(t.methods, "get_stream_status", { device: "camera2" });
    assert.equal((err as Record<string, unknown>).status, "ERROR");

    t.mtx.up = false;
    for (const name of ["get_streams", "get_stream_url", "get_stream_status"]) {
      const e = await rpcError(
        call(t.methods, name, name === "get_streams" ? {} : { device: "camera0" }),
      );
      assert.equal(e.code, -32050);
      assert.equal(e.data?.dependency, "mediamtx");
    }
  } finally {
    await t.done();
  }
});

Deno.test("api streams - start_streaming runs a keepalive reader, extends, stop kills it", async () => {
  const t = await setup();
  try {
    t.mtx.setPath("camera0", false);
    const s1 = await call(t.methods, "start_streaming", { device: "camera0" }) as Texts;
    assertContractResult("start_streaming", s1);
    assert.equal(s1.status, "STARTED");
    assert.equal(s1.stream_url, "rtsp://box.example:8554/camera0");
    assert.equal(s1.auto_close_after, "60s");
    const pid = t.keepalive.get("camera0")!.pid!;
    assert.ok(alive(pid));
    await waitFor(
      () => {
        try {
          return Deno.readTextFileSync(`${t.root}/ffmpeg.args`).includes("-f null -");
        } catch {
          return false;
        }
      },
      2000,
      "reader args",
    );
    assert.match(
      Deno.readTextFileSync(`${t.root}/ffmpeg.args`),
      /-rtsp_transport tcp -i rtsp:\/\/127\.0\.0\.1:8554\/camera0 -map 0 -c copy -f null -/,
    );
    const st = await call(t.methods, "get_stream_status", { device: "camera0" });
    assert.equal((st as Record<string, unknown>).status, "STARTING");

    const s2 = await call(t.methods, "start_streaming", { device: "camera0" }) as Texts;
    assert.equal(s2.start_time, s1.start_time, "a repeated start extends the same session");
    assert.equal(t.keepalive.get("camera0")!.pid, pid, "no second reader");

    t.mtx.setPath("camera0", true, 2);
    const stop = await call(t.methods, "stop_streaming", { device: "camera0" }) as Json;
    assertContractResult("stop_streaming", stop);
    assert.equal(stop.status, "STOPPED");
    assert.equal(stop.start_time, s1.start_time);
    assert.equal(stop.stream_continues, true);
    assert.equal(typeof stop.duration, "number");
    await waitFor(() => !alive(pid), 2000, "reader killed");

    const again = await rpcError(call(t.methods, "stop_streaming", { device: "camera0" }));
    assert.equal(again.code, -32020);
    const notConnected = await rpcError(call(t.methods, "start_streaming", { device: "camera2" }));
    assert.equal(notConnected.code, -32020);
    assert.deepEqual(notConnected.data, { state: "ERROR", allowed_states: ["CONNECTED"] });
    t.mtx.up = false;
    const down = await rpcError(call(t.methods, "start_streaming", { device: "camera0" }));
    assert.equal(down.code, -32050);
    assert.equal(t.keepalive.get("camera0"), undefined);
  } finally {
    await t.done();
  }
});

Deno.test("api streams - keepalive expires by itself; missing ffmpeg is -32050", async () => {
  const t = await setup();
  const short = new StreamKeepalive({
    ffmpegPath: t.config.ffmpeg.path,
    keepaliveSec: 0.3,
    urlFor: (id) => internalRtspUrl(id, t.config),
    log: memoryLogger().log,
  });
  try {
    const { session } = await short.start("camera0");
    assert.ok(session.pid && alive(session.pid));
    await waitFor(() => short.get("camera0") === undefined, 2000, "expiry");
    await waitFor(() => !alive(session.pid!), 2000, "reader killed at expiry");

    const missing = new StreamKeepalive({
      ffmpegPath: `${t.root}/no-such-ffmpeg`,
      keepaliveSec: 5,
      urlFor: (id) => internalRtspUrl(id, t.config),
      log: memoryLogger().log,
    });
    const methods = streamMethods({
      registry: t.registry,
      mediamtx: t.mtx,
      monitor: t.mtx,
      config: t.config,
      keepalive: missing,
    });
    const e = await rpcError(call(methods, "start_streaming", { device: "camera0" }));
    assert.equal(e.code, -32050);
    assert.equal(e.data?.dependency, "ffmpeg");
    assert.equal(missing.get("camera0"), undefined);
  } finally {
    await short.stopAll();
    await t.done();
  }
});

Deno.test("camera subsystem - builds all 13 methods, each with a role, and stops cleanly", async () => {
  const root = await Deno.makeTempDir({ prefix: "cams-sub-" });
  await fakeV4l2(root);
  await Deno.writeTextFile(`${root}/dev/video0`, "capture");
  const mtx = new FakeMediaMtx();
  await Deno.writeTextFile(`${root}/ffmpeg`, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
  const sub = createCameraSubsystem({
    config: testConfig(root, (c) => c.ffmpeg.path = `${root}/ffmpeg`),
    events: new EventBus(),
    log: memoryLogger().log,
    mediamtx: mtx,
    monitor: mtx,
  });
  try {
    await sub.start();
    const names = sub.methods.map((m) => m.name).sort();
    assert.deepEqual(names, [
      "add_external_stream",
      "discover_external_streams",
      "get_camera_capabilities",
      "get_camera_list",
      "get_camera_status",
      "get_external_streams",
      "get_stream_status",
      "get_stream_url",
      "get_streams",
      "remove_external_stream",
      "set_discovery_interval",
      "start_streaming",
      "stop_streaming",
    ]);
    for (const n of names) assert.ok(n in METHOD_ROLES, `${n} has no role`);
    assert.equal(sub.registry.list().length, 1);
    // A streaming camera that is unplugged loses its keepalive reader.
    const start = sub.methods.find((m) => m.name === "start_streaming")!;
    await start.handler({ device: "camera0" }, ctx);
    assert.ok(sub.keepalive.get("camera0"));
    await Deno.remove(`${root}/dev/video0`);
    await waitFor(() => sub.keepalive.get("camera0") === undefined, 2000, "keepalive ended");
  } finally {
    await sub.stop();
    await Deno.remove(root, { recursive: true });
  }
});
