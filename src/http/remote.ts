/** The client address of a Hono request served through @hono/node-server. */
import type { IncomingMessage } from "node:http";
import { clientAddress } from "../server/proxy.ts";

/** Hono's `c.env` under @hono/node-server: the Node request is `incoming`. */
export interface NodeBindings {
  incoming?: IncomingMessage;
}

/** Peer address (or X-Forwarded-For behind a trusted proxy); "unknown" outside a socket. */
export function requestAddress(env: unknown, trusted: readonly string[]): string {
  const incoming = (env as NodeBindings | undefined)?.incoming;
  if (!incoming) return "unknown";
  return clientAddress(
    incoming.socket?.remoteAddress,
    incoming.headers["x-forwarded-for"],
    trusted,
  );
}
