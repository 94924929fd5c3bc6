/** Markdown for CPU profiles taken by bench/lib/profile_run.ts. */
import type { ProfiledRun } from "./profile_run.ts";
import { clean, field, fmt, table } from "./stats.ts";

/** Markdown for one profiled run: the load figures, then top areas and functions. */
export function renderProfile(run: ProfiledRun): string {
  const head = `### ${run.server}: \`${run.scenario}\` at C=${run.connections}, under the profiler`;
  if (!run.profile) return `${head}\n\nno profile: ${run.error ?? clean(run.report.error)}\n`;
  const r = run.report;
  const lat = r.latency as Record<string, number> | undefined;
  const srv = r.server as Record<string, number> | undefined;
  const pct = (x: { self_pct: number }) => `${x.self_pct.toFixed(1)} %`;
  return [
    head,
    "",
    `${fmt(field(r, "rps"))} rps, p99 ${fmt(lat?.p99_ms ?? null, 2)} ms, ` +
    `${fmt(srv?.cpu_us_per_msg ?? null)} µs/msg server CPU (sampling at 200 µs slows it); ` +
    `${run.profile.samples} samples. Self time by source area, then by function:`,
    "",
    table(["area", "self"], run.profile.areas.map((a) => [a.name, pct(a)])),
    "",
    table(
      ["function", "self"],
      run.profile.functions.map((f) => [`\`${clean(f.name, 110)}\``, pct(f)]),
    ),
    "",
  ].join("\n");
}
