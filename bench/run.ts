/**
 * `deno task bench [--quick] [--scenario a,b] [--duration s] [--client node|deno] [--out file]
 *                  [--exe path | --build-exe]`
 * `deno task bench --render bench/RESULTS.json` renders a saved run again (e.g. after
 * bench/ANALYSIS.md, the account of the missed targets, was brought up to date).
 *
 * Starts each server in its own process (bare Deno.serve, bare node:https + ws under Deno and
 * under Node, the service under `deno run`, and the single executable when dist/camera-service
 * exists), drives it with the load generator in another process, and prints/writes the
 * comparison (bench/RESULTS.md for full runs; --quick writes only with --out).
 * Scenarios: startup, idle, ping, get_camera_list, authenticate, fanout, snapshot.
 */
import { measureSnapshots, type SnapshotReport } from "./scenarios/snapshot.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadavg } from "node:os";
import process from "node:process";
import { CliUsageError, parseFlags } from "../src/cli/types.ts";
import { makeFixture } from "./lib/fixture.ts";
import { loadgenRuntime, runLoadgen } from "./lib/loadgen_proc.ts";
import { machine } from "./lib/procstat.ts";
import { type ProfiledRun, profileServer } from "./lib/profile_run.ts";
import { renderReport, type ReportContext } from "./lib/report.ts";
import {
  findExecutable,
  freePort,
  type RunningServer,
  type ServerSpec,
  serverSpecs,
  startServer,
  wsUrl,
} from "./lib/servers.ts";
import type { RunRecord } from "./lib/stats.ts";

/** What one invocation runs. */
export interface BenchPlan {
  quick: boolean;
  durationS: number;
  warmupS: number;
  pingCs: number[];
  /** Interleaved repetitions at C=100, the figure the targets use. */
  repsAt100: number;
  gclCs: number[];
  churnC: number;
  fanoutN: number;
  fanoutRounds: number;
  idleN: number;
  startupRounds: number;
  scenarios: Set<string>;
  client: "node" | "deno";
  out: string | null;
  /** The single executable to measure (default dist/camera-service when built from mod.ts). */
  exe?: string;
  /** Build the single executable into node_modules/.cache/bench/dist first. */
  buildExe: boolean;
  /** Profile the service (deno run) under ping/get_camera_list/authenticate load at the end. */
  profile: boolean;
  /** Render this saved run (JSON written by an earlier run) instead of running. */
  render?: string;
}

const ALL = [
  "startup",
  "idle",
  "ping",
  "get_camera_list",
  "authenticate",
  "fanout",
  "snapshot",
];

/** Parses the command line into a plan. */
export function parsePlan(argv: string[]): BenchPlan {
  const { flags, rest } = parseFlags(argv, {
    strings: ["scenario", "duration", "client", "out", "exe", "render"],
    booleans: ["quick", "build-exe", "profile", "no-profile"],
  });
  if (rest.length) throw new CliUsageError(`unexpected argument ${rest[0]}`);
  const quick = flags.quick === true;
  const scenarios = new Set(
    flags.scenario ? String(flags.scenario).split(",").map((s) => s.trim()) : ALL,
  );
  for (const s of scenarios) {
    if (!ALL.includes(s)) throw new CliUsageError(`unknown scenario ${s} (${ALL.join(", ")})`);
  }
  const durationS = flags.duration ? Number(flags.duration) : quick ? 3 : 5;
  if (!Number.isFinite(durationS) || durationS <= 0 || durationS > 120) {
    throw new CliUsageError("--duration must be in (0, 120] seconds");
  }
  const client = String(flags.client ?? "node");
  if (client !== "node" && client !== "deno") throw new CliUsageError("--client node|deno");
  return {
    quick,
    durationS,
    warmupS: quick ? 0.5 : 1,
    pingCs: quick ? [100] : [1, 10, 100, 1000],
    repsAt100: quick ? 1 : 3,
    gclCs: quick ? [100] : [10, 100],
    churnC: 10,
    fanoutN: 1000,
    // p99 over rounds: 30 rounds make it the max; from 100 on it is not.
    fanoutRounds: quick ? 30 : 100,
    idleN: 1000,
    startupRounds: 3,
    scenarios,
    client,
    out: flags.out
      ? String(flags.out)
      : quick
      ? null
      : new URL("RESULTS.md", import.meta.url).pathname,
    exe: flags.exe ? String(flags.exe) : undefined,
    buildExe: flags["build-exe"] === true,
    profile: flags["no-profile"] === true ? false : flags.profile === true || !quick,
    render: flags.render ? String(flags.render) : undefined,
  };
}

