import assert from "node:assert/strict";
import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { imageSize } from "../src/media/image_size.ts";
import { SnapshotService } from "../src/media/snapshots.ts";
import { UrlSigner } from "../src/media/signing.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { contractErrors } from "./media_contract.ts";
import { alive, cameraStub, mediaConfig, putFile, recordingBus, sleep } from "./media_helpers.ts";
import { ffprobeVideo, missingTools, publishTestPattern, startRtspServer } from "./support/rtsp.ts";
import { withTempDir } from "./support/temp.ts";

const skipRtsp = missingTools(["ffmpeg", "ffprobe", "rtsp-server-perl"], "real-RTSP snapshot tests")
  .length > 0;

/**
 * Decode `file` completely with ffmpeg: decoder complaints (stderr) and the luma range. A
 * whole picture of the test pattern spans black to white; a frame concealed from missing
 * references (decoded before a keyframe) would be flat grey.
 */
async function decodeImage(file: string): Promise<{ errors: string; ymin: number; ymax: number }> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", file, "-vf", "signalstats,metadata=print:file=-", "-f", "null"]
      .concat("-"),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const num = (k: string) => Number(new RegExp(`signalstats\\.${k}=(\\d+)`).exec(text)?.[1]);
  return {
    errors: new TextDecoder().decode(out.stderr).trim(),
    ymin: num("YMIN"),
    ymax: num("YMAX"),
  };
}

/** An "ffmpeg" that logs each invocation, then runs the real one. */
async function countingFfmpeg(dir: string): Promise<{ path: string; runs(): Promise<number> }> {
  const path = join(dir, "ffmpeg-counting.sh");
  const log = join(dir, "runs.log");
  await writeFile(path, `#!/bin/sh\necho run >> ${log}\nexec ffmpeg "$@"\n`);
  await chmod(path, 0o755);
  return {
    path,
    runs: async () =>
      (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean).length,
  };
}

