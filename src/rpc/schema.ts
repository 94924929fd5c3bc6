/**
 * Params schemas: a small builder whose validators return typed values or throw -32602
 * with `data: {param, rule, hint}`. Each method declares its schema beside its handler.
 */
import { invalidParams } from "./errors.ts";

/** A validator: returns the checked (and defaulted) value, or throws RpcError -32602. */
export interface Schema<T> {
  readonly kind: string;
  readonly optional: boolean;
  parse(value: unknown, path: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(kind: string, parse: (v: unknown, path: string) => T): Schema<T> {
  return { kind, optional: false, parse };
}

const typeName = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v;

export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternHint?: string;
  enum?: readonly string[];
}

export function string(rules: StringRules = {}): Schema<string> {
  return schema("string", (v, p) => {
    if (typeof v !== "string") {
      throw invalidParams(p, "type", `${p} must be a string, got ${typeName(v)}`);
    }
    if (rules.min !== undefined && v.length < rules.min) {
      throw invalidParams(p, "minLength", `${p} must have at least ${rules.min} characters`);
    }
    if (rules.max !== undefined && v.length > rules.max) {
      throw invalidParams(p, "maxLength", `${p} must have at most ${rules.max} characters`);
    }
    if (rules.enum && !rules.enum.includes(v)) {
      throw invalidParams(p, "enum", `${p} must be one of: ${rules.enum.join(", ")}`);
    }
    if (rules.pattern && !rules.pattern.test(v)) {
      throw invalidParams(
        p,
        "pattern",
        rules.patternHint ?? `${p} must match ${rules.pattern.source}`,
      );
    }
    return v;
  });
}

export function enumOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return string({ enum: values }) as Schema<T[number]>;
}

export interface NumberRules {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function number(rules: NumberRules = {}): Schema<number> {
  return schema(rules.integer ? "integer" : "number", (v, p) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw invalidParams(p, "type", `${p} must be a finite number, got ${typeName(v)}`);
    }
    if (rules.integer && !Number.isInteger(v)) {
      throw invalidParams(p, "integer", `${p} must be a whole number`);
    }
    if (rules.min !== undefined && v < rules.min) {
      throw invalidParams(p, "minimum", `${p} must be >= ${rules.min}`);
    }
    if (rules.max !== undefined && v > rules.max) {
      throw invalidParams(p, "maximum", `${p} must be <= ${rules.max}`);
    }
    return v;
  });
}

export const integer = (rules: Omit<NumberRules, "integer"> = {}): Schema<number> =>
  number({ ...rules, integer: true });

export function boolean(): Schema<boolean> {
  return schema("boolean", (v, p) => {
    if (typeof v !== "boolean") {
      throw invalidParams(p, "type", `${p} must be true or false, got ${typeName(v)}`);
    }
    return v;
  });
}

export function array<T>(item: Schema<T>, rules: { max?: number } = {}): Schema<T[]> {
  return schema("array", (v, p) => {
    if (!Array.isArray(v)) {
      throw invalidParams(p, "type", `${p} must be an array, got ${typeName(v)}`);
    }
    if (rules.max !== undefined && v.length > rules.max) {
      throw invalidParams(p, "maxItems", `${p} must have at most ${rules.max} items`);
    }
    return v.map((x, i) => item.parse(x, `${p}[${i}]`));
  });
}

/** A flat map of string keys to primitive values (used for event filters). */
export function record<T>(
  value: Schema<T>,
  rules: { max?: number } = {},
): Schema<Record<string, T>> {
  return schema("record", (v, p) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw invalidParams(p, "type", `${p} must be an object, got ${typeName(v)}`);
    }
    const keys = Object.keys(v);
    if (rules.max !== undefined && keys.length > rules.max) {
      throw invalidParams(p, "maxProperties", `${p} must have at most ${rules.max} keys`);
    }
    const out: Record<string, T> = Object.create(null);
    for (const k of keys) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") {
        throw invalidParams(`${p}.${k}`, "reserved", `${k} is not allowed as a key`);
      }
      out[k] = value.parse((v as Record<string, unknown>)[k], `${p}.${k}`);
    }
    return out;
  });
}

