/**
 * The listener: `node:https` (or `node:http` when TLS is off) serving a request handler, with an
 * optional `ws` WebSocket endpoint on one path. Works the same on Deno and Node (PERF.md):
 * client certificates, in-place certificate swaps and handshake errors all come from node:tls.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../observability/log.ts";

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** What a new WebSocket connection brings. */
export interface WsConnectionInfo {
  req: http.IncomingMessage;
  /** Verified client certificate subject (mTLS), or null. */
  certSubject: string | null;
}

export interface WsOptions {
  path: string;
  maxPayload: number;
  maxConnections: number;
  /** Keepalive ping interval (ms); a peer that misses a pong until the next tick is closed. */
  pingIntervalMs: number;
  onConnection(ws: WebSocket, info: WsConnectionInfo): void;
}

export interface TlsHooks {
  onHandshake?(socket: TLSSocket): void;
  onHandshakeError?(reason: string): void;
  /** A client certificate was presented but failed verification (CERT_OPTIONAL). */
  onClientCertRejected?(reason: string): void;
}

export interface ListenerOptions {
  name: string;
  host: string;
  port: number;
  /** Node TLS server options; null = plain HTTP/WS (behind a reverse proxy). */
  tls: https.ServerOptions | null;
  handler: RequestHandler;
  ws?: WsOptions;
  hooks?: TlsHooks;
  log: Logger;
}

/** Subject of a verified client certificate as "CN=...,O=...", or null. */
export function peerSubject(socket: Socket): string | null {
  const tls = socket as TLSSocket;
  if (typeof tls.getPeerCertificate !== "function" || !tls.authorized) return null;
  const cert = tls.getPeerCertificate();
  if (!cert || !cert.subject) return null;
  return Object.entries(cert.subject).map(([k, v]) => `${k}=${v}`).join(",");
}

export class Listener {
  readonly server: http.Server | https.Server;
  readonly wss: WebSocketServer | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #alive = new WeakMap<WebSocket, boolean>();
  #sockets = new Set<Socket>();

  constructor(private opts: ListenerOptions) {
    const { tls, handler } = opts;
    // Slowloris: request timeouts are enforced by a periodic check (Node's default: every 30 s,
    // so a slow client held a socket up to 30 s instead of headersTimeout), so check every second;
    // a TLS handshake must complete in 10 s (default 120 s).
    const checking = { connectionsCheckingInterval: 1000 };
    this.server = tls
      ? https.createServer({ ...tls, ...checking, handshakeTimeout: 10_000 }, handler)
      : http.createServer(checking, handler);
    this.server.on("connection", (s: Socket) => {
      this.#sockets.add(s);
      s.once("close", () => this.#sockets.delete(s));
    });
    // Slowloris: a client must finish its request headers in time.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 60_000;
    if (tls) this.#tlsEvents(this.server as https.Server);
    if (opts.ws) {
      this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.ws.maxPayload });
      this.server.on("upgrade", (req, socket, head) => this.#upgrade(req, socket as Socket, head));
    }
  }

  #tlsEvents(server: https.Server): void {
    const hooks = this.opts.hooks ?? {};
    server.on("secureConnection", (socket: TLSSocket) => {
      hooks.onHandshake?.(socket);
      // CERT_OPTIONAL: no certificate is fine, a certificate that fails verification is not.
      const presented = socket.getPeerCertificate?.();
      if (!socket.authorized && presented && Object.keys(presented).length > 0) {
        const reason = String(socket.authorizationError ?? "client certificate not trusted");
        hooks.onClientCertRejected?.(reason);
        this.opts.log.warn("client certificate rejected", { reason, remote: socket.remoteAddress });
        socket.destroy();
      }
    });
    server.on("tlsClientError", (err: Error & { code?: string }) => {
      const reason = err.code ?? err.message;
      hooks.onHandshakeError?.(reason);
      this.opts.log.debug("TLS handshake failed", { listener: this.opts.name, reason });
    });
  }

  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const ws = this.opts.ws!;
    const path = (req.url ?? "/").split("?")[0];
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== ws.path) return reject(404, "Not Found");
    if (this.wss!.clients.size >= ws.maxConnections) {
      this.opts.log.warn("connection refused: max_connections reached", {
        max_connections: ws.maxConnections,
        remote: socket.remoteAddress,
      });
      return reject(503, "Service Unavailable");
    }
    this.wss!.handleUpgrade(req, socket, head, (client) => {
      this.#alive.set(client, true);
      client.on("pong", () => this.#alive.set(client, true));
      ws.onConnection(client, { req, certSubject: peerSubject(socket) });
    });
  }

  /** Start listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    if (this.opts.ws && this.opts.ws.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#keepalive(), this.opts.ws.pingIntervalMs);
    }
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  #keepalive(): void {
    for (const client of this.wss?.clients ?? []) {
      if (this.#alive.get(client) === false) {
        this.opts.log.info("closing dead peer (no pong)");
        client.terminate();
        continue;
      }
      this.#alive.set(client, false);
      try {
        client.ping();
      } catch { /* closing */ }
    }
  }

  /** Swap the certificate in place: new handshakes use it, open connections stay. */
  setSecureContext(options: SecureContextOptions): void {
    (this.server as https.Server).setSecureContext(options);
  }

  /** Stop accepting, close WebSockets with `code`, and end every socket. */
  async close(code = 1001, reason = "server shutting down"): Promise<void> {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    for (const c of this.wss?.clients ?? []) c.close(code, reason);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}
