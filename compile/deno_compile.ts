/**
 * `deno compile` step. It needs the `denort` runtime, which deno downloads from dl.deno.land;
 * with `DENORT_BIN` set to a local denort binary it works offline.
 */

/** The message printed when no denort is available (DESIGN.md: say clearly when it is not). */
export const DENO_SKIPPED =
  "deno compile skipped: it needs the denort runtime, which it downloads and this network " +
  "cannot reach; set DENORT_BIN=/path/to/denort to build it";

/** Options of {@link denoCompile}. */
export interface DenoCompileOptions {
  entry: string;
  output: string;
  /** The deno binary (default: `deno` on PATH). */
  deno?: string;
  env: Record<string, string | undefined>;
  /** Kill the attempt after this many milliseconds (the download can hang on a closed network). */
  timeoutMs: number;
}

/** Outcome of {@link denoCompile}: built, or the real reason it was not. */
export type DenoCompileResult =
  | { built: true; bytes: number }
  | { built: false; reason: string };

/** Runs `deno compile --allow-all --output <output> <entry>`; never throws for a failed build. */
export async function denoCompile(opts: DenoCompileOptions): Promise<DenoCompileResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  env.NO_COLOR = "1";
  const child = new Deno.Command(opts.deno ?? "deno", {
    args: ["compile", "--allow-all", "--output", opts.output, opts.entry],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
  try {
    const out = await child.output();
    if (out.success) return { built: true, bytes: (await Deno.stat(opts.output)).size };
    const all = new TextDecoder().decode(out.stderr).trim() ||
      new TextDecoder().decode(out.stdout).trim();
    // deno prints progress lines first; the reason starts at "error:" and ends before the backtrace.
    const from = all.indexOf("error:");
    const text = (from >= 0 ? all.slice(from) : all).split("\nStack backtrace:")[0].trim();
    const reason = out.signal === "SIGKILL"
      ? `timed out after ${opts.timeoutMs / 1000} s (${text.split("\n").pop() ?? ""})`
      : text;
    return { built: false, reason };
  } finally {
    clearTimeout(timer);
  }
}
