/** What a JSON-RPC method is: its name, role, params schema and handler. */
import type { Role } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import type { Schema } from "../rpc/schema.ts";

/** The authenticated identity bound to a connection or a request. */
export interface Identity {
  user_id: string;
  role: Role;
  /** "jwt" or "api_key". */
  method: "jwt" | "api_key";
  /** Seconds since the epoch; null = never expires (API keys without expiry). */
  expires_at: number | null;
  /** API key id when method is api_key. */
  key_id?: string;
}

/** Per-connection state visible to handlers. */
export interface SessionInfo {
  /** Connection/session id (uuid). */
  id: string;
  remote_address: string;
  /** Verified client certificate subject (mTLS), if any. */
  client_cert_subject: string | null;
  identity: Identity | null;
  connected_at: Date;
}

export interface MethodContext {
  session: SessionInfo;
  /** The identity that authorized this request (session's, or the request's own auth_token). */
  identity: Identity | null;
  request_id: string;
  log: Logger;
}

/** A method definition. The engine validates params with `params` before calling `handler`. */
export interface MethodDef<P = unknown> {
  name: string;
  params: Schema<P>;
  handler: (params: P, ctx: MethodContext) => unknown | Promise<unknown>;
}

/** Helper that keeps the params type flowing from the schema into the handler. */
export function method<P>(
  name: string,
  params: Schema<P>,
  handler: (params: P, ctx: MethodContext) => unknown | Promise<unknown>,
): MethodDef<unknown> {
  return { name, params, handler } as MethodDef<unknown>;
}