/** Marks a property optional; with `fallback`, absent becomes the fallback. */
export function optional<T>(inner: Schema<T>): Schema<T | undefined>;
export function optional<T>(inner: Schema<T>, fallback: T): Schema<T>;
export function optional<T>(inner: Schema<T>, fallback?: T): Schema<T | undefined> {
  return {
    kind: inner.kind,
    optional: true,
    parse: (v, p) => (v === undefined ? fallback : inner.parse(v, p)),
  };
}

/** One of several schemas (first that accepts wins); the hint lists the alternatives. */
export function union<T>(hint: string, ...options: Schema<T>[]): Schema<T> {
  return schema("union", (v, p) => {
    for (const o of options) {
      try {
        return o.parse(v, p);
      } catch { /* try the next */ }
    }
    throw invalidParams(p, "type", `${p} ${hint}`);
  });
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape> =
  & { [K in keyof S as S[K]["optional"] extends true ? never : K]: Infer<S[K]> }
  & { [K in keyof S as S[K]["optional"] extends true ? K : never]?: Infer<S[K]> };

/**
 * An object with known properties. Unknown properties are refused (-32602, rule
 * "additionalProperties") except `auth_token`, which any request may carry.
 */
export function object<S extends Shape>(
  shape: S,
  opts: { allowUnknown?: boolean } = {},
): Schema<ObjectOf<S>> {
  return schema("object", (v, p) => {
    const value = v === undefined ? {} : v;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw invalidParams(
        p || "params",
        "type",
        `${p || "params"} must be an object (named parameters)`,
      );
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      if (key === "auth_token" && !p) continue;
      if (!(key in shape) || !Object.hasOwn(shape, key)) {
        if (opts.allowUnknown) continue;
        const known = Object.keys(shape);
        throw invalidParams(
          p ? `${p}.${key}` : key,
          "additionalProperties",
          known.length
            ? `unknown parameter; known parameters: ${known.join(", ")}`
            : "this method takes no parameters",
        );
      }
    }
    for (const [key, s] of Object.entries(shape)) {
      const path = p ? `${p}.${key}` : key;
      const raw = Object.hasOwn(input, key) ? input[key] : undefined;
      if (raw === undefined && !s.optional) {
        throw invalidParams(path, "required", `${path} is required`);
      }
      const parsed = s.parse(raw, path);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as ObjectOf<S>;
  });
}

/** Common shapes. */
export const DEVICE_ID = /^camera[0-9]+$/;

/** A camera id `camera<N>`, or `/dev/video<N>` mapped to it (API.md). */
export function deviceId(): Schema<string> {
  return schema("string", (v, p) => {
    if (typeof v !== "string") throw invalidParams(p, "type", `${p} must be a string like camera0`);
    const dev = /^\/dev\/video([0-9]{1,4})$/.exec(v);
    if (dev) return `camera${Number(dev[1])}`;
    if (!DEVICE_ID.test(v) || v.length > 16) {
      throw invalidParams(p, "pattern", `${p} must be camera<N> (e.g. camera0) or /dev/video<N>`);
    }
    return v;
  });
}

/** A plain file name chosen by a client (API.md): no separators, no "..", no control chars, <= 255 bytes. */
export function fileName(): Schema<string> {
  return schema("string", (v, p) => {
    if (typeof v !== "string") throw invalidParams(p, "type", `${p} must be a string`);
    const problem = fileNameProblem(v);
    if (problem) throw invalidParams(p, "filename", `${p} ${problem}`);
    return v;
  });
}

/** Why `name` is not an acceptable plain file name, or null when it is. */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return "must not be empty";
  if (new TextEncoder().encode(name).length > 255) return "must be at most 255 bytes";
  if (name.includes("/") || name.includes("\\")) return "must be a plain file name without / or \\";
  if (name === "." || name === ".." || name.includes("..")) return "must not contain ..";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return "must not contain control characters";
  if (name.startsWith(".")) return "must not start with a dot";
  return null;
}

/** Accepts null as well as what `inner` accepts. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema(inner.kind, (v, p) => (v === null ? null : inner.parse(v, p)));
}
