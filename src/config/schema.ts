/**
 * Loose input → strict `Config`: the one place where defaults are applied and every value is
 * checked. The shape (which keys exist) is `defaultConfig()`; the per-key constraints are in
 * `rules.ts`; relations between keys are in `cross.ts`.
 */
import { checkValue, typeName } from "./check.ts";
import { crossCheck } from "./cross.ts";
import { defaultConfig } from "./defaults.ts";
import type { ConfigProblem } from "./errors.ts";
import { isSecret, ruleFor } from "./rules.ts";
import { validateSources } from "./sources.ts";
import { closest } from "./suggest.ts";
import type { Config } from "./types.ts";

/** The loose input: any subset of the configuration (what a YAML file or caller provides). */
export type ConfigInput = DeepPartial<Config>;

/** Every key optional, recursively (arrays are replaced whole, not merged). */
export type DeepPartial<T> = T extends unknown[] ? T
  : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> }
  : T;

/** Options of `validateConfig`. */
export interface ValidateOptions {
  /** Where the value at a key path came from ("file.yaml line 3", "env X"), for messages. */
  originOf?: (path: string) => string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Validate a loose configuration object, filling every missing key from the defaults.
 * `null` values mean "use the default". Returns the config (invalid values replaced by their
 * defaults, so callers can still inspect it) and ALL problems found; the config is only
 * trustworthy when `problems` is empty.
 */
export function validateConfig(
  input: unknown,
  opts: ValidateOptions = {},
): { config: Config; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const defaults = defaultConfig() as unknown as Obj;
  const allPaths = leafPaths(defaults, "");
  let config: Config;
  if (input !== undefined && input !== null && !isObj(input)) {
    problems.push({
      path: "",
      message: `the configuration must be a mapping of sections, got ${typeName(input)}`,
    });
    config = defaultConfig();
  } else {
    config = walk(input ?? {}, defaults, "", problems, allPaths) as unknown as Config;
    const rawSources = config.camera.sources as unknown[];
    config.camera.sources = validateSources(rawSources, config.camera.device_range, problems);
    crossCheck(config, problems);
  }
  if (opts.originOf) {
    for (const p of problems) p.origin ??= opts.originOf(p.path);
  }
  return { config, problems };
}

function walk(
  input: Obj,
  defaults: Obj,
  prefix: string,
  problems: ConfigProblem[],
  allPaths: string[],
): Obj {
  const out: Obj = {};
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(defaults, key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    problems.push({
      path,
      message: `${path}: unknown key${hint(key, prefix, defaults, allPaths)}`,
    });
  }
  for (const [key, def] of Object.entries(defaults)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const value = input[key];
    if (isObj(def)) {
      if (value === undefined || value === null) {
        out[key] = walk({}, def, path, problems, allPaths);
      } else if (!isObj(value)) {
        problems.push({
          path,
          message: `${path}: expected a section (mapping of keys), got ${typeName(value)}`,
        });
        out[key] = walk({}, def, path, problems, allPaths);
      } else {
        out[key] = walk(value, def, path, problems, allPaths);
      }
      continue;
    }
    if (value === undefined || value === null) {
      out[key] = structuredClone(def);
      continue;
    }
    const rule = ruleFor(path, def);
    if (!rule) {
      out[key] = value;
      continue;
    }
    const checked = checkValue(rule, value, isSecret(path));
    if (checked.ok) out[key] = checked.value;
    else {
      problems.push({ path, message: `${path}: ${checked.why}` });
      out[key] = structuredClone(def);
    }
  }
  return out;
}

/** " (did you mean X?)" for an unknown key: a sibling typo first, else the same key elsewhere. */
function hint(key: string, prefix: string, siblings: Obj, allPaths: string[]): string {
  const sibling = closest(key, Object.keys(siblings));
  if (sibling) return ` (did you mean ${prefix ? `${prefix}.` : ""}${sibling}?)`;
  const elsewhere = allPaths.filter((p) => p.split(".").pop() === key);
  if (elsewhere.length > 0) return ` (did you mean ${elsewhere.slice(0, 3).join(" or ")}?)`;
  const near = closest(key, allPaths.map((p) => p.split(".").pop()!));
  if (near) {
    const full = allPaths.filter((p) => p.split(".").pop() === near);
    return ` (did you mean ${full.slice(0, 3).join(" or ")}?)`;
  }
  const sections = Object.keys(siblings);
  return prefix
    ? ` (keys of ${prefix}: ${sections.join(", ")})`
    : ` (top-level keys: ${sections.join(", ")})`;
}

/** Every key path (sections included) of a defaults tree. */
export function leafPaths(node: Obj, prefix: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path);
    if (isObj(value)) out.push(...leafPaths(value, path));
  }
  return out;
}
