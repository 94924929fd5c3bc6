/**
 * Loading: find the file, parse the YAML, apply environment overrides, validate, resolve paths.
 *
 * Precedence (lowest first): built-in defaults < config file (or the embedded default) <
 * environment variables < `overrides` passed by the caller.
 * The file is `opts.file` (the --config flag), else env CAMERA_SERVICE_CONFIG, else the
 * embedded default (config/camera-service.yaml compiled in, see embedded.ts).
 * Loading never checks that certificate files exist: the TLS module does that at serve time.
 * The embedded default comes pre-parsed (embedded.ts): the YAML parser and the `yaml` package
 * are imported only when a file is read (they cost ~35–70 ms and ~9 MB RSS at start).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import process from "node:process";
import type { Logger } from "../observability/log.ts";
import { EMBEDDED_CONFIG_LINES, embeddedConfigValue } from "./embedded.ts";
import { readEnv } from "./env.ts";
import { ConfigError, type ConfigProblem } from "./errors.ts";
import { resolveConfigPaths } from "./paths.ts";
import { type ConfigInput, validateConfig } from "./schema.ts";
import type { Config } from "./types.ts";

/** The name `source` has when no file was used. */
export const EMBEDDED_SOURCE = "embedded default";

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /** Config file (the --config flag). Relative to `cwd`. */
  file?: string;
  /** The environment; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Notes are logged at info level here. */
  log?: Logger;
  /** Base for relative paths of the embedded default and env values; default `process.cwd()`. */
  cwd?: string;
  /** Applied last, over file and env (for embedding and tests). */
  overrides?: ConfigInput;
}

/** A loaded, validated configuration with where it came from. */
export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file, or "embedded default". */
  source: string;
  /** Info lines (e.g. why a lone SSL_CERT_FILE was ignored). */
  notes: string[];
}

/** Find, parse, override, validate and resolve the configuration. Throws `ConfigError`. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const notes: string[] = [];
  const fromEnv = !opts.file && env.CAMERA_SERVICE_CONFIG ? env.CAMERA_SERVICE_CONFIG : undefined;
  const file = opts.file || fromEnv;
  const source = file ? resolve(cwd, file) : EMBEDDED_SOURCE;
  let value: unknown;
  let originOf: (path: string) => string | undefined;
  if (file) {
    const via = fromEnv ? "CAMERA_SERVICE_CONFIG" : "--config";
    const text = await readConfigFile(source, via);
    if (fromEnv) notes.push(`config file ${source} chosen by CAMERA_SERVICE_CONFIG`);
    const { parseYaml } = await import("./yaml.ts");
    const doc = parseYaml(text, source);
    if (doc.problems.length > 0) throw new ConfigError(source, doc.problems, notes);
    value = doc.value;
    originOf = doc.originOf;
  } else {
    value = embeddedConfigValue();
    originOf = embeddedOrigin;
  }

  const envResult = readEnv(env, cwd);
  notes.push(...envResult.notes);
  const loose = (value ?? {}) as Record<string, unknown>;
  const envOrigin = new Map<string, string>();
  if (loose !== null && typeof loose === "object" && !Array.isArray(loose)) {
    for (const o of envResult.overrides) {
      if (setIn(loose, o.path.split("."), o.value)) envOrigin.set(o.path, `env ${o.name}`);
    }
    if (opts.overrides) deepMerge(loose, opts.overrides as Record<string, unknown>);
  }
  const { config, problems } = validateConfig(loose, {
    originOf: (path) => envOrigin.get(path) ?? originOf(path),
  });
  const all: ConfigProblem[] = [...envResult.problems, ...problems];
  if (all.length > 0) throw new ConfigError(source, all, notes);
  const baseDir = file ? dirname(source) : cwd;
  for (const note of notes) opts.log?.info(note, { component: "config" });
  return { config: resolveConfigPaths(config, baseDir), source, notes };
}

/**
 * Build a validated, resolved Config from an in-memory input (no file, no environment):
 * defaults + `input`. Relative paths resolve against `baseDir` (default cwd). Throws ConfigError.
 */
export function resolveConfig(input: ConfigInput = {}, baseDir = process.cwd()): Config {
  const { config, problems } = validateConfig(structuredClone(input));
  if (problems.length > 0) throw new ConfigError("inline config", problems);
  return resolveConfigPaths(config, baseDir);
}

/** "embedded default config line N" for a key path, as the YAML parser reports it for a file. */
function embeddedOrigin(path: string): string | undefined {
  const key = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "")
    .map((k) => /^\d+$/.test(k) ? `[${k}]` : `.${k}`).join("").replace(/^\./, "");
  if (!key || !Object.hasOwn(EMBEDDED_CONFIG_LINES, key)) return undefined;
  return `embedded default config line ${EMBEDDED_CONFIG_LINES[key]}`;
}

async function readConfigFile(path: string, via: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT"
      ? "not found"
      : code === "EACCES"
      ? "not readable (permission denied)"
      : code === "EISDIR"
      ? "is a directory, not a file"
      : (e as Error).message;
    throw new ConfigError(path, [{
      path: "",
      message: `config file ${path} (from ${via}): ${why}`,
    }]);
  }
}

/** Set a nested value; false (nothing set) when an intermediate value is not a mapping. */
function setIn(root: Record<string, unknown>, keys: string[], value: unknown): boolean {
  let node = root;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (next === undefined || next === null) node = node[k] = {};
    else if (typeof next === "object" && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else return false;
  }
  node[keys[keys.length - 1]] = value;
  return true;
}

function deepMerge(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    const t = target[k];
    const bothObjects = v && typeof v === "object" && !Array.isArray(v) &&
      t && typeof t === "object" && !Array.isArray(t);
    if (bothObjects) deepMerge(t as Record<string, unknown>, v as Record<string, unknown>);
    else if (v !== undefined) target[k] = structuredClone(v);
  }
}
