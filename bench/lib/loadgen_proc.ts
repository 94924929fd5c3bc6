/**
 * Runs the load generator in its own process. By default under Node from an esbuild bundle
 * (bench/loadgen.ts is runtime-neutral): Node's `ws` client spends less CPU per message than
 * the same code under Deno, and at C >= 10 the client is the bottleneck. `deno` runs the .ts
 * directly (also the fallback when bundling fails).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const ROOT = new URL("../../", import.meta.url).pathname;
const BUNDLE = join(ROOT, "node_modules/.cache/bench/loadgen.mjs");

/** How to launch the load generator. */
export interface LoadgenRuntime {
  name: "node" | "deno";
  argv: string[];
}

/**
 * Picks the client runtime: "node" bundles bench/loadgen.ts (into node_modules/.cache, so its
 * bare `ws` import resolves), "deno" runs it as is. Falls back to deno if the bundle fails.
 */
export function loadgenRuntime(want: "node" | "deno", denoPath: string): LoadgenRuntime {
  const deno: LoadgenRuntime = {
    name: "deno",
    argv: [denoPath, "run", "-A", join(ROOT, "bench/loadgen.ts")],
  };
  if (want === "deno") return deno;
  try {
    mkdirSync(join(ROOT, "node_modules/.cache/bench"), { recursive: true });
    execFileSync(join(ROOT, "node_modules/.bin/esbuild"), [
      join(ROOT, "bench/loadgen.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      "--packages=external",
      `--outfile=${BUNDLE}`,
      "--log-level=error",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    return { name: "node", argv: ["node", BUNDLE] };
  } catch (e) {
    console.error(`loadgen: bundling for node failed (${String(e)}); using deno`);
    return deno;
  }
}

/** Runs one load generator process with `args`; resolves with its parsed JSON report. */
export function runLoadgen(
  rt: LoadgenRuntime,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const [cmd, ...pre] = rt.argv;
  return new Promise((resolve) => {
    const child = spawn(cmd, [...pre, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => out += d.toString());
    child.stderr.on("data", (d) => err = (err + d.toString()).slice(-2000));
    child.once("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ error: `load generator exited ${code} without a report: ${err || out}` });
      }
    });
  });
}
