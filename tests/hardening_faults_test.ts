/**
 * Hardening: faults around snapshots. An ffmpeg that hangs (and one that ignores SIGTERM) is
 * killed at snapshots.timeout with -32050 and its whole process group is gone; a disk that is
 * really full (a 64 KiB tmpfs) while ffmpeg writes the frame, or while the frame is published
 * under its name: a clear -32050, no partial file left; the disk_block_percent refusal.
 * The service keeps serving throughout.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hangingFfmpeg, lavfiFfmpeg, processGone, tinyTmpfs } from "./support/hardening_faults.ts";
import { Tally, until } from "./support/hardening_tally.ts";
import { startMediaMtxSim } from "./support/mediamtx_sim.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { missingTools } from "./support/rtsp.ts";
import { startTestService, type TestService } from "./support/service.ts";

const tally = new Tally("faults");
const noFfmpeg = missingTools(["ffmpeg"], "hardening faults (disk full) cases").length > 0;

/** A service with a MediaMTX simulator (API only) and camera0 CONNECTED; admin client bound. */
async function withCamera(
  configure: (c: TestService["config"]) => void,
  fn: (t: TestService, c: RpcClient) => Promise<void>,
): Promise<void> {
  const sim = await startMediaMtxSim({ rtspPort: 1, publishPort: 1, media: false });
  const t = await startTestService((c) => {
    c.mediamtx.api_port = sim.port;
    configure(c);
  });
  const c = await t.connect();
  try {
    await c.call("authenticate", { auth_token: await t.token("admin") });
    await writeFile(join(t.config.camera.device_dir, "video0"), "");
    await c.waitFor((n) =>
      n.method === "camera_status_update" && n.params.device === "camera0" &&
      n.params.status === "CONNECTED"
    );
    await until("MediaMTX reachable", async () => {
      const h = await c.call("get_status");
      return (h.result as { components?: Record<string, string> })?.components?.mediamtx ===
        "HEALTHY";
    }, 10_000).catch(() => undefined); // informative only: take_snapshot says if it is not
    await fn(t, c);
  } finally {
    await c.close();
    await t.stop();
    await sim.close();
  }
}

for (const ignoreTerm of [false, true]) {
  const label = ignoreTerm ? "an ffmpeg that ignores SIGTERM" : "an ffmpeg that hangs";
  Deno.test({
    name: `hardening faults - ${label}: -32050 at snapshots.timeout, process group gone`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const bin = await mkdtemp(join(tmpdir(), "fake-ffmpeg-"));
      try {
        const fake = await hangingFfmpeg(bin, ignoreTerm);
        await withCamera((c) => {
          c.ffmpeg.path = fake;
          c.snapshots.timeout = 1;
        }, async (t, c) => {
          await tally.run(`snapshot with ${label}`, async () => {
            const t0 = Date.now();
            const r = await c.call("take_snapshot", { device: "camera0", format: "jpg" });
            const took = Date.now() - t0;
            console.log(`${label}: answered after ${took} ms: ${JSON.stringify(r.error)}`);
            assert.equal(r.error?.code, -32050, JSON.stringify(r));
            assert.equal(r.error?.data?.dependency, "ffmpeg");
            assert.match(JSON.stringify(r.error), /snapshots\.timeout|killed/);
            assert.ok(took >= 900 && took < 8_000, `answered after ${took} ms`);
            const [pid, child] = (await readFile(join(bin, "pids"), "utf8")).trim().split(" ")
              .map(Number);
            assert.ok(pid > 0 && child > 0);
            await until(
              "the fake ffmpeg and its child are gone",
              async () => await processGone(pid) && await processGone(child),
              5_000,
            );
            const left = await readdir(t.config.snapshots.directory).catch(() => []);
            assert.deepEqual(left, [], "no temp or partial file left");
            assert.equal((await c.call("ping")).result, "pong");
          });
        });
      } finally {
        await rm(bin, { recursive: true, force: true });
      }
    },
  });
}

