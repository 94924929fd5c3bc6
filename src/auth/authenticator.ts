/**
 * Turns a presented credential (JWT or API key) into an `Identity`, with per-address throttling.
 *
 * Errors (RpcError):
 * - -32040 `{ retry_after_ms }` (the catalogue's rate-limit code and data, so clients know when
 *   to retry) while the remote address is locked out after too many failures; the credential
 *   is not even checked then;
 * - -32001 `{ reason }` for every bad credential (reason precise and non-secret).
 * Failures are logged with the remote address and reason, never the credential itself.
 */
import type { Identity } from "../api/types.ts";
import type { Logger } from "../observability/log.ts";
import { authFailed, rateLimited, RpcError } from "../rpc/errors.ts";
import type { ApiKeyStore } from "./apikeys.ts";
import { looksLikeJwt, MAX_TOKEN_BYTES, verifyToken } from "./jwt.ts";
import type { AuthThrottle } from "./throttle.ts";

/** What the lead wires in: the HS256 secret, the key store, the throttle and a logger. */
export interface AuthenticatorOptions {
  secret: string;
  apiKeys: ApiKeyStore;
  throttle: AuthThrottle;
  log: Logger;
}

/** Authenticates JWTs and API keys. `now` arguments are milliseconds since the epoch. */
export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  /** Verifies `token` for a client at `remote`; throws RpcError -32040 or -32001. */
  async authenticate(token: unknown, remote: string, now = Date.now()): Promise<Identity> {
    const gate = this.opts.throttle.check(remote, now);
    if (!gate.allowed) {
      this.opts.log.debug("authentication refused: address locked out", {
        remote,
        retry_after_ms: gate.retry_after_ms,
      });
      throw rateLimited(gate.retry_after_ms);
    }
    const kind = typeof token !== "string"
      ? "none"
      : looksLikeJwt(token)
      ? "jwt"
      : token.startsWith("csk_")
      ? "api_key"
      : "unknown";
    try {
      const identity = await this.verify(token, now);
      this.opts.throttle.success(remote);
      this.opts.log.debug("authenticated", {
        remote,
        kind,
        user_id: identity.user_id,
        role: identity.role,
        key_id: identity.key_id,
      });
      return identity;
    } catch (e) {
      const reason = e instanceof RpcError ? String(e.data?.reason) : "internal error";
      const t = this.opts.throttle.failure(remote, now);
      this.opts.log.warn("authentication failed", {
        remote,
        kind,
        reason,
        ...(t.locked ? { locked_for_ms: t.retry_after_ms } : {}),
      });
      if (e instanceof RpcError) throw e;
      this.opts.log.error("authentication error", { remote, error: e as Error });
      throw authFailed("internal error while verifying the credential");
    }
  }

  private async verify(token: unknown, now: number): Promise<Identity> {
    if (token === undefined || token === null || token === "") {
      throw authFailed("missing auth_token");
    }
    if (typeof token !== "string") throw authFailed("auth_token must be a string");
    if (token.length > MAX_TOKEN_BYTES) throw authFailed("token too large");
    if (looksLikeJwt(token)) return await verifyToken(token, this.opts.secret, now);
    if (token.startsWith("csk_")) {
      const r = this.opts.apiKeys.check(token, now);
      if ("reason" in r) throw authFailed(r.reason);
      return r.identity;
    }
    throw authFailed("malformed token (neither a JWT nor an API key)");
  }

  /** Why an identity bound earlier is no longer valid (expired, key revoked), or null. */
  validityProblem(identity: Identity, now = Date.now()): string | null {
    if (identity.expires_at !== null && identity.expires_at * 1000 <= now) {
      return identity.method === "jwt" ? "token expired" : "API key expired";
    }
    if (identity.method === "api_key") {
      if (!identity.key_id || !this.opts.apiKeys.isActive(identity.key_id, now)) {
        return "API key revoked";
      }
    }
    return null;
  }

  /** Whether a bound identity is still valid (checked on every call). */
  stillValid(identity: Identity, now = Date.now()): boolean {
    return this.validityProblem(identity, now) === null;
  }

  /** Throws RpcError -32001 with the reason when the identity is no longer valid. */
  assertStillValid(identity: Identity, now = Date.now()): void {
    const problem = this.validityProblem(identity, now);
    if (problem) throw authFailed(problem);
  }

  /**
   * HTTP credentials: `Authorization: Bearer <jwt or api key>` or `X-API-Key: <api key>`.
   * Returns null when none is presented; throws like `authenticate` for bad ones.
   */
  async authFromHttpHeaders(
    headers: Headers,
    remote: string,
    now = Date.now(),
  ): Promise<Identity | null> {
    const authz = headers.get("authorization");
    if (authz !== null) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authz);
      if (!m) throw authFailed("unsupported Authorization header (use: Bearer <token>)");
      return await this.authenticate(m[1], remote, now);
    }
    const apiKey = headers.get("x-api-key");
    if (apiKey !== null) return await this.authenticate(apiKey.trim(), remote, now);
    return null;
  }
}
