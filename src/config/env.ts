/**
 * Environment overrides.
 *
 * Uniform rule: every scalar key (and list of strings) has `CAMERA_SERVICE_<PATH>`, the dotted
 * path upper-cased with "." → "_", where `security.ssl.*` is shortened to `SSL_*`:
 * `mediamtx.api_port` → CAMERA_SERVICE_MEDIAMTX_API_PORT, `security.ssl.cert_file` →
 * CAMERA_SERVICE_SSL_CERT_FILE (CAMERA_SERVICE_SECURITY_SSL_CERT_FILE works too),
 * `data_dir` → CAMERA_SERVICE_DATA_DIR. Short aliases: CAMERA_SERVICE_JWT_SECRET,
 * CAMERA_SERVICE_LOG_LEVEL, CAMERA_SERVICE_LOG_FORMAT. The seed's SSL_ENABLED, SSL_CERT_FILE
 * and SSL_KEY_FILE apply as a group only when SSL_ENABLED is set (see `sslGroup`).
 */
import { resolve } from "node:path";
import type { ConfigProblem } from "./errors.ts";
import { showValue } from "./errors.ts";
import { defaultConfig } from "./defaults.ts";
import { isSecret, type Rule, ruleFor } from "./rules.ts";
import { closest } from "./suggest.ts";
import { sslGroup } from "./env_ssl.ts";

/** Prefix of the service's own environment variables. */
export const ENV_PREFIX = "CAMERA_SERVICE_";
/** CAMERA_SERVICE_* variables that are not config keys (never reported as unknown). */
export const NON_KEY_ENV = new Set(["CAMERA_SERVICE_CONFIG", "CAMERA_SERVICE_TOKEN"]);

const ALIASES: Record<string, string> = {
  CAMERA_SERVICE_JWT_SECRET: "security.jwt_secret_key",
  CAMERA_SERVICE_LOG_LEVEL: "logging.level",
  CAMERA_SERVICE_LOG_FORMAT: "logging.format",
};

/** The variable name of a key path under the uniform rule. */
export function envVarName(path: string): string {
  return ENV_PREFIX + path.replace(/^security\.ssl\./, "ssl.").replaceAll(".", "_").toUpperCase();
}

/** Every accepted CAMERA_SERVICE_* name → its key path (uniform names, long SSL forms, aliases). */
export function envVarTable(): Map<string, string> {
  const table = new Map<string, string>();
  const visit = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        visit(value as Record<string, unknown>, path);
      } else if (ruleFor(path, value)?.kind !== "sources") {
        table.set(envVarName(path), path);
        if (path.startsWith("security.ssl.")) {
          table.set(ENV_PREFIX + path.replaceAll(".", "_").toUpperCase(), path);
        }
      }
    }
  };
  visit(defaultConfig() as unknown as Record<string, unknown>, "");
  for (const [name, path] of Object.entries(ALIASES)) table.set(name, path);
  return table;
}

/** One override taken from the environment. */
export interface EnvOverride {
  path: string;
  value: unknown;
  /** The variable it came from. */
  name: string;
}

/** What the environment contributes: typed overrides, problems, and info notes. */
export interface EnvResult {
  overrides: EnvOverride[];
  problems: ConfigProblem[];
  notes: string[];
}

/**
 * Read the overrides from `env`. Values are parsed by the target key's type (booleans
 * true/false/1/0/yes/no/on/off, numbers, comma-separated lists, ranges "MIN,MAX"); relative
 * paths resolve against `cwd`. Range and enum checks happen later, in `validateConfig`.
 */
export function readEnv(env: Record<string, string | undefined>, cwd: string): EnvResult {
  const table = envVarTable();
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  const result: EnvResult = { overrides: [], problems: [], notes: [] };
  const byPath = new Map<string, EnvOverride>();
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX)).sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || NON_KEY_ENV.has(name)) continue;
    const path = table.get(name);
    if (!path) {
      const hint = closest(name, table.keys());
      result.problems.push({
        path: "",
        message: `${name}: unknown environment variable${hint ? ` (did you mean ${hint}?)` : ""}` +
          ` — CAMERA_SERVICE_* names map to config keys, e.g. CAMERA_SERVICE_SERVER_PORT`,
      });
      continue;
    }
    const previous = byPath.get(path);
    if (previous && previous.name !== name) {
      result.problems.push({
        path,
        message: `${name} and ${previous.name} both set ${path}: keep only one`,
      });
      continue;
    }
    const parsed = parseEnvValue({ path, name, raw, cwd, defaults });
    if (parsed === undefined) continue;
    if ("why" in parsed) result.problems.push({ path, message: parsed.why });
    else if ("skip" in parsed) result.notes.push(parsed.skip);
    else {
      const o = { path, value: parsed.value, name };
      byPath.set(path, o);
      result.overrides.push(o);
    }
  }
  sslGroup(env, { cwd, byPath, result });
  return result;
}

/** Parse one variable's text by the rule of its target key. */
export function parseEnvValue(opts: {
  path: string;
  name: string;
  raw: string;
  cwd: string;
  defaults: Record<string, unknown>;
}): { value: unknown } | { why: string } | { skip: string } | undefined {
  const { path, name, raw, cwd } = opts;
  const def = path.split(".").reduce<unknown>(
    (node, k) => (node as Record<string, unknown>)?.[k],
    opts.defaults,
  );
  const rule = ruleFor(path, def) as Rule;
  const text = raw.trim();
  const shown = showValue(raw, isSecret(path));
  const fail = (what: string) => ({ why: `${name}=${shown}: ${path} expects ${what}` });
  switch (rule.kind) {
    case "bool": {
      if (text === "") return { skip: `${name} is empty: ignored (${path} keeps its value)` };
      const v = text.toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return { value: true };
      if (["false", "0", "no", "off"].includes(v)) return { value: false };
      return fail("a boolean (true/false, 1/0, yes/no, on/off)");
    }
    case "port":
    case "int":
    case "number": {
      if (text === "") return { skip: `${name} is empty: ignored (${path} keeps its value)` };
      if (!/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) {
        return fail(rule.kind === "number" ? "a number" : "an integer");
      }
      return { value: Number(text) };
    }
    case "list":
      return { value: text === "" ? [] : text.split(",").map((s) => s.trim()).filter((s) => s) };
    case "range": {
      const parts = text.replace(/^\[|\]$/g, "").split(/[,-]/).map((s) => s.trim());
      if (parts.length !== 2 || !parts.every((p) => /^[0-9]+$/.test(p))) {
        return fail('a range "MIN,MAX" such as "0,9"');
      }
      return { value: parts.map(Number) };
    }
    case "string":
      return { value: rule.path && raw !== "" ? resolve(cwd, raw) : raw };
    case "enum":
      return { value: text };
    default:
      return { value: raw };
  }
}
