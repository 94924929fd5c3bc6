/**
 * Generators of hostile WebSocket frames for the hardening suite: deterministic (seeded), so a
 * failure names a reproducible case.
 */
import { METHOD_ROLES } from "../../src/auth/roles.ts";

/** A frame to send and what the server may answer. */
export interface HostileFrame {
  kind: string;
  /** Text frame content (string), or raw bytes (sent as a text or binary frame). */
  data: string | Uint8Array;
  binary?: boolean;
  /** Acceptable outcomes: reply error codes (null = a result), or a close code. */
  expect: { codes?: (number | null)[]; close?: number[]; silent?: boolean };
}

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WRONG_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -0,
  "",
  "x".repeat(300),
  "../../etc/passwd",
  "%2e%2e%2fetc%2fpasswd",
  "/dev/video0\u0000",
  "camera99999999999999999999",
  [],
  [1, 2],
  {},
  { __proto__: { admin: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
];

const ANY_ERROR = [
  -32700,
  -32600,
  -32601,
  -32602,
  -32001,
  -32002,
  -32010,
  -32020,
  -32030,
  -32040,
  -32050,
  null,
];

/** Builds `count` hostile frames from `seed`. Ids are unique numbers so replies can be matched. */
export function hostileFrames(seed: number, count: number): HostileFrame[] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const methods = Object.keys(METHOD_ROLES);
  const out: HostileFrame[] = [];
  let id = 1;
  const gens: (() => HostileFrame)[] = [
    () => ({ // random printable junk
      kind: "junk",
      data: Array.from(
        { length: 1 + Math.floor(r() * 200) },
        () => String.fromCharCode(32 + Math.floor(r() * 95)),
      ).join(""),
      expect: { codes: [-32700, -32600] },
    }),
    () => { // invalid UTF-8 in a text frame
      const bytes = new Uint8Array(8 + Math.floor(r() * 32)).map(() => Math.floor(r() * 256));
      bytes[0] = 0xc3;
      bytes[1] = 0x28; // an invalid 2-byte sequence
      return { kind: "bad-utf8", data: bytes, expect: { close: [1007] } };
    },
    () => ({
      kind: "binary",
      data: new Uint8Array([1, 2, 3, 4]),
      binary: true,
      expect: { close: [1003] },
    }),
    () => { // truncated request
      const full = JSON.stringify({ jsonrpc: "2.0", method: pick(methods), params: {}, id: id++ });
      return {
        kind: "truncated",
        data: full.slice(0, Math.max(1, Math.floor(r() * (full.length - 1)))),
        expect: { codes: [-32700] },
      };
    },
    () => { // deep nesting
      const depth = 1000 + Math.floor(r() * 5000);
      return {
        kind: "deep",
        data: "[".repeat(depth) + "]".repeat(depth),
        expect: { codes: [-32600, -32700] },
      };
    },
    () => ({ // huge number and huge string values in the envelope
      kind: "huge-values",
      data: `{"jsonrpc":"2.0","method":"${"m".repeat(2000)}","id":${id++},"params":{"x":1e999}}`,
      expect: { codes: [-32601] },
    }),
    () => { // wrong type for an envelope member
      const member = pick(["jsonrpc", "method", "params", "id"]);
      const req: Record<string, unknown> = { jsonrpc: "2.0", method: "ping", id: id++ };
      req[member] = pick(WRONG_VALUES);
      const text = JSON.stringify(req);
      return { kind: `envelope-${member}`, data: text, expect: { codes: ANY_ERROR, silent: true } };
    },
    () => { // wrong types for a method's params (authenticated by the session, as admin)
      const method = pick(methods.filter((m) => m !== "authenticate"));
      const key = pick([
        "device",
        "filename",
        "limit",
        "offset",
        "duration",
        "format",
        "topics",
        "filters",
        "stream_url",
        "policy_type",
        "max_age_days",
        "scan_interval",
        "quality",
        "__proto__",
        "constructor",
      ]);
      const params: Record<string, unknown> = {};
      params[key] = pick(WRONG_VALUES);
      return {
        kind: `params-${method}`,
        data: JSON.stringify({ jsonrpc: "2.0", method, params, id: id++ }),
        expect: { codes: ANY_ERROR },
      };
    },
    () => ({ // prototype pollution attempt at the top level
      kind: "proto-envelope",
      data:
        `{"jsonrpc":"2.0","method":"ping","id":${id++},"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}`,
      expect: { codes: [null] },
    }),
    () => { // batch of junk
      const n = 1 + Math.floor(r() * 5);
      const items = Array.from(
        { length: n },
        () => pick<unknown>([1, "x", null, {}, { jsonrpc: "2.0", method: "ping", id: id++ }]),
      );
      return { kind: "batch", data: JSON.stringify(items), expect: { codes: ANY_ERROR } };
    },
  ];
  for (let i = 0; i < count; i++) out.push(pick(gens)());
  return out;
}
