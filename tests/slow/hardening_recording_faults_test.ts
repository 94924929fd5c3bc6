/**
 * Hardening (slow): the service as a real subprocess (`deno run -A mod.ts serve --config FILE`)
 * recording an IP camera (a test pattern published to rtsp-server-perl, pulled by the MediaMTX
 * simulator). Mid-recording, MediaMTX is killed and restarted: degraded, no crash, recovered
 * and reconciled (recording again). Then SIGTERM: a clean exit 0, "stopped" logged, and every
 * recording segment is playable by ffprobe with a duration > 0.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { signToken } from "../../src/auth/jwt.ts";
import { makeTestPki } from "../support/certs.ts";
import { Tally, until } from "../support/hardening_tally.ts";
import { startMediaMtxSim } from "../support/mediamtx_sim.ts";
import { RpcClient } from "../support/rpc_client.ts";
import { missingTools, publishTestPattern, startRtspServer } from "../support/rtsp.ts";
import { httpsGet } from "../support/service.ts";

const tally = new Tally("recording faults (slow)");
const missing = missingTools(
  ["ffmpeg", "ffprobe", "rtsp-server-perl"],
  "hardening recording faults (subprocess, SIGTERM)",
);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = "hardening-secret-0123456789-abcdefghijklmnop";

/** Duration (s) of a media file by ffprobe, or null when it cannot be read. */
async function probeDuration(file: string): Promise<number | null> {
  try {
    const { stdout } = await promisify(execFile)("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration:stream=codec_name",
      "-of",
      "json",
      file,
    ], { timeout: 15_000 });
    const j = JSON.parse(stdout);
    const d = Number(j.format?.duration);
    return j.streams?.some((s: { codec_name: string }) => s.codec_name === "h264") &&
        Number.isFinite(d)
      ? d
      : null;
  } catch {
    return null;
  }
}

/**
 * The service subprocess: its JSON log lines, the listening line, its exit. Deno.Command, not
 * node:child_process: on Deno the latter reports any child it sent a signal to as killed by
 * that signal, even when the child handled it and exited 0.
 */
function serve(configFile: string): {
  child: Deno.ChildProcess;
  lines: Record<string, unknown>[];
  listening: Promise<{ ws_port: number; health_port: number }>;
  exited: Promise<Deno.CommandStatus>;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", "serve", "--config", configFile],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  let listened: (v: { ws_port: number; health_port: number }) => void;
  const listening = new Promise<{ ws_port: number; health_port: number }>((r) => (listened = r));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      buf += dec.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const j = JSON.parse(line);
          lines.push(j);
          if (j.msg === "listening") listened(j);
        } catch {
          lines.push({ text: line });
        }
      }
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (st) => {
    await pumped;
    return st;
  });
  return { child, lines, listening, exited };
}

