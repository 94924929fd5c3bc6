/**
 * Path resolution, applied once after validation.
 *
 * - A relative path in a config file resolves against that file's folder; in the embedded
 *   default (no file) against the current working directory. Paths from environment
 *   variables were already resolved against the working directory by `env.ts`.
 * - Derived paths left empty are filled from `data_dir`:
 *   recording.directory → <data_dir>/recordings, snapshots.directory → <data_dir>/snapshots,
 *   security.api_keys_file → <data_dir>/api-keys.json.
 * - security.ssl.cert_file / key_file stay "" when unset: the TLS module then generates a
 *   self-signed certificate into data_dir. Command names (ffmpeg.path, camera.v4l2ctl_path)
 *   are not resolved: they are looked up on PATH.
 */
import { isAbsolute, join, resolve } from "node:path";
import { RULES } from "./rules.ts";
import type { Config } from "./types.ts";

/** Derived path keys and the name they get inside data_dir when left empty. */
export const DERIVED_PATHS: Record<string, string> = {
  "recording.directory": "recordings",
  "snapshots.directory": "snapshots",
  "security.api_keys_file": "api-keys.json",
};

/**
 * A copy of `config` with every path key absolute (relative ones resolved against `baseDir`)
 * and the derived paths filled in. Idempotent.
 */
export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const out = structuredClone(config);
  const root = out as unknown as Record<string, unknown>;
  for (const [path, rule] of Object.entries(RULES)) {
    if (rule.kind !== "string" || !rule.path) continue;
    const keys = path.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce<Record<string, unknown> | undefined>(
      (node, k) => node?.[k] as Record<string, unknown> | undefined,
      root,
    );
    const value = parent?.[last];
    if (parent && typeof value === "string" && value !== "" && !isAbsolute(value)) {
      parent[last] = resolve(baseDir, value);
    }
  }
  out.data_dir = resolve(baseDir, out.data_dir);
  for (const [path, name] of Object.entries(DERIVED_PATHS)) {
    const [section, key] = path.split(".");
    const parent = root[section] as Record<string, unknown>;
    if (parent[key] === "") parent[key] = join(out.data_dir, name);
  }
  return out;
}
