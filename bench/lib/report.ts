/**
 * Renders a bench run as Markdown (printed, and written to bench/RESULTS.md): the machine,
 * the exact command, the tables per scenario, the service as ratios to the bare baselines
 * measured in the same run, and the issue-6 targets with pass/miss and by how much.
 */
import type { BenchPlan } from "../run.ts";
import type { ProfiledRun } from "./profile_run.ts";
import { renderProfile } from "./report_profile.ts";
import type { SnapshotReport } from "../scenarios/snapshot.ts";
import type { ServerSpec } from "./servers.ts";
import { clean, field, fmt, med, pingAt100, type RunRecord, table } from "./stats.ts";
import { targetsTable } from "./targets.ts";

export { renderProfile };

/** Everything the report needs from run.ts. */
export interface ReportContext {
  started: Date;
  finished: Date;
  machine: { nproc: number; model: string; kernel: string };
  loadBefore: number[];
  loadAfter: number[];
  versions: Record<string, string>;
  command: string;
  client: string;
  plan: Pick<
    BenchPlan,
    | "quick"
    | "durationS"
    | "warmupS"
    | "pingCs"
    | "repsAt100"
    | "gclCs"
    | "churnC"
    | "fanoutN"
    | "fanoutRounds"
    | "idleN"
    | "startupRounds"
  >;
  specs: ServerSpec[];
  runs: RunRecord[];
  notes: string[];
  /** CPU profiles of the service under load (full runs). */
  profiles?: ProfiledRun[];
  /** take_snapshot latency from a live stream (scenario "snapshot"). */
  snapshot?: SnapshotReport;
  /**
   * The hand-written account of the targets missed (bench/ANALYSIS.md: by how much, what the
   * profiles show), placed under the targets table. Written against a full run's numbers.
   */
  analysis?: string;
}

const DENO_SERVE = "bare Deno.serve";

function errorsOf(runs: RunRecord[], server: string, scenario: string): string {
  const failed = runs.filter((r) =>
    r.server === server && r.scenario === scenario && r.report.error
  );
  const errs = runs.filter((r) => r.server === server && r.scenario === scenario)
    .reduce((n, r) => n + (field(r.report, "errors") ?? 0), 0);
  const parts = [];
  if (failed.length) {
    parts.push(`${failed.length} run(s) failed: ${clean(failed[0].report.error, 160)}`);
  }
  if (errs) parts.push(`${errs} request errors`);
  return parts.join("; ");
}

