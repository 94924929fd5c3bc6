/**
 * Version and build information. The single executable's build defines
 * `__CAMERA_SERVICE_BUILD__` (compile/build.ts); under `deno run` it comes from package.json and git.
 */
import { execFileSync } from "node:child_process";
import { dirname, fromFileUrl } from "./util/path.ts";
import pkg from "../package.json" with { type: "json" };

declare const __CAMERA_SERVICE_BUILD__:
  | { version: string; commit: string; date: string; runtime: string }
  | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
  /** ISO date of the build; for `deno run`, the date of the commit. */
  date: string;
  /** "deno" or "node-sea" (the single executable) or "node". */
  runtime: string;
}

let cached: BuildInfo | null = null;

/** This build's version, commit, date and runtime. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  if (typeof __CAMERA_SERVICE_BUILD__ !== "undefined") return cached = __CAMERA_SERVICE_BUILD__;
  const runtime = "Deno" in globalThis ? "deno" : "node";
  let commit = "unknown";
  let date = "unknown";
  try {
    const cwd = dirname(fromFileUrl(import.meta.url));
    const out = execFileSync("git", ["log", "-1", "--format=%h %cI"], {
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2000,
    }).toString().trim();
    [commit, date] = out.split(" ");
  } catch { /* not a git checkout */ }
  return cached = { version: pkg.version, commit, date, runtime };
}