Deno.test({
  name: "hardening faults - disk full during a snapshot: clear -32050, no partial file left",
  ignore: noFfmpeg,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const bin = await mkdtemp(join(tmpdir(), "fake-ffmpeg-"));
    const fs = await tinyTmpfs(64);
    if (!fs) return;
    try {
      // How big is the small frame? (written to a normal folder first)
      const small = await lavfiFfmpeg(bin, "320x240");
      const big = await lavfiFfmpeg(bin, "1920x1080");
      const probe = join(bin, "probe.jpg");
      const cmd = new Deno.Command(small, { args: [probe], stderr: "piped" });
      assert.equal((await cmd.output()).code, 0, "the lavfi ffmpeg works");
      const frameBytes = (await stat(probe)).size;
      assert.ok(frameBytes > 8192, `frame of ${frameBytes} bytes`);

      await withCamera((c) => {
        c.ffmpeg.path = big;
        c.snapshots.directory = fs.dir;
        c.snapshots.timeout = 20;
        c.recording.disk_block_percent = 100;
      }, async (t, c) => {
        await tally.run("disk full while ffmpeg writes the frame (real ENOSPC)", async () => {
          const r = await c.call("take_snapshot", { device: "camera0", format: "png" });
          console.log(`ffmpeg ENOSPC: ${JSON.stringify(r.error)}`);
          assert.equal(r.error?.code, -32050, JSON.stringify(r));
          assert.match(r.error?.message + JSON.stringify(r.error?.data), /space|ENOSPC|write/i);
          assert.deepEqual(await readdir(fs.dir), [], "no partial file left");
        });

        await tally.run("disk full while the frame is published (copy fails)", async () => {
          // Leave room for ffmpeg's frame but not for the copy published under its name.
          const page = 4096;
          const framePages = Math.ceil(frameBytes / page);
          const free = (framePages + Math.floor(framePages / 2)) * page;
          await writeFile(join(fs.dir, "filler.bin"), new Uint8Array(64 * 1024 - free));
          t.config.ffmpeg.path = small;
          const r = await c.call("take_snapshot", {
            device: "camera0",
            format: "jpg",
            filename: "wanted.jpg",
          });
          console.log(`publish ENOSPC: ${JSON.stringify(r.error)}`);
          assert.equal(r.error?.code, -32050, JSON.stringify(r));
          assert.match(String(r.error?.message) + JSON.stringify(r.error?.data), /space/i);
          assert.deepEqual(await readdir(fs.dir), ["filler.bin"], "no partial file left");
        });

        await tally.run("disk above disk_block_percent: refused before ffmpeg runs", async () => {
          t.config.recording.disk_block_percent = 50;
          await rm(join(bin, "pids"), { force: true });
          const r = await c.call("take_snapshot", { device: "camera0", format: "jpg" });
          console.log(`disk_block_percent: ${JSON.stringify(r.error)}`);
          assert.ok(r.error, JSON.stringify(r));
          assert.match(JSON.stringify(r.error), /disk_block_percent/);
          assert.deepEqual(await readdir(fs.dir), ["filler.bin"]);
        });

        await tally.run("space freed: the next snapshot works", async () => {
          await rm(join(fs.dir, "filler.bin"));
          t.config.recording.disk_block_percent = 100;
          const r = await c.call("take_snapshot", {
            device: "camera0",
            format: "jpg",
            filename: "wanted.jpg",
          });
          const res = r.result as Record<string, unknown>;
          assert.equal(res?.filename, "wanted.jpg", JSON.stringify(r));
          assert.equal((await stat(join(fs.dir, "wanted.jpg"))).size, res.file_size);
          assert.deepEqual(await readdir(fs.dir), ["wanted.jpg"]);
        });
      });
    } finally {
      await fs.unmount();
      await rm(bin, { recursive: true, force: true });
    }
  },
});

Deno.test("hardening faults - summary", () => tally.report());