/** Builds the whole Markdown document. */
export function renderReport(ctx: ReportContext): string {
  const { runs, plan } = ctx;
  const names = ctx.specs.map((s) => s.name).filter((n) => runs.some((r) => r.server === n));
  const services = ctx.specs.filter((s) => s.kind === "service" && names.includes(s.name));
  const out: string[] = [];
  const m = ctx.machine;
  out.push("# Benchmark results", "");
  out.push(
    `Run ${ctx.started.toISOString().slice(0, 16).replace("T", " ")}–` +
      `${ctx.finished.toISOString().slice(11, 16)} UTC with \`${ctx.command}\`` +
      `${plan.quick ? " (quick mode: shorter, fewer points; indicative only)" : ""}.`,
    "",
    `- Machine: ${m.nproc} cores, ${m.model}, Linux ${m.kernel}. Load average before ` +
      `${ctx.loadBefore.map((x) => x.toFixed(2)).join(" / ")}, after ` +
      `${
        ctx.loadAfter.map((x) => x.toFixed(2)).join(" / ")
      } (1/5/15 min). The machine is shared: ` +
      "absolute numbers move with other work; compare ratios within this run.",
    `- Runtimes: ${ctx.versions.deno}; node ${ctx.versions.node}. Load generator: \`ws\` client ` +
      `under ${ctx.client}, in its own process (bench/loadgen.ts), TLS (certificate not verified).`,
    `- Method: closed loop (each connection waits for its answer), ${plan.warmupS} s warm-up then ` +
      `${plan.durationS} s measured per run. At C=100 the servers are run ${plan.repsAt100}x, ` +
      "interleaved, and the tables show medians; other points are single runs. Server CPU per " +
      "message = (utime+stime of the server process over the measured window) / answers; it is " +
      "the fair server figure when the client is the bottleneck (PERF.md).",
    `- Servers: ${names.join("; ")}.` +
      (services.length ? "" : " **The service was not available in this run: baselines only.**"),
    "",
  );

  out.push("## Targets (issue 6)", "");
  out.push(targetsTable(ctx, services));
  out.push("");
  if (ctx.analysis?.trim()) {
    // Its own title (its first line, `# ...`) becomes the section's.
    const text = ctx.analysis.trim();
    const title = text.match(/^#\s+(.*)\n/)?.[1] ?? "The targets missed: where the gap is";
    out.push(
      `## ${title} (bench/ANALYSIS.md)`,
      "",
      text.replace(/^#\s.*\n+/, ""),
      "",
    );
  }

  const pingCs = plan.pingCs.filter((c) =>
    runs.some((r) => r.scenario === "ping" && r.connections === c)
  );
  if (pingCs.length) {
    out.push("## `ping` over WSS: requests/s (p50 / p99 ms)", "");
    out.push(table(
      ["server", ...pingCs.map((c) => `C=${c}`)],
      names.map((n) => [
        n,
        ...pingCs.map((c) => {
          const s = { server: n, scenario: "ping", connections: c };
          return `${fmt(med(runs, s, "rps"))} (${fmt(med(runs, s, "latency.p50_ms"), 2)} / ${
            fmt(med(runs, s, "latency.p99_ms"), 2)
          })`;
        }),
      ]),
    ));
    out.push("", "Server CPU per message (µs) and server RSS at the end of the run (MB):", "");
    out.push(table(
      ["server", ...pingCs.map((c) => `C=${c}`)],
      names.map((n) => [
        n,
        ...pingCs.map((c) => {
          const s = { server: n, scenario: "ping", connections: c };
          return `${fmt(med(runs, s, "server.cpu_us_per_msg"))} µs, ${
            fmt(med(runs, s, "server.rss_mb"))
          } MB`;
        }),
      ]),
    ));
    const errs = names.map((n) => [n, errorsOf(runs, n, "ping")]).filter(([, e]) => e);
    if (errs.length) out.push("", ...errs.map(([n, e]) => `- ${n}: ${e}`));
    out.push("");
  }

  if (services.length && pingCs.includes(100)) {
    out.push("## The service against the bare servers (ping, C=100, same run)", "");
    out.push(table(
      [
        "service",
        "rps / same-stack bare (ratio of medians)",
        "rps / same-stack bare, paired per rep: median (each)",
        "rps / Deno.serve",
        "µs/msg / same-stack bare",
        "µs/msg / Deno.serve",
      ],
      services.map((s) => {
        const r = (a: number | null) => a === null ? "–" : a.toFixed(2);
        const ping = pingAt100(runs, s.name, s.baseline!);
        const vsDeno = pingAt100(runs, s.name, DENO_SERVE);
        return [
          `${s.name} vs ${s.baseline}`,
          r(ping.rps),
          `${r(ping.paired.median)} (${ping.eachText})`,
          r(vsDeno.rps),
          r(ping.cpu),
          r(vsDeno.cpu),
        ];
      }),
    ));
    out.push("");
  }

  const gcl = runs.filter((r) => r.scenario === "get_camera_list");
  if (gcl.length) {
    out.push("## `get_camera_list` (16 cameras), authenticated", "");
    const rows: string[][] = [];
    for (const s of services) {
      for (const c of plan.gclCs) {
        const sel = { server: s.name, scenario: "get_camera_list", connections: c };
        if (!gcl.some((r) => r.server === s.name && r.connections === c)) continue;
        rows.push([
          s.name,
          String(c),
          fmt(med(runs, sel, "rps")),
          fmt(med(runs, sel, "latency.p50_ms"), 2),
          fmt(med(runs, sel, "latency.p99_ms"), 2),
          fmt(med(runs, sel, "server.cpu_us_per_msg")),
          fmt(med(runs, sel, "cameras"), 0),
          errorsOf(runs, s.name, "get_camera_list") || "none",
        ]);
      }
    }
    out.push(
      table(["server", "C", "rps", "p50 ms", "p99 ms", "µs/msg", "cameras listed", "errors"], rows),
      "",
    );
  }

  const churn = runs.filter((r) => r.scenario === "authenticate");
  if (churn.length) {
    out.push(
      "## `authenticate` churn",
      "",
      "One cycle = connect (full TLS handshake) + authenticate + one `get_camera_list` + close; " +
        `C=${plan.churnC} concurrent loops. Server CPU is per cycle.`,
      "",
    );
    out.push(
      table(
        ["server", "cycles/s", "p50 ms", "p99 ms", "server µs/cycle", "errors"],
        churn.map((r) => [
          r.server,
          fmt(field(r.report, "rps")),
          fmt(field(r.report, "latency.p50_ms"), 2),
          fmt(field(r.report, "latency.p99_ms"), 2),
          fmt(field(r.report, "server.cpu_us_per_msg")),
          r.report.error ? clean(r.report.error, 120) : String(field(r.report, "errors") ?? "–"),
        ]),
      ),
      "",
    );
  }

  const fan = runs.filter((r) => r.scenario === "fanout");
  if (fan.length) {
    const pp = (r: RunRecord, name: string) =>
      `${fmt(field(r.report, `${name}.p50_ms`), 2)} / ${fmt(field(r.report, `${name}.p99_ms`), 2)}`;
    out.push(
      "## Notification fan-out",
      "",
      `${plan.fanoutN} sessions (authenticated and subscribed to camera_status_update for the ` +
        `service), ${plan.fanoutRounds} rounds (below 100 rounds, p99 is the maximum). Three ` +
        "measures per round: **emit→written** is the server's own figure (the service's " +
        "`camera_service_notification_last_fanout_seconds` metric, scraped after each round; " +
        "the bare server answers the trigger with the same figure): from the event's emit to the " +
        "last recipient socket's write callback. **emit→last received**: the client's arrival " +
        "time of the last session's frame against the server's emit time (wall clocks of two " +
        "processes on one machine, about ±1 ms); the client reads all sessions over TLS on one " +
        "core, so this includes its own reading. **trigger→last**: client clock only; the " +
        "service's trigger creates or removes a fake /dev/video20 in its device_dir, so it " +
        "includes discovery (50 ms debounce, then the v4l2-ctl probe) before the emit. The bare " +
        "node:https+ws server broadcasts on request, the naive way (one `ws.send` of a string " +
        "per client): the same stack's reference. p50 / p99, ms.",
      "",
    );
    out.push(
      table(
        [
          "server",
          "rounds complete (server-timed)",
          "emit→written",
          "emit→loop end",
          "emit→last received",
          "first→last",
          "trigger→last (max)",
        ],
        fan.map((r) =>
          r.report.error
            ? [r.server, `error: ${clean(r.report.error, 160)}`, "", "", "", "", ""]
            : [
              r.server,
              `${r.report.rounds_complete}/${r.report.rounds_run} (${
                r.report.rounds_server_timed ?? "–"
              })`,
              pp(r, "emit_to_written"),
              pp(r, "emit_to_queued"),
              pp(r, "emit_to_last_received"),
              pp(r, "first_to_last"),
              `${pp(r, "trigger_to_last")} (${fmt(field(r.report, "trigger_to_last.max_ms"), 2)})`,
            ]
        ),
      ),
      "",
    );
  }

  const idle = runs.filter((r) => r.scenario === "idle");
  if (idle.length) {
    out.push(
      "## Memory with open connections",
      "",
      `${plan.idleN} WSS connections held (authenticated for the service; the bare servers have no ` +
        "authentication), each answered one ping, then 2 s of quiet.",
      "",
    );
    out.push(
      table(
        [
          "server",
          "RSS before MB",
          `RSS with ${plan.idleN} MB`,
          "served",
          "still open",
          "connect s",
        ],
        idle.map((r) =>
          r.report.error ? [r.server, `error: ${clean(r.report.error, 160)}`, "", "", "", ""] : [
            r.server,
            fmt(field(r.report, "server_rss_before_mb")),
            fmt(field(r.report, "server_rss_mb")),
            fmt(field(r.report, "served"), 0),
            fmt(field(r.report, "still_open"), 0),
            fmt(field(r.report, "connect_s"), 2),
          ]
        ),
      ),
      "",
    );
  }

  const st = runs.filter((r) => r.scenario === "startup");
  if (st.length) {
    out.push(
      "## Start-up",
      "",
      `Spawn → port accepts TCP (polled every 5 ms), → first WSS connection accepted (TLS + ` +
        `upgrade), → first ping answered; medians of ${plan.startupRounds} rounds. RSS read 1 s ` +
        "after the first answer. A service's round 1 starts on an empty data dir (it generates " +
        "its TLS certificate and JWT secret); later rounds are restarts.",
      "",
    );
    out.push(
      table(
        [
          "server",
          "to TCP p50 ms",
          "to WSS accept p50 ms",
          "WSS accept per round ms",
          "to pong p50 / max ms",
          "idle RSS MB: median (per round)",
          "rounds ok",
        ],
        st.map((r) =>
          r.report.error
            ? [r.server, `error: ${clean(r.report.error, 160)}`, "", "", "", "", ""]
            : [
              r.server,
              fmt(field(r.report, "to_tcp_accept.p50_ms"), 0),
              fmt(field(r.report, "to_first_accept.p50_ms"), 0),
              ((r.report.accept_ms_by_round as (number | null)[]) ?? []).map((x) => x ?? "–")
                .join(", "),
              `${fmt(field(r.report, "to_first_pong.p50_ms"), 0)} / ${
                fmt(field(r.report, "to_first_pong.max_ms"), 0)
              }`,
              `${fmt(field(r.report, "idle_rss_after_1s_mb"))}` +
              (Array.isArray(r.report.idle_rss_mb_by_round)
                ? ` (${
                  (r.report.idle_rss_mb_by_round as (number | null)[]).map((x) => x ?? "–")
                    .join(", ")
                })`
                : ""),
              `${r.report.rounds_ok}/${r.report.rounds_run}` +
              ((r.report.failures as string[])?.length
                ? ` (${clean((r.report.failures as string[])[0], 120)})`
                : ""),
            ]
        ),
      ),
      "",
    );
  }

  if (ctx.profiles?.length) {
    out.push(
      "## Where the service's time goes (CPU profiles)",
      "",
      "The service under `deno run --inspect`, sampled every 200 µs by V8's profiler during one " +
        "extra load pass per scenario (bench/profile.ts runs the same by hand). `(idle)` is time " +
        "the main thread waited; `(runtime / native)` is native code such as TLS encryption and " +
        "socket writes (`writev`).",
      "",
      ...ctx.profiles.map(renderProfile),
    );
  }
  if (ctx.notes.length) {
    out.push(
      "## Notes from this run",
      "",
      ...ctx.notes.map((n) => `- ${n}`),
      "",
    );
  }
  return out.join("\n");
}
