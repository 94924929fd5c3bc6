/** Checks one value against its rule, producing the value or a precise problem message. */
import { isIP } from "node:net";
import { showValue } from "./errors.ts";
import { maskUrl } from "./mask.ts";
import type { Rule } from "./rules.ts";

/** The result of checking a value: the accepted value, or why it was refused. */
export type Checked = { ok: true; value: unknown } | { ok: false; why: string };

const ok = (value: unknown): Checked => ({ ok: true, value });
const bad = (why: string): Checked => ({ ok: false, why });

/** Human description of the value's type, for "expected X, got Y" messages. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

/**
 * Check `value` (already typed: YAML or parsed env) against `rule`.
 * The message does not include the key path; the caller prefixes it.
 */
export function checkValue(rule: Rule, value: unknown, secret = false): Checked {
  const shown = showValue(value, secret);
  switch (rule.kind) {
    case "bool":
      return typeof value === "boolean" ? ok(value) : bad(`${shown} is not a boolean (true/false)`);
    case "port": {
      const min = rule.min ?? 0;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 65535) {
        const zero = min === 0 ? "; 0 = pick a free port" : "";
        return bad(`${shown} is not a valid port (${min}-65535${zero})`);
      }
      return ok(value);
    }
    case "int":
    case "number": {
      const integer = rule.kind === "int";
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return bad(`${shown} is not ${integer ? "an integer" : "a number"}`);
      }
      if (integer && !Number.isInteger(value)) return bad(`${shown} is not an integer`);
      const min = rule.kind === "number" && rule.positive ? undefined : rule.min;
      if (rule.kind === "number" && rule.positive && value <= 0) {
        return bad(`${shown} must be greater than 0`);
      }
      if (min !== undefined && value < min) return bad(`${shown} must be at least ${min}`);
      if (rule.max !== undefined && value > rule.max) {
        return bad(`${shown} must be at most ${rule.max}`);
      }
      return ok(value);
    }
    case "string": {
      if (typeof value !== "string") {
        return bad(`${shown} is not a string (got ${typeName(value)})`);
      }
      if (rule.nonEmpty && value.trim() === "") return bad(`must not be empty`);
      const bytes = new TextEncoder().encode(value).length;
      if (rule.minLength && value !== "" && bytes < rule.minLength) {
        return bad(
          `${shown} is too short: ${bytes} bytes, at least ${rule.minLength} needed` +
            ` (generate one with: openssl rand -base64 48; or leave it empty to have one generated)`,
        );
      }
      if (rule.pattern && !rule.pattern.test(value)) {
        return bad(`${shown} is not ${rule.patternText ?? `matching ${rule.pattern}`}`);
      }
      return ok(value);
    }
    case "enum":
      return typeof value === "string" && rule.values.includes(value)
        ? ok(value)
        : bad(`${shown} is not one of ${rule.values.join(", ")}`);
    case "list":
      return checkList(rule.item, value);
    case "range":
      return checkRange(value);
    case "sources":
      // Validated item by item in sources.ts.
      return Array.isArray(value) ? ok(value) : bad(`expected a list, got ${typeName(value)}`);
  }
}

function checkList(item: "string" | "ip_or_cidr" | "rtsp_url", value: unknown): Checked {
  if (!Array.isArray(value)) return bad(`expected a list, got ${typeName(value)}`);
  for (const [i, v] of value.entries()) {
    if (typeof v !== "string") return bad(`item ${i}: ${showValue(v)} is not a string`);
    if (item === "ip_or_cidr" && !isIpOrCidr(v)) {
      return bad(`item ${i}: ${showValue(v)} is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
    }
    if (item === "rtsp_url") {
      const why = rtspUrlProblem(v);
      if (why) return bad(`item ${i}: ${why}`);
    }
  }
  return ok([...value]);
}

function checkRange(value: unknown): Checked {
  if (
    !Array.isArray(value) || value.length !== 2 ||
    !value.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0)
  ) {
    return bad(`${showValue(value)} is not a range [MIN, MAX] of two non-negative integers`);
  }
  return ok([value[0], value[1]]);
}

/** True for "10.1.2.3", "::1", "10.0.0.0/8", "fd00::/8". */
export function isIpOrCidr(s: string): boolean {
  const [addr, prefix, ...more] = s.split("/");
  const family = isIP(addr);
  if (family === 0 || more.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Why `s` is not an rtsp:// or rtsps:// URL with a host, or undefined when it is one. */
export function rtspUrlProblem(s: string): string | undefined {
  const shown = showValue(maskUrl(s));
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return `${shown} is not a URL (expected rtsp://HOST[:PORT]/PATH or rtsps://...)`;
  }
  if (url.protocol !== "rtsp:" && url.protocol !== "rtsps:") {
    return `${shown} is not an rtsp:// or rtsps:// URL`;
  }
  if (!url.hostname) return `${shown} has no host`;
  return undefined;
}
