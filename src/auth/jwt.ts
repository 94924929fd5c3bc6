/**
 * JWT signing and verification (jose, HS256 only).
 *
 * Tokens carry `user_id` (or `sub`), `role`, `iat` and `exp`. Every other algorithm is refused,
 * and every failure becomes `RpcError` -32001 with a precise, non-secret `data.reason`.
 * All `now` arguments are milliseconds since the epoch (`Date.now()`); JWT claims are seconds.
 */
// jose's sub-path entries: the package root would also load its JWE, JWK and key-generation
// modules, which HS256 JWTs never use (about 0.6 MB of RSS under `deno run`).
import { decodeProtectedHeader } from "jose/decode/protected_header";
import { jwtVerify } from "jose/jwt/verify";
import { SignJWT } from "jose/jwt/sign";
import type { Identity } from "../api/types.ts";
import { authFailed } from "../rpc/errors.ts";
import { isRole, type Role } from "./roles.ts";

/** Largest accepted token, in characters (bytes: tokens are ASCII). */
export const MAX_TOKEN_BYTES = 8192;
/** Allowed clock difference for `nbf`/`iat` in the future, seconds (`exp` is strict). */
export const CLOCK_SKEW_SECONDS = 60;
/** Minimum secret length in bytes (HS256 key size). */
export const MIN_SECRET_BYTES = 32;

const encoder = new TextEncoder();
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether `token` has the shape of a compact JWS (three dot-separated base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** Returns a problem description when `secret` is unfit for HS256, else null. */
export function validateSecret(secret: string): string | null {
  if (secret.length === 0) return "JWT secret is empty";
  const bytes = encoder.encode(secret).length;
  if (bytes < MIN_SECRET_BYTES) {
    return `JWT secret is ${bytes} bytes; HS256 needs at least ${MIN_SECRET_BYTES} ` +
      "(generate one with: openssl rand -base64 48)";
  }
  return null;
}

/** Signs an HS256 token with claims user_id, sub, role, iat, exp. */
export async function signToken(opts: {
  secret: string;
  user_id: string;
  role: Role;
  ttlSeconds: number;
  now?: number;
}): Promise<string> {
  if (opts.secret.length === 0) throw new Error("cannot sign a token with an empty secret");
  if (opts.user_id.length === 0) throw new Error("user_id must not be empty");
  if (!isRole(opts.role)) throw new Error(`unknown role: ${String(opts.role)}`);
  if (!Number.isFinite(opts.ttlSeconds) || opts.ttlSeconds <= 0) {
    throw new Error(`ttlSeconds must be a positive number, got ${opts.ttlSeconds}`);
  }
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  return await new SignJWT({ user_id: opts.user_id, role: opts.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(opts.user_id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.floor(opts.ttlSeconds))
    .sign(encoder.encode(opts.secret));
}

/** A printable, bounded rendering of an attacker-controlled value for an error reason. */
function shown(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  const clean = s.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 32 ? `${clean.slice(0, 32)}...` : clean;
}

/** Maps a jose error to a reason string. */
function joseReason(e: unknown): string {
  const err = e as { code?: string; claim?: string; reason?: string };
  switch (err?.code) {
    case "ERR_JWT_EXPIRED":
      return "token expired";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "invalid signature";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "unsupported algorithm";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (err.claim === "nbf" && err.reason === "check_failed") return "token not yet valid";
      return `invalid claim: ${err.claim ?? "unknown"}`;
    default:
      return "malformed token";
  }
}

/**
 * Verifies an HS256 token and returns the identity it carries.
 * Throws `RpcError` -32001 with `data.reason` on any problem.
 */
export async function verifyToken(token: string, secret: string, now?: number): Promise<Identity> {
  if (typeof token !== "string" || token.length === 0) throw authFailed("missing token");
  if (token.length > MAX_TOKEN_BYTES) throw authFailed("token too large");
  if (!looksLikeJwt(token)) throw authFailed("malformed token");
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw authFailed("malformed token");
  }
  if (alg !== "HS256") throw authFailed(`unsupported algorithm: ${shown(alg)}`);
  if (secret.length === 0) throw authFailed("server has no JWT secret configured");
  const nowMs = now ?? Date.now();
  let payload: Record<string, unknown>;
  try {
    const res = await jwtVerify(token, await hmacKey(secret), {
      algorithms: ["HS256"],
      currentDate: new Date(nowMs),
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    payload = res.payload as Record<string, unknown>;
  } catch (e) {
    throw authFailed(joseReason(e));
  }
  return identityFromClaims(payload, nowMs);
}

/** Checks the claims jose does not require: exp, iat, user id and role. */
function identityFromClaims(p: Record<string, unknown>, nowMs: number): Identity {
  const nowSec = Math.floor(nowMs / 1000);
  if (p.exp === undefined) throw authFailed("missing claim: exp");
  // Expiry is strict (no skew), the same rule as the per-call check on a bound session.
  if ((p.exp as number) * 1000 <= nowMs) throw authFailed("token expired");
  if (typeof p.iat === "number" && p.iat > nowSec + CLOCK_SKEW_SECONDS) {
    throw authFailed("token not yet valid (iat is in the future)");
  }
  if (p.iat !== undefined && typeof p.iat !== "number") throw authFailed("invalid claim: iat");
  let user: unknown;
  let claim: string;
  if (p.user_id !== undefined) [user, claim] = [p.user_id, "user_id"];
  else if (p.sub !== undefined) [user, claim] = [p.sub, "sub"];
  else throw authFailed("missing claim: user_id or sub");
  if (typeof user !== "string" || user.trim().length === 0) {
    throw authFailed(`invalid claim: ${claim} (must be a non-empty string)`);
  }
  if (p.role === undefined) throw authFailed("missing claim: role");
  if (!isRole(p.role)) throw authFailed(`unknown role: ${shown(p.role)}`);
  return { user_id: user, role: p.role, method: "jwt", expires_at: p.exp as number };
}

let keyCache: { secret: string; key: Promise<CryptoKey> } | null = null;

/** The HS256 verification key, imported once per secret (jose would import raw bytes per call). */
function hmacKey(secret: string): Promise<CryptoKey> {
  if (keyCache?.secret !== secret) {
    keyCache = {
      secret,
      key: crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      ),
    };
  }
  return keyCache.key;
}
