/**
 * `snapshot`: take_snapshot from a running stream, end to end over WSS: the real RTSP server and
 * the MediaMTX simulator from the test media plane (a lavfi 640x480 25 fps test pattern published
 * as camera0 by the service's own USB publish command, so its encoder and keyframe settings), the
 * service in this process, one authenticated client calling take_snapshot.
 *
 * Two floors in the same run, on the same stream: bare ffmpeg with the service's snapshot
 * arguments (what the service adds on top of its own ffmpeg run) and bare ffmpeg with naive
 * arguments (`ffmpeg -i URL -frames:v 1 out.jpg`: what the service's argument choice saves).
 *
 * A snapshot cannot be decoded before the stream's next keyframe, so its latency is the fixed
 * cost (process start, RTSP handshake, decode, exit) plus the wait for that keyframe, which
 * depends on where in the keyframe interval the request lands. Calls made back to back lock onto
 * that interval: each one ends just after a keyframe, so the next one just missed it and waits
 * almost a whole interval, every time (the 1002 ms p50 "tight around 1 s" of earlier runs was
 * exactly the 1 s interval). Clients do not time their requests to the camera's keyframes, so
 * here every measured run is preceded by an idle pause from a stratified set spread over 0..1 s
 * (the same set for each of the three kinds): request phases cover the interval evenly.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { snapshotArgs } from "../../src/media/ffmpeg_args.ts";
import { runProcess } from "../../src/util/process.ts";
import { startMediaMtxSim } from "../../tests/support/mediamtx_sim.ts";
import { RpcClient } from "../../tests/support/rpc_client.ts";
import { missingTools, startRtspServer } from "../../tests/support/rtsp.ts";
import { startTestService } from "../../tests/support/service.ts";

/** Result of {@link measureSnapshots}. */
export interface SnapshotReport {
  /** Bare ffmpeg with the service's snapshot arguments on the same stream, same run. */
  bare_p50_ms?: number | null;
  /** Bare ffmpeg with naive arguments (`-i URL -frames:v 1 out.jpg`), same stream, same run. */
  bare_naive_p50_ms?: number | null;
  /** How requests were spaced (see the module doc). */
  spacing?: string;
  rounds: number;
  ok: number;
  p50_ms: number | null;
  p90_ms: number | null;
  max_ms: number | null;
  error?: string;
}

const pct = (xs: number[], p: number) =>
  xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : null;

/** The idle pause before measured run `i` of `rounds`: stratified over 0..1000 ms. */
export function phasePauseMs(i: number, rounds: number): number {
  // Visit the slots with a stride coprime to `rounds` (a permutation), so consecutive pauses
  // are not monotonic.
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.max(1, Math.floor(rounds * 0.618));
  while (gcd(stride, rounds) !== 1) stride++;
  const slot = (i * stride) % rounds;
  return Math.round(((slot + 0.5) / rounds) * 1000);
}

/** ffmpeg arguments a user would write by hand for one frame (the naive floor). */
export function naiveSnapshotArgs(url: string, output: string): string[] {
  return ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", url, "-frames:v", "1", "-y"]
    .concat(output);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Measure `rounds` snapshots of a live stream. */
export async function measureSnapshots(rounds: number): Promise<SnapshotReport> {
  const missing = missingTools(["ffmpeg", "rtsp-server-perl"], "snapshot benchmark");
  if (missing.length) {
    return {
      rounds,
      ok: 0,
      p50_ms: null,
      p90_ms: null,
      max_ms: null,
      error: `missing ${missing.join(", ")}`,
    };
  }
  const rtsp = await startRtspServer();
  const root = await Deno.makeTempDir();
  const sim = await startMediaMtxSim({
    rtspPort: rtsp.readPort,
    publishPort: rtsp.publishPort,
    recordRoot: root,
  });
  const t = await startTestService((c) => {
    c.mediamtx.api_port = Number(new URL(sim.url).port);
    c.mediamtx.rtsp_port = rtsp.readPort;
    c.snapshots.rtsp_transport = "udp";
    c.logging.level = "error";
  }, { publish: { inputOverride: "-re -f lavfi -i testsrc=size=640x480:rate=25" } });
  const times: number[] = [];
  const bare: number[] = [];
  const naive: number[] = [];
  let error: string | undefined;
  const url = `rtsp://127.0.0.1:${rtsp.readPort}/camera0`;
  const timed = async (into: number[], what: string, args: string[]) => {
    const t0 = performance.now();
    const out = await runProcess(t.config.ffmpeg.path, args, { timeoutMs: 15_000 });
    if (out.code === 0) into.push(performance.now() - t0);
    else error ??= `${what}: ${out.timedOut ? "timed out" : out.stderr.slice(-200)}`;
  };
  try {
    const c = await RpcClient.connect(t.addr.ws_url.replace("localhost", "127.0.0.1"), {
      ca: t.pki.ca.certPem,
    });
    await c.call("authenticate", { auth_token: await t.token("operator") });
    await writeFile(join(t.config.camera.device_dir, "video0"), "");
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const s = await c.call("get_stream_status", { device: "camera0" });
      if ((s.result as Record<string, unknown> | undefined)?.status === "ACTIVE") break;
      await pause(200);
    }
    for (let i = 0; i < rounds; i++) {
      const gap = phasePauseMs(i, rounds);
      await pause(gap);
      const t0 = performance.now();
      const r = await c.call("take_snapshot", { device: "camera0" });
      if (r.error) error = JSON.stringify(r.error);
      else times.push(performance.now() - t0);
      await pause(gap);
      const output = join(root, "bare.jpg");
      const same = snapshotArgs({ url, output, format: "jpg", quality: 85, transport: "udp" });
      await timed(bare, "bare ffmpeg (service arguments)", same);
      await pause(gap);
      await timed(naive, "bare ffmpeg (naive arguments)", naiveSnapshotArgs(url, output));
    }
    await c.close();
  } catch (e) {
    error = String(e);
  } finally {
    await t.stop();
    await sim.close();
    await rtsp.close();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  for (const xs of [times, bare, naive]) xs.sort((a, b) => a - b);
  const r1 = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    bare_p50_ms: r1(pct(bare, 50)),
    bare_naive_p50_ms: r1(pct(naive, 50)),
    spacing: "each run after an idle pause stratified over 0..1 s (random keyframe phase)",
    rounds,
    ok: times.length,
    p50_ms: r1(pct(times, 50)),
    p90_ms: r1(pct(times, 90)),
    max_ms: r1(times.at(-1) ?? null),
    error,
  };
}