Deno.test({
  name: "hardening slow - MediaMTX killed mid-recording, then SIGTERM: clean exit, playable files",
  ignore: missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await mkdtemp(join(tmpdir(), "hardening-sigterm-"));
    const rtsp = await startRtspServer();
    const publisher = publishTestPattern(rtsp.publishPort, "gate");
    const sim = await startMediaMtxSim({
      rtspPort: rtsp.readPort,
      publishPort: rtsp.publishPort,
      recordRoot: dir,
      restartDelayMs: 1000,
    });
    const pki = await makeTestPki({ dir: join(dir, "pki") });
    await mkdir(join(dir, "dev"), { recursive: true });
    const recDir = join(dir, "recordings");
    const configFile = join(dir, "config.yaml");
    await writeFile(
      configFile,
      stringify({
        data_dir: join(dir, "data"),
        server: { host: "127.0.0.1", port: 0, public_host: "box.example", shutdown_timeout: 20 },
        health: { host: "127.0.0.1", port: 0 },
        security: { jwt_secret_key: SECRET, ssl: pki.ssl() },
        camera: {
          device_dir: join(dir, "dev"),
          sysfs_dir: join(dir, "sys"),
          v4l2ctl_path: join(dir, "no-v4l2-ctl"),
          sources: [{
            id: "camera10",
            name: "Gate",
            url: `rtsp://127.0.0.1:${rtsp.readPort}/gate`,
            rtsp_transport: "udp",
            on_demand: false,
          }],
        },
        mediamtx: {
          api_port: sim.port,
          rtsp_port: rtsp.readPort,
          health_check_interval: 0.2,
          backoff_max: 0.5,
        },
        recording: { directory: recDir, format: "fmp4" },
        snapshots: { directory: join(dir, "snapshots"), rtsp_transport: "udp" },
        logging: { level: "debug", format: "json" },
      }),
    );
    const svc = serve(configFile);
    let exited = false;
    svc.exited.then(() => (exited = true));
    let client: RpcClient | null = null;
    try {
      const addr = await Promise.race([
        svc.listening,
        svc.exited.then((e) => {
          throw new Error(
            `serve exited early (${JSON.stringify(e)}): ${JSON.stringify(svc.lines)}`,
          );
        }),
      ]);
      const ca = await readFile(pki.caFile, "utf8");
      const health = (p: string) => httpsGet(`https://127.0.0.1:${addr.health_port}${p}`, ca);
      /** Whether the newest segment has more than `min` bytes. */
      const segmentBytes = async (min: number) => {
        const files = (await readdir(join(recDir, "camera10")).catch(() => [])).sort();
        if (files.length === 0) return false;
        return (await stat(join(recDir, "camera10", files[files.length - 1]))).size > min;
      };
      const c = client = await RpcClient.connect(`wss://127.0.0.1:${addr.ws_port}/ws`, { ca });
      const token = await signToken({
        secret: SECRET,
        user_id: "hardening",
        role: "admin",
        ttlSeconds: 3600,
      });
      assert.equal(
        ((await c.call("authenticate", { auth_token: token })).result as { role: string }).role,
        "admin",
      );

      await tally.run("IP camera recording starts (subprocess service)", async () => {
        await until("camera10 CONNECTED and its stream ACTIVE", async () => {
          const list = (await c.call("get_camera_list")).result as {
            cameras: { device: string; status: string }[];
          };
          const s = await c.call("get_stream_status", { device: "camera10" });
          return list.cameras.some((x) => x.device === "camera10" && x.status === "CONNECTED") &&
            (s.result as Record<string, unknown> | undefined)?.status === "ACTIVE";
        }, 45_000);
        const rec = await c.call("start_recording", { device: "camera10", format: "fmp4" });
        assert.ok(rec.result, JSON.stringify(rec.error));
        await c.waitFor((n) =>
          n.method === "recording_status_update" && n.params.status === "STARTED"
        );
        await until("media written (a segment over 50 kB)", () => segmentBytes(50_000), 30_000);
      });

      await tally.run("MediaMTX killed mid-recording: degraded, serving, no crash", async () => {
        await sim.stop();
        await until("MediaMTX seen down", async () => {
          const h = await health("/health/mediamtx");
          return JSON.parse(h.body).reachable === false;
        });
        const ready = JSON.parse((await health("/health/ready")).body);
        assert.ok(ready.degraded.includes("mediamtx"), JSON.stringify(ready));
        assert.equal((await c.call("ping")).result, "pong");
        const down = await c.call("get_stream_url", { device: "camera10" });
        assert.equal(down.error?.code, -32050);
        assert.equal(exited, false, "the service is still running");
      });

      await tally.run("MediaMTX back: reconciled, recording again", async () => {
        const before = (await readdir(join(recDir, "camera10"))).length;
        await sim.start();
        await until(
          "camera10 re-applied with record on",
          () => sim.paths().get("camera10")?.record === true,
          20_000,
        );
        await until(
          "a new segment after the restart",
          async () => (await readdir(join(recDir, "camera10"))).length > before,
          30_000,
        );
        await until("media written after the restart", () => segmentBytes(50_000), 30_000);
        assert.equal((await c.call("get_stream_url", { device: "camera10" })).error, undefined);
      });

      await tally.run("SIGTERM during the recording: clean exit 0, 'stopped' logged", async () => {
        svc.child.kill("SIGTERM");
        const e = await svc.exited;
        exited = true;
        assert.equal(e.code, 0, JSON.stringify(svc.lines.slice(-5)));
        assert.equal(e.signal, null);
        assert.ok(svc.lines.some((l) => l.msg === "stopped"), "stopped logged");
        assert.ok(
          svc.lines.some((l) =>
            l.msg === "recording stopped" && l.device === "camera10" && l.reason === "shutdown"
          ),
          "the recording was stopped by the shutdown",
        );
        assert.ok(!svc.lines.some((l) => l.level === "fatal"));
        await client!.closed;
      });

      await tally.run("every segment is playable by ffprobe, duration > 0", async () => {
        const files = (await readdir(join(recDir, "camera10"))).sort();
        assert.ok(files.length >= 2, `segments: ${files}`);
        const durations: Record<string, number | null> = {};
        for (const f of files) durations[f] = await probeDuration(join(recDir, "camera10", f));
        console.log(`segments: ${JSON.stringify(durations)}`);
        for (const [f, d] of Object.entries(durations)) {
          assert.ok(d !== null && d > 0, `${f}: not playable (${d})`);
        }
      });
    } finally {
      if (!exited) {
        svc.child.kill("SIGKILL");
        await svc.exited;
      }
      client?.ws.terminate();
      await sim.close();
      await publisher.stop();
      await rtsp.close();
      if (Deno.env.get("KEEP_DIR")) console.log(`kept ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  },
});

Deno.test("hardening slow - summary", () => tally.report());
