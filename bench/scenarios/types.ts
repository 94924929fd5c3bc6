/** Shared option and result shapes of the load generator's scenarios. */
import type { Target } from "../lib/client.ts";

/** Everything a scenario may use; each scenario reads the fields it needs. */
export interface ScenarioOptions {
  target: Target;
  /** Concurrent connections (closed loop: one request in flight per connection). */
  connections: number;
  /** Measured seconds, after `warmupS` seconds of unmeasured load. */
  durationS: number;
  warmupS: number;
  /** Hard cap on measured requests; the run stops early when reached. */
  maxRequests: number;
  /** The server's pid, for CPU and RSS from /proc (same machine only). */
  serverPid?: number;
  /** Bearer token (JWT) for `authenticate`. */
  token?: string;
  /** The one call of the `authenticate` churn cycle. */
  method: string;
  /** Repetitions for fan-out and start-up. */
  rounds: number;
  /** Fan-out trigger: a file created then removed (a fake /dev/videoN in device_dir). */
  triggerFile?: string;
  /** Fan-out trigger for the bare baseline: a method that makes it broadcast. */
  triggerRpc?: string;
  /** Fan-out: the service's Prometheus /metrics URL (its own timing of each fan-out). */
  metricsUrl?: string;
  /** Start-up: the server command line; environment is inherited. */
  spawnArgv?: string[];
}

/** A scenario's JSON report (printed on stdout by the load generator). */
export type ScenarioReport = Record<string, unknown>;

/** A scenario: runs bounded, resolves with its report. */
export type Scenario = (opts: ScenarioOptions) => Promise<ScenarioReport>;

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