Deno.test({
  name: "snapshots - real RTSP stream: JPEG and PNG of the pattern's size, shared runs, names",
  ignore: skipRtsp,
  sanitizeResources: false, // node:child_process pipes of helper processes
  fn: async (t) => {
    const root = await Deno.makeTempDir();
    const server = await startRtspServer();
    const pub = publishTestPattern(server.publishPort, "camera0");
    try {
      const url = `rtsp://127.0.0.1:${server.readPort}/camera0`;
      for (let i = 0; i < 50 && !(await ffprobeVideo(url, 5000)); i++) await sleep(200);
      const ff = await countingFfmpeg(root);
      const config = mediaConfig(root, (c) => {
        c.mediamtx.rtsp_port = server.readPort;
        c.snapshots.rtsp_transport = "udp";
        c.snapshots.timeout = 15;
        c.ffmpeg.path = ff.path;
      });
      const { bus, seen } = recordingBus();
      const signer = new UrlSigner({ secret: "s", ttlSeconds: 60 });
      const svc = new SnapshotService({ config, cameras: cameraStub(), events: bus, signer });

      await t.step("jpg: valid JPEG, 640x480, measured size, event, contract", async () => {
        const r = await svc.take("camera0", { format: "jpg", quality: 90 });
        assert.deepEqual(contractErrors("take_snapshot", r), []);
        assert.match(r.filename, /^camera0_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.jpg$/);
        const file = join(config.snapshots.directory, r.filename);
        const bytes = await readFile(file);
        assert.equal(r.file_size, bytes.length);
        assert.deepEqual([bytes[0], bytes[1], bytes.at(-2), bytes.at(-1)], [
          0xff,
          0xd8,
          0xff,
          0xd9,
        ]);
        assert.deepEqual(await imageSize(file), { width: 640, height: 480, type: "jpeg" });
        const decoded = await decodeImage(file);
        assert.equal(decoded.errors, "", "the JPEG decodes cleanly");
        assert.ok(
          decoded.ymin < 40 && decoded.ymax > 200,
          `a whole picture: ${JSON.stringify(decoded)}`,
        );
        assert.ok(r.download_url?.startsWith(`/files/snapshots/${r.filename}?expires=`));
        assert.deepEqual(seen.at(-1), {
          name: "snapshot_taken",
          payload: {
            device: "camera0",
            filename: r.filename,
            file_size: r.file_size,
            timestamp: r.timestamp,
          },
        });
      });

      await t.step(
        "png: valid PNG, 640x480; name from the client with extension fixed",
        async () => {
          const r = await svc.take("camera0", { format: "png", filename: "front door.jpg" });
          assert.equal(r.filename, "front door.png");
          const file = join(config.snapshots.directory, r.filename);
          assert.deepEqual(await imageSize(file), { width: 640, height: 480, type: "png" });
          assert.equal((await decodeImage(file)).errors, "", "the PNG decodes cleanly");
          assert.equal(r.file_size, (await stat(file)).size);
          const again = await svc.take("camera0", { filename: "front door.png" });
          assert.equal(again.filename, "front door_1.png", "existing name gets a numbered suffix");
          assert.equal(again.format, "png", "format follows the filename's extension");
        },
      );

      await t.step("concurrent snapshots of one camera share one ffmpeg run", async () => {
        const before = await ff.runs();
        const [a, b, c] = await Promise.all([
          svc.take("camera0", { format: "jpg" }),
          svc.take("camera0", { format: "jpg" }),
          svc.take("camera0", { format: "jpg", filename: "mine" }),
        ]);
        assert.equal(await ff.runs() - before, 1);
        assert.deepEqual(a, b, "callers without a filename get the same result");
        assert.equal(c.filename, "mine.jpg");
        assert.equal(c.file_size, a.file_size, "same frame");
        const leftovers = (await readdir(config.snapshots.directory)).filter((f) =>
          f.startsWith(".")
        );
        assert.deepEqual(leftovers, [], "no temp files left");
      });
    } finally {
      await pub.stop();
      await server.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "snapshots - hung ffmpeg is killed at the timeout → -32050 ffmpeg, nothing left behind",
  sanitizeResources: false,
  fn: async () => {
    const root = await Deno.makeTempDir();
    try {
      const pidFile = join(root, "pids");
      const fake = join(root, "ffmpeg-hang.sh");
      await writeFile(
        fake,
        `#!/bin/sh\necho $$ >> ${pidFile}\nsleep 60 &\necho $! >> ${pidFile}\nwait\n`,
      );
      await chmod(fake, 0o755);
      const config = mediaConfig(root, (c) => {
        c.ffmpeg.path = fake;
        c.snapshots.timeout = 0.5;
      });
      const { bus, seen } = recordingBus();
      const svc = new SnapshotService({ config, cameras: cameraStub(), events: bus });
      const t0 = Date.now();
      await assert.rejects(svc.take("camera0"), (e: unknown) => {
        assert.ok(e instanceof RpcError);
        assert.equal(e.code, -32050);
        assert.equal(e.data?.dependency, "ffmpeg");
        assert.match(String(e.data?.detail), /within 0.5s/);
        return true;
      });
      assert.ok(Date.now() - t0 < 4000, "killed promptly");
      await sleep(100);
      const pids = (await readFile(pidFile, "utf8")).trim().split("\n").map(Number);
      for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} survived`);
      assert.deepEqual(await readdir(config.snapshots.directory), [], "no partial file");
      assert.equal(seen.length, 0);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("snapshots - refusals: unknown camera, not connected, bad name, missing ffmpeg, full disk", async () => {
  await withTempDir(async (root) => {
    const config = mediaConfig(root, (c) => (c.ffmpeg.path = join(root, "no-ffmpeg")));
    const { bus } = recordingBus();
    const cameras = cameraStub({ camera0: "CONNECTED", camera1: "DISCONNECTED" });
    const svc = new SnapshotService({ config, cameras, events: bus });
    const code = (n: number, check?: (e: RpcError) => void) => (e: unknown) => {
      assert.ok(e instanceof RpcError, String(e));
      assert.equal(e.code, n, JSON.stringify(e.data));
      check?.(e);
      return true;
    };
    await assert.rejects(svc.take("camera9"), code(-32010));
    await assert.rejects(svc.take("camera1"), code(-32020));
    // an idle on-demand path is DISCONNECTED but readable: the snapshot goes ahead (to ffmpeg)
    const onDemand = new SnapshotService({
      config,
      cameras,
      events: bus,
      mediamtx: { getPathConfig: () => Promise.resolve({ sourceOnDemand: true }) },
    });
    await assert.rejects(onDemand.take("camera1"), code(-32050));
    await assert.rejects(svc.take("camera0", { filename: "../x.jpg" }), code(-32602));
    await assert.rejects(svc.take("camera0", { filename: ".hidden" }), code(-32602));
    await assert.rejects(
      svc.take("camera0"),
      code(-32050, (e) => assert.equal(e.data?.detail, `ffmpeg not found at ${root}/no-ffmpeg`)),
    );
    const full = new SnapshotService({
      config,
      cameras,
      events: bus,
      disk: () => Promise.resolve({ total: 100, used: 97, available: 3, usage_percent: 97 }),
    });
    await assert.rejects(
      full.take("camera0"),
      code(-32050, (e) => {
        assert.equal(e.data?.dependency, "disk");
        assert.match(String(e.data?.detail), /97% .* 95%/);
      }),
    );
    const down = new SnapshotService({
      config,
      cameras,
      events: bus,
      monitor: {
        require: () => {
          throw new RpcError(-32050, { dependency: "mediamtx", detail: "down" });
        },
      },
    });
    await assert.rejects(down.take("camera0"), code(-32050));
    // temp files of a crashed run are removed, fresh ones (a running capture) kept
    await putFile(join(config.snapshots.directory, ".tmp-1-old.jpg"), 5, 3600);
    await putFile(join(config.snapshots.directory, ".tmp-2-new.jpg"), 5, 0);
    assert.equal(await svc.removeStaleTemps(), 1);
    assert.deepEqual(await readdir(config.snapshots.directory), [".tmp-2-new.jpg"]);
  });
});
