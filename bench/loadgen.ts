/**
 * The load generator, run in its own process by bench/run.ts (or by hand):
 *
 *   deno run -A bench/loadgen.ts --scenario ping --url wss://127.0.0.1:8002/ws \
 *     [--connections 100] [--duration 10] [--warmup 1] [--server-pid N] [--token JWT] ...
 *
 * Runtime-neutral (node: built-ins and `ws` only): bench/run.ts bundles it with esbuild and runs
 * it under `node` by default, because the client is the bottleneck at C >= 10 and Node's `ws`
 * client costs less CPU per message than the same code under Deno (see RESULTS.md).
 *
 * Prints exactly one JSON report on stdout and exits 0; on failure prints {"error":...} and
 * exits 1. Bounded: the measured window ends after --duration seconds or --max-requests
 * answers, and a hard deadline kills the process if anything hangs.
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import { CliUsageError, parseFlags } from "../src/cli/types.ts";
import { authenticateChurn } from "./scenarios/authenticate.ts";
import { fanout } from "./scenarios/fanout.ts";
import { getCameraList } from "./scenarios/get_camera_list.ts";
import { idle } from "./scenarios/idle.ts";
import { ping } from "./scenarios/ping.ts";
import { startup } from "./scenarios/startup.ts";
import type { Scenario, ScenarioOptions } from "./scenarios/types.ts";

/** Scenario name → implementation. */
export const SCENARIOS: Record<string, Scenario> = {
  ping,
  get_camera_list: getCameraList,
  authenticate: authenticateChurn,
  fanout,
  idle,
  startup,
};

/** Parses the command line into scenario options. Throws CliUsageError on bad input. */
export function parseLoadgenArgs(argv: string[]): { scenario: string; opts: ScenarioOptions } {
  const { flags, rest } = parseFlags(argv, {
    strings: [
      "scenario",
      "url",
      "ca",
      "connections",
      "duration",
      "warmup",
      "max-requests",
      "server-pid",
      "token",
      "method",
      "rounds",
      "trigger-file",
      "trigger-rpc",
      "metrics-url",
      "spawn",
    ],
  });
  if (rest.length) throw new CliUsageError(`unexpected argument ${rest[0]}`);
  const scenario = String(flags.scenario ?? "ping");
  if (!SCENARIOS[scenario]) {
    throw new CliUsageError(`unknown scenario ${scenario} (${Object.keys(SCENARIOS).join(", ")})`);
  }
  const num = (name: string, fallback: number, min: number, max: number) => {
    const v = flags[name] === undefined ? fallback : Number(flags[name]);
    if (!Number.isFinite(v) || v < min || v > max) {
      throw new CliUsageError(`--${name} must be a number in [${min}, ${max}]`);
    }
    return v;
  };
  const url = String(flags.url ?? "");
  if (!/^wss?:\/\//.test(url)) throw new CliUsageError("--url wss://host:port/path is required");
  let spawnArgv: string[] | undefined;
  if (flags.spawn !== undefined) {
    spawnArgv = JSON.parse(String(flags.spawn));
    if (!Array.isArray(spawnArgv) || !spawnArgv.every((a) => typeof a === "string")) {
      throw new CliUsageError("--spawn must be a JSON array of strings");
    }
  }
  return {
    scenario,
    opts: {
      target: { url, caFile: flags.ca ? String(flags.ca) : undefined },
      connections: Math.floor(num("connections", 1, 1, 20_000)),
      durationS: num("duration", 10, 0.1, 600),
      warmupS: num("warmup", 1, 0, 60),
      maxRequests: Math.floor(num("max-requests", 5_000_000, 1, 1e9)),
      serverPid: flags["server-pid"] ? Math.floor(num("server-pid", 0, 1, 2 ** 31)) : undefined,
      token: flags.token ? String(flags.token) : undefined,
      method: String(flags.method ?? "get_camera_list"),
      rounds: Math.floor(num("rounds", 10, 1, 1000)),
      triggerFile: flags["trigger-file"] ? String(flags["trigger-file"]) : undefined,
      triggerRpc: flags["trigger-rpc"] ? String(flags["trigger-rpc"]) : undefined,
      metricsUrl: flags["metrics-url"] ? String(flags["metrics-url"]) : undefined,
      spawnArgv,
    },
  };
}

/** Hard deadline for a run: generous, but finite whatever the scenario does. */
export function hardDeadlineMs(scenario: string, o: ScenarioOptions): number {
  const base = (o.warmupS + o.durationS + 60) * 1000;
  if (scenario === "startup") return base + o.rounds * 22_000;
  if (scenario === "fanout") return base + o.rounds * 6_000;
  return base;
}

/** True when this module is the process entry (Deno, or Node running the esbuild bundle). */
function isMain(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  return Boolean(process.argv[1]) && import.meta.url === pathToFileURL(process.argv[1]).href;
}

if (isMain()) {
  let parsed;
  try {
    parsed = parseLoadgenArgs(process.argv.slice(2));
  } catch (e) {
    console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    process.exit(2);
  }
  const { scenario, opts } = parsed;
  const deadline = setTimeout(() => {
    console.log(JSON.stringify({ error: `hard deadline hit in ${scenario}`, scenario }));
    process.exit(3);
  }, hardDeadlineMs(scenario, opts));
  try {
    const report = await SCENARIOS[scenario](opts);
    const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "object" ? "deno" : "node";
    console.log(JSON.stringify({ ...report, client_runtime: runtime }));
    clearTimeout(deadline);
    process.exit(0);
  } catch (e) {
    console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e), scenario }));
    clearTimeout(deadline);
    process.exit(1);
  }
}
