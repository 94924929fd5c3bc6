/**
 * Running project code under Node the way the single executable does: a scenario script is
 * bundled by esbuild (ESM, platform node), run by `node`, and reports JSON on its last line.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** The checkout's root folder. */
export const ROOT = new URL("../..", import.meta.url).pathname;
/** The product sources, for scenarios that import them by absolute path. */
export const SRC = join(ROOT, "src");

/** Writes `source` to dir/name.ts, bundles it to dir/name.mjs and returns that path. */
export function bundleForNode(dir: string, name: string, source: string): string {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  return bundleFileForNode(entry, join(dir, `${name}.mjs`));
}

/** Bundles the module `entry` (ESM, platform node) into `outfile` and returns that path. */
export function bundleFileForNode(entry: string, outfile: string): string {
  execFileSync(join(ROOT, "node_modules/.bin/esbuild"), [
    entry,
    "--bundle",
    "--platform=node",
    "--format=esm",
    `--outfile=${outfile}`,
    "--log-level=error",
  ], { cwd: ROOT });
  return outfile;
}

/** The JSON value on the last line of a scenario's output (untyped, as JSON.parse). */
// deno-lint-ignore no-explicit-any
export function lastJsonLine(out: string): any {
  return JSON.parse(out.trim().split("\n").pop()!);
}
