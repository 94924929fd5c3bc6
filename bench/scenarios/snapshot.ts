/**
 * `snapshot`: take_snapshot from a running stream, end to end over WSS: the real RTSP server and
 * the MediaMTX simulator from the test media plane (a lavfi 640x480 test pattern published as
 * camera0), the service in this process, one authenticated client calling take_snapshot
 * sequentially. Reports p50/p90/max of the call's latency (ffmpeg dominates: PERF/DESIGN say
 * 0.4–0.6 s here with fast probing).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { snapshotArgs } from "../../src/media/ffmpeg_args.ts";
import { runProcess } from "../../src/util/process.ts";
import { startMediaMtxSim } from "../../tests/support/mediamtx_sim.ts";
import { RpcClient } from "../../tests/support/rpc_client.ts";
import { missingTools, startRtspServer } from "../../tests/support/rtsp.ts";
import { startTestService } from "../../tests/support/service.ts";

export interface SnapshotReport {
  /** Bare ffmpeg with the same arguments on the same stream, in the same run (the floor). */
  bare_p50_ms?: number | null;
  rounds: number;
  ok: number;
  p50_ms: number | null;
  p90_ms: number | null;
  max_ms: number | null;
  error?: string;
}

const pct = (xs: number[], p: number) =>
  xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : null;

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
  let error: string | undefined;
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
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const r = await c.call("take_snapshot", { device: "camera0" });
      if (r.error) error = JSON.stringify(r.error);
      else times.push(performance.now() - t0);
      const b0 = performance.now();
      const args = snapshotArgs({
        url: `rtsp://127.0.0.1:${rtsp.readPort}/camera0`,
        output: join(root, "bare.jpg"),
        format: "jpg",
        quality: 85,
        transport: "udp",
      });
      const out = await runProcess(t.config.ffmpeg.path, args, { timeoutMs: 10_000 });
      if (out.code === 0) bare.push(performance.now() - b0);
      else error ??= `bare ffmpeg: ${out.stderr.slice(-200)}`;
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
  times.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const r1 = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    bare_p50_ms: r1(pct(bare, 50)),
    rounds,
    ok: times.length,
    p50_ms: r1(pct(times, 50)),
    p90_ms: r1(pct(times, 90)),
    max_ms: r1(times.at(-1) ?? null),
    error,
  };
}
