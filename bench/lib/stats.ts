/** Aggregation of repeated bench runs: medians of each figure, and small formatting helpers. */

/** One load generator run, as recorded by bench/run.ts. */
export interface RunRecord {
  server: string;
  scenario: string;
  connections: number;
  rep: number;
  report: Record<string, unknown>;
}

/** The median of the finite numbers in `xs`, or null when there are none. */
export function median(xs: (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Reads a nested numeric field such as "latency.p99_ms" from a report. */
export function field(report: Record<string, unknown>, path: string): number | null {
  let node: unknown = report;
  for (const k of path.split(".")) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string, unknown>)[k];
  }
  return typeof node === "number" ? node : null;
}

/** Median of `path` over the successful runs of (server, scenario, connections). */
export function med(
  runs: RunRecord[],
  sel: { server: string; scenario: string; connections?: number },
  path: string,
): number | null {
  return median(
    runs.filter((r) =>
      r.server === sel.server && r.scenario === sel.scenario &&
      (sel.connections === undefined || r.connections === sel.connections) && !r.report.error
    ).map((r) => field(r.report, path)),
  );
}

/** Formats a number for a table: "–" when missing, k-suffix for large counts. */
export function fmt(n: number | null, digits = 1): string {
  if (n === null) return "–";
  if (Math.abs(n) >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** a / b, or null. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** One-line, escape-free excerpt of an error text for a Markdown table (at most `n` chars). */
export function clean(text: unknown, n = 160): string {
  const t = String(text).replace(new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"), "")
    .replace(/\s+/g, " ").replaceAll("|", "/")
    .trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/**
 * Per repetition, `path` of server a over server b at (scenario, connections), then the median:
 * runs adjacent in time share the machine's load, so paired ratios are steadier than a ratio
 * of medians on a noisy machine. Also returns the individual ratios.
 */
export function pairedRatio(
  runs: RunRecord[],
  sel: { a: string; b: string; scenario: string; connections: number },
  path: string,
): { median: number | null; each: number[] } {
  const pick = (server: string, rep: number) =>
    runs.find((r) =>
      r.server === server && r.scenario === sel.scenario && r.connections === sel.connections &&
      r.rep === rep && !r.report.error
    );
  const each: number[] = [];
  const reps = new Set(runs.filter((r) => r.server === sel.a).map((r) => r.rep));
  for (const rep of reps) {
    const a = pick(sel.a, rep);
    const b = pick(sel.b, rep);
    const q = a && b ? ratio(field(a.report, path), field(b.report, path)) : null;
    if (q !== null) each.push(q);
  }
  return { median: median(each), each };
}

/**
 * A server against its baseline for `ping` at C=100, the figures of the throughput target:
 * rps ratio of medians, the paired per-repetition rps ratios (`eachText`: "0.91, 0.93, ..."),
 * the ratio of server CPU per message, and `at` for any other median at that point.
 */
export function pingAt100(runs: RunRecord[], server: string, baseline: string) {
  const at = (name: string, path: string) =>
    med(runs, { server: name, scenario: "ping", connections: 100 }, path);
  const paired = pairedRatio(
    runs,
    { a: server, b: baseline, scenario: "ping", connections: 100 },
    "rps",
  );
  return {
    at,
    rps: ratio(at(server, "rps"), at(baseline, "rps")),
    paired,
    eachText: paired.each.map((x) => x.toFixed(2)).join(", "),
    cpu: ratio(at(server, "server.cpu_us_per_msg"), at(baseline, "server.cpu_us_per_msg")),
  };
}

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