function progress(line: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function brief(r: Record<string, unknown>): string {
  if (r.error) return `ERROR ${r.error}`;
  const lat = r.latency as Record<string, number> | undefined;
  const srv = r.server as Record<string, number> | null | undefined;
  const bits = [];
  if (typeof r.rps === "number") bits.push(`${r.rps} rps`);
  if (lat) bits.push(`p50 ${lat.p50_ms} ms p99 ${lat.p99_ms} ms`);
  if (srv?.cpu_us_per_msg) bits.push(`${srv.cpu_us_per_msg} µs/msg`);
  if (typeof r.errors === "number" && r.errors) bits.push(`${r.errors} errors`);
  if (typeof r.server_rss_mb === "number") bits.push(`RSS ${r.server_rss_mb} MB`);
  if (r.to_first_pong) {
    bits.push(`start p50 ${(r.to_first_pong as Record<string, number>).p50_ms} ms`);
  }
  if (r.trigger_to_last) {
    const t = r.trigger_to_last as Record<string, number>;
    bits.push(
      `to last p50 ${t.p50_ms} ms p99 ${t.p99_ms} ms (${r.rounds_complete}/${r.rounds_run})`,
    );
  }
  return bits.join(", ");
}

async function main(): Promise<number> {
  let plan: BenchPlan;
  try {
    plan = parsePlan(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    return 2;
  }
  if (plan.render) return renderSaved(plan.render, plan.out);
  const started = new Date();
  const load0 = loadavg();
  const denoPath = Deno.execPath();
  const fixture = await makeFixture();
  const rt = loadgenRuntime(plan.client, denoPath);
  const runs: RunRecord[] = [];
  const notes: string[] = [];
  const profiles: ProfiledRun[] = [];
  let snapshot: SnapshotReport | undefined;
  if (plan.buildExe) {
    const out = new URL("../node_modules/.cache/bench/dist", import.meta.url).pathname;
    progress(`building the single executable into ${out}`);
    try {
      execFileSync(denoPath, [
        "run",
        "-A",
        new URL("../compile/build.ts", import.meta.url).pathname,
        "--out",
        out,
      ], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      plan.exe = `${out}/camera-service`;
    } catch (e) {
      notes.push(`building the single executable failed: ${String(e).slice(0, 400)}`);
    }
  }
  const exe = findExecutable(plan.exe);
  if ("skipped" in exe) notes.push(`single executable not measured: ${exe.skipped}`);
  const specs = serverSpecs(fixture, denoPath, "path" in exe ? exe.path : undefined);
  const want = (s: string) => plan.scenarios.has(s);
  const servers: RunningServer[] = [];
  const record = (
    server: string,
    scenario: string,
    c: number,
    rep: number,
    report: Record<string, unknown>,
  ) => {
    runs.push({ server, scenario, connections: c, rep, report });
    progress(`${server} ${scenario} C=${c}${rep ? ` #${rep + 1}` : ""}: ${brief(report)}`);
  };
  const common = (s: RunningServer) => [
    "--url",
    s.url,
    "--server-pid",
    String(s.pid),
    "--duration",
    String(plan.durationS),
    "--warmup",
    String(plan.warmupS),
  ];
  progress(`client ${rt.name}; servers: ${specs.map((s) => s.name).join(", ")}`);
  try {
    if (want("startup")) {
      // Services twice: with the 16 fake cameras (probed at start), and with none.
      const emptyDev = join(fixture.root, "dev-empty");
      mkdirSync(emptyDev, { recursive: true });
      const variants = specs.flatMap((spec) =>
        spec.kind === "service"
          ? [{ spec, name: spec.name, extra: {} as Record<string, string> }, {
            spec,
            name: `${spec.name}, 0 cameras`,
            extra: { CAMERA_SERVICE_CAMERA_DEVICE_DIR: emptyDev },
          }]
          : [{ spec, name: spec.name, extra: {} as Record<string, string> }]
      );
      for (const { spec, name, extra } of variants) {
        const ports = { ws: await freePort(), health: await freePort() };
        const report = await runLoadgen(rt, [
          "--scenario",
          "startup",
          "--url",
          wsUrl(ports.ws),
          "--rounds",
          String(plan.startupRounds),
          "--spawn",
          JSON.stringify(spec.argv(ports)),
        ], { ...spec.env(ports), ...extra });
        record(name, "startup", 1, 0, report);
      }
    }
    for (const spec of specs) {
      try {
        servers.push(await startServer(spec));
      } catch (e) {
        notes.push(`${spec.name} did not start: ${String(e).slice(0, 600)}`);
        progress(notes.at(-1)!);
      }
    }
    const tokenArgs = (s: RunningServer) =>
      s.spec.kind === "service" ? ["--token", fixture.token] : [];
    if (want("idle")) {
      // --quick holds the 1000 connections on the services only (the target is theirs).
      for (const s of servers.filter((x) => !plan.quick || x.spec.kind === "service")) {
        const report = await runLoadgen(rt, [
          ...common(s),
          "--scenario",
          "idle",
          "--connections",
          String(plan.idleN),
          ...tokenArgs(s),
        ]);
        record(s.spec.name, "idle", plan.idleN, 0, report);
      }
    }
    if (want("ping") || want("get_camera_list")) {
      const cs = want("ping") ? plan.pingCs : plan.gclCs;
      for (const c of cs) {
        const reps = c === 100 ? plan.repsAt100 : 1;
        for (let rep = 0; rep < reps; rep++) {
          for (const s of servers) {
            const args = [...common(s), "--connections", String(c)];
            if (want("ping")) {
              record(
                s.spec.name,
                "ping",
                c,
                rep,
                await runLoadgen(rt, [...args, "--scenario", "ping"]),
              );
            }
            if (want("get_camera_list") && s.spec.kind === "service" && plan.gclCs.includes(c)) {
              const report = await runLoadgen(rt, [
                ...args,
                "--scenario",
                "get_camera_list",
                ...tokenArgs(s),
              ]);
              record(s.spec.name, "get_camera_list", c, rep, report);
            }
          }
        }
      }
    }
    const services = servers.filter((s) => s.spec.kind === "service");
    if (want("authenticate")) {
      for (const s of services) {
        const report = await runLoadgen(rt, [
          ...common(s),
          "--scenario",
          "authenticate",
          "--connections",
          String(plan.churnC),
          ...tokenArgs(s),
        ]);
        record(s.spec.name, "authenticate", plan.churnC, 0, report);
      }
    }
    if (want("fanout")) {
      // The node:https + ws baselines broadcast on request: the fan-out floor of the stack.
      // (--quick: the same-runtime one only, so every run has its reference.)
      const fanServers = servers.filter((x) =>
        x.spec.kind === "service" ||
        (x.spec.broadcast && (!plan.quick || x.spec.runtime === "deno"))
      );
      for (const s of fanServers) {
        const report = await runLoadgen(rt, [
          ...common(s),
          "--scenario",
          "fanout",
          "--connections",
          String(plan.fanoutN),
          "--rounds",
          String(plan.fanoutRounds),
          ...(s.spec.broadcast ? ["--trigger-rpc", s.spec.broadcast] : [
            "--trigger-file",
            s.spec.triggerFile!,
            "--metrics-url",
            `https://127.0.0.1:${s.ports.health}/metrics`,
          ]),
          ...tokenArgs(s),
        ]);
        record(s.spec.name, "fanout", plan.fanoutN, 0, report);
      }
    }
    for (const s of servers) {
      if (s.spec.kind === "service" && /"level":"error"|panic|uncaught/i.test(s.output())) {
        notes.push(
          `${s.spec.name} output (last lines): ${
            s.output().trim().split("\n").slice(-3).join(" | ")
          }`,
        );
      }
    }
    await Promise.all(servers.map((s) => s.stop()));
    if (want("snapshot")) {
      snapshot = await measureSnapshots(plan.quick ? 5 : 15);
      progress(
        `snapshot: p50 ${snapshot.p50_ms} ms, p90 ${snapshot.p90_ms} ms (${snapshot.ok}/${snapshot.rounds})`,
      );
    }
    const svc = specs.find((s) => s.kind === "service" && s.runtime === "deno");
    if (plan.profile && svc && servers.some((s) => s.spec === svc)) {
      for (
        const [scenario, c] of [["ping", 100], ["get_camera_list", 100], [
          "authenticate",
          10,
        ]] as const
      ) {
        if (!want(scenario)) continue;
        try {
          const p = await profileServer(svc, rt, {
            scenario,
            connections: c,
            durationS: Math.min(plan.durationS, 5),
            token: fixture.token,
          });
          profiles.push(p);
          progress(`profiled ${svc.name} ${scenario} C=${c}: ${p.profile?.samples ?? 0} samples`);
        } catch (e) {
          notes.push(`profiling ${scenario} failed: ${String(e)}`);
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    fixture.cleanup();
  }
  const ctx: ReportContext = {
    started,
    finished: new Date(),
    machine: machine(),
    loadBefore: load0,
    loadAfter: loadavg(),
    versions: versions(denoPath),
    command: `deno run -A bench/run.ts ${process.argv.slice(2).join(" ")}`.trim() +
      " (= deno task bench)",
    client: rt.name,
    plan,
    specs: specs as ServerSpec[],
    runs,
    notes,
    profiles,
    snapshot,
  };
  // The raw results beside the report (RESULTS.md → RESULTS.json), so the report can be
  // rendered again (--render) after bench/ANALYSIS.md is updated.
  const saved = plan.out?.endsWith(".md")
    ? plan.out.replace(/\.md$/, ".json")
    : new URL(".tmp/last-run.json", import.meta.url).pathname;
  mkdirSync(dirname(saved), { recursive: true });
  writeFileSync(
    saved,
    JSON.stringify({ ...ctx, plan: { ...plan, scenarios: [...plan.scenarios] } }, null, 2),
  );
  try {
    execFileSync(denoPath, ["fmt", "--quiet", saved], { stdio: "ignore" });
  } catch { /* formatting is cosmetic */ }
  progress(`raw results in ${saved}`);
  writeReport(ctx, plan.out, denoPath);
  return 0;
}

/** Renders `ctx` (with bench/ANALYSIS.md for full runs), prints it, and writes it to `out`. */
function writeReport(ctx: ReportContext, out: string | null, denoPath: string): void {
  const md = renderReport({ ...ctx, analysis: ctx.plan.quick ? undefined : readAnalysis() });
  console.log(md);
  if (!out) return;
  writeFileSync(out, md);
  try {
    // Keep the written file `deno fmt --check` clean (tables are aligned by the formatter).
    execFileSync(denoPath, ["fmt", "--quiet", out], { stdio: "ignore" });
  } catch { /* formatting is cosmetic */ }
  progress(`wrote ${out}`);
}

/** `--render FILE`: the report of a saved run (RESULTS.json, last-run.json), rendered again. */
function renderSaved(file: string, out: string | null): number {
  const raw = JSON.parse(readFileSync(file, "utf8"));
  const ctx: ReportContext = {
    ...raw,
    started: new Date(raw.started),
    finished: new Date(raw.finished),
    plan: { ...raw.plan, scenarios: new Set(raw.plan.scenarios) },
  };
  writeReport(ctx, out, Deno.execPath());
  return 0;
}

function versions(denoPath: string): Record<string, string> {
  const v = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0].trim();
    } catch {
      return "unavailable";
    }
  };
  return { deno: v(denoPath, ["--version"]), node: v("node", ["--version"]) };
}

if (import.meta.main) process.exit(await main());

/** bench/ANALYSIS.md (the hand-written account of the misses), or undefined. */
function readAnalysis(): string | undefined {
  try {
    return readFileSync(new URL("./ANALYSIS.md", import.meta.url), "utf8");
  } catch {
    return undefined;
  }
}
