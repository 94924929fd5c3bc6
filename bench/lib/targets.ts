/**
 * The issue-6 targets, each checked against one run's figures: measured value, the same-stack
 * bare figure where it helps, and pass/miss with the margin.
 */
import type { ReportContext } from "./report.ts";
import type { ServerSpec } from "./servers.ts";
import { clean, field, fmt, med, pingAt100, ratio, table } from "./stats.ts";

/** One checked target. */
interface Verdict {
  target: string;
  server: string;
  measured: string;
  goal: string;
  result: string;
}

/** "pass (margin)" / "miss by x (y %)" for a value that must be at least / at most `goal`. */
export function verdict(value: number | null, goal: number, atLeast: boolean, unit = ""): string {
  if (value === null) return "not measured";
  const ok = atLeast ? value >= goal : value <= goal;
  const diff = Math.abs(value - goal);
  const pct = goal ? Math.round((diff / goal) * 100) : 0;
  const d = `${diff < 10 ? diff.toFixed(2) : Math.round(diff)}${unit}`;
  return ok ? `pass (margin ${d}, ${pct} %)` : `**miss** by ${d} (${pct} %)`;
}

/** The targets table of a run (Markdown). */
export function targetsTable(ctx: ReportContext, services: ServerSpec[]): string {
  const { runs } = ctx;
  const v: Verdict[] = [];
  for (const s of services) {
    const ping = pingAt100(runs, s.name, s.baseline!);
    const ping100 = ping.at;
    const { rps: r, paired, cpu } = ping;
    v.push({
      target: "ping C=100 rps ≥ 0.7 × same-stack bare (ratio of medians)",
      server: s.name,
      measured: r === null
        ? "–"
        : `${r.toFixed(2)} (${fmt(ping100(s.name, "rps"))} vs ${fmt(ping100(s.baseline!, "rps"))})`,
      goal: "≥ 0.70",
      result: verdict(r, 0.7, true),
    });
    v.push({
      target: "the same, paired per interleaved repetition (median of the per-rep ratios)",
      server: s.name,
      measured: paired.median === null ? "–" : `${paired.median.toFixed(2)} (${ping.eachText}); ` +
        `server µs/msg ratio ${cpu === null ? "–" : cpu.toFixed(2)}`,
      goal: "≥ 0.70",
      result: verdict(paired.median, 0.7, true),
    });
    const gp99 = med(
      runs,
      { server: s.name, scenario: "get_camera_list", connections: 100 },
      "latency.p99_ms",
    );
    const pp99 = ping100(s.name, "latency.p99_ms");
    const g = ratio(gp99, pp99);
    v.push({
      target: "get_camera_list C=100 p99 ≤ 2 × ping p99",
      server: s.name,
      measured: g === null ? "–" : `${g.toFixed(2)} (${fmt(gp99, 2)} vs ${fmt(pp99, 2)} ms)`,
      goal: "≤ 2.00",
      result: verdict(g, 2, false),
    });
    const idle = runs.find((x) => x.server === s.name && x.scenario === "idle");
    const served = idle ? field(idle.report, "served") : null;
    const rss = idle ? field(idle.report, "server_rss_mb") : null;
    v.push({
      target: `${ctx.plan.idleN} authenticated connections: all served, RSS < 160 MB`,
      server: s.name,
      measured: idle?.report.error
        ? `error: ${clean(idle.report.error, 100)}`
        : `${fmt(served, 0)} served, ${fmt(rss)} MB`,
      goal: `${ctx.plan.idleN} and < 160 MB`,
      result: served !== null && served < ctx.plan.idleN
        ? `**miss**: ${served} served`
        : verdict(rss, 160, false, " MB"),
    });
    const stRun = runs.find((x) => x.server === s.name && x.scenario === "startup");
    const stBare = runs.find((x) => x.server === s.baseline && x.scenario === "startup");
    const bare = (path: string) => stBare ? field(stBare.report, path) : null;
    const idleRss = stRun ? field(stRun.report, "idle_rss_after_1s_mb") : null;
    v.push({
      target: "idle RSS after start < 70 MB",
      server: s.name,
      measured: `${fmt(idleRss)} MB (same-stack bare ${fmt(bare("idle_rss_after_1s_mb"))} MB)`,
      goal: "< 70 MB",
      result: verdict(idleRss, 70, false, " MB"),
    });
    const accept = stRun ? field(stRun.report, "to_first_accept.p50_ms") : null;
    const stNoCam = runs.find((x) =>
      x.server === `${s.name}, 0 cameras` && x.scenario === "startup"
    );
    const noCam = stNoCam ? field(stNoCam.report, "to_first_accept.p50_ms") : null;
    v.push({
      target: "start-up to first accepted connection < 500 ms (median)",
      server: s.name,
      measured: `${fmt(accept, 0)} ms with 16 cameras, ${fmt(noCam, 0)} ms with none ` +
        `(same-stack bare ${fmt(bare("to_first_accept.p50_ms"), 0)} ms)`,
      goal: "< 500 ms",
      result: verdict(accept, 500, false, " ms"),
    });
    const fan = runs.find((x) => x.server === s.name && x.scenario === "fanout");
    const got = (name: string) => fan ? field(fan.report, name) : null;
    const fanBare = runs.find((x) => x.server === s.baseline && x.scenario === "fanout");
    const bareGot = (name: string) => fanBare ? field(fanBare.report, name) : null;
    // The target's quantity: from the service's emit until the last session has it.
    const received = got("emit_to_last_received.p99_ms");
    v.push({
      target: `fan-out to ${ctx.plan.fanoutN}: last delivered ≤ 50 ms (p99 over rounds), ` +
        "from the emit",
      server: s.name,
      measured: fan?.report.error
        ? `error: ${clean(fan.report.error, 100)}`
        : `emit→last received ${fmt(received, 1)} ms (emit→written ${
          fmt(got("emit_to_written.p99_ms"), 1)
        } ms; trigger→last, with discovery, ${fmt(got("trigger_to_last.p99_ms"), 1)} ms; ` +
          `same-stack bare broadcast: emit→last received ${
            fmt(bareGot("emit_to_last_received.p99_ms"), 1)
          } ms, emit→written ${fmt(bareGot("emit_to_written.p99_ms"), 1)} ms)`,
      goal: "≤ 50 ms",
      result: verdict(received, 50, false, " ms"),
    });
  }
  const snap = ctx.snapshot;
  v.push({
    target: "snapshot from a running stream p50 < 700 ms",
    server: "service (deno run, in-process), MediaMTX simulator + rtsp-server-perl",
    measured: !snap
      ? "not run (scenario snapshot not selected)"
      : snap.p50_ms === null
      ? `error: ${clean(snap.error ?? "no snapshot succeeded", 100)}`
      : `p50 ${snap.p50_ms} ms, p90 ${snap.p90_ms} ms, max ${snap.max_ms} ms (${snap.ok}/${snap.rounds} ok); ` +
        `bare ffmpeg on the same stream p50: the service's arguments ${
          snap.bare_p50_ms ?? "–"
        } ms, ` +
        `naive \`-i URL -frames:v 1\` ${snap.bare_naive_p50_ms ?? "–"} ms`,
    goal: "< 700 ms",
    result: snap?.p50_ms != null ? verdict(snap.p50_ms, 700, false, " ms") : "not measured",
  });
  return table(
    ["target", "server", "measured", "goal", "result"],
    v.map((x) => [x.target, x.server, x.measured, x.goal, x.result]),
  );
}
