/**
 * The closed-loop driver: `workers` loops each run one step at a time (send, wait for the
 * answer) for a warm-up and then a fixed measured window. Reports requests/s, latency
 * percentiles, errors, and the server's CPU time per message and RSS when its pid is known.
 */
import process from "node:process";
import { Histogram } from "../lib/histogram.ts";
import { cpuMicros, memoryMB } from "../lib/procstat.ts";
import type { ScenarioReport } from "./types.ts";

/** One unit of work for worker `i`; resolves true when the answer was the expected one. */
export type Step = (i: number) => Promise<boolean>;

/** Driver options. */
export interface ClosedLoopOptions {
  workers: number;
  durationS: number;
  warmupS: number;
  maxRequests: number;
  serverPid?: number;
  /** Messages the server handles per step (for CPU per message; a ping is 1). */
  messagesPerStep?: number;
}

/** Runs the loops; never longer than warm-up + duration + the slowest in-flight step. */
export async function runClosedLoop(step: Step, o: ClosedLoopOptions): Promise<ScenarioReport> {
  const hist = new Histogram();
  let measuring = false;
  let stopped = false;
  let ok = 0;
  let errors = 0;
  let firstError = "";
  let stalled = 0;

  const loop = async (i: number) => {
    while (!stopped) {
      const t0 = performance.now();
      let good = false;
      try {
        good = await step(i);
      } catch (e) {
        if (!firstError) firstError = String(e);
        if (measuring) errors++;
        if (String(e).includes("connection closed")) {
          stalled++;
          return; // this connection is gone; the others go on
        }
        continue;
      }
      if (!measuring) continue;
      if (good) {
        hist.record((performance.now() - t0) * 1000);
        ok++;
        if (ok >= o.maxRequests) stopped = true;
      } else {
        errors++;
      }
    }
  };

  const loops = Array.from({ length: o.workers }, (_, i) => loop(i));
  await new Promise((r) => setTimeout(r, o.warmupS * 1000));
  const cpu0 = o.serverPid ? cpuMicros(o.serverPid) : null;
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await Promise.race([
    new Promise((r) => setTimeout(r, o.durationS * 1000)),
    Promise.all(loops),
  ]);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = o.serverPid ? cpuMicros(o.serverPid) : null;
  const client = process.cpuUsage(client0);
  const mem = o.serverPid ? memoryMB(o.serverPid) : null;
  stopped = true;
  await Promise.all(loops);

  const perStep = o.messagesPerStep ?? 1;
  const serverCpu = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  return {
    workers: o.workers,
    elapsed_s: round(elapsed, 3),
    requests: ok,
    rps: Math.round(ok / elapsed),
    errors,
    first_error: firstError || undefined,
    dead_connections: stalled,
    latency: hist.summary(),
    server: serverCpu === null ? null : {
      cpu_us_per_msg: ok ? round(serverCpu / (ok * perStep), 2) : null,
      cpu_cores: round(serverCpu / 1e6 / elapsed, 2),
      rss_mb: mem?.rss_mb,
      peak_rss_mb: mem?.peak_mb,
    },
    client: {
      cpu_us_per_msg: ok ? round((client.user + client.system) / (ok * perStep), 2) : null,
      cpu_cores: round((client.user + client.system) / 1e6 / elapsed, 2),
    },
  };
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
