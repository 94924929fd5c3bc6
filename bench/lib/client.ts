/**
 * A minimal JSON-RPC 2.0 client over WSS for the load generator (the `ws` package, as the
 * service's real clients use). One pending-call map per connection; notifications go to a
 * listener. TLS verification is off by default (bench certificates are self-signed), or pinned
 * to a CA file.
 */
import { readFileSync } from "node:fs";
import { get } from "node:https";
import WebSocket from "ws";

/** How to reach the server. */
export interface Target {
  url: string;
  /** PEM CA file to verify the server against; absent = do not verify (bench only). */
  caFile?: string;
}

/** A JSON-RPC response or notification as received. */
export interface RpcMessage {
  jsonrpc: "2.0";
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: Record<string, unknown>;
}

/** Thrown when a call gets a JSON-RPC error answer. */
export class RpcCallError extends Error {
  constructor(readonly code: number, message: string) {
    super(`${code} ${message}`);
  }
}

const caCache = new Map<string, string>();

function caOf(caFile?: string): string | undefined {
  if (!caFile) return undefined;
  const ca = caCache.get(caFile) ?? readFileSync(caFile, "utf8");
  caCache.set(caFile, ca);
  return ca;
}

/**
 * GETs `url` over HTTPS (the service's /metrics) and resolves with the body; rejects on a
 * non-200 answer or after `timeoutMs`. Verifies against `caFile` when given, else not (bench).
 */
export function fetchText(url: string, caFile?: string, timeoutMs = 5000): Promise<string> {
  const ca = caOf(caFile);
  return new Promise((resolve, reject) => {
    const req = get(
      url,
      { ca, rejectUnauthorized: ca !== undefined, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 200) resolve(body);
          else reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on("error", reject);
  });
}

/** One WebSocket connection with request/response matching. */
export class RpcConnection {
  #ws: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (m: RpcMessage) => void; reject: (e: Error) => void }>();
  /** Called for every message that has a `method` (server notifications). */
  onNotification: (m: RpcMessage) => void = () => {};
  /** Set once the socket closed (code). */
  closedWith: number | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on("message", (data) => this.#onMessage(data.toString()));
    ws.on("close", (code) => {
      this.closedWith = code;
      const err = new Error(`connection closed (${code})`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
    ws.on("error", () => {/* surfaced by close */});
  }

  /** Opens a connection; rejects on TLS/HTTP/WebSocket failure or after `timeoutMs`. */
  static open(target: Target, timeoutMs = 10_000): Promise<RpcConnection> {
    const ca = caOf(target.caFile);
    const ws = new WebSocket(target.url, {
      perMessageDeflate: false,
      rejectUnauthorized: ca !== undefined,
      ca,
      handshakeTimeout: timeoutMs,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new RpcConnection(ws)));
      ws.once("error", (e) => reject(e));
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode} on upgrade`));
        ws.terminate();
      });
    });
  }

  /** Sends a request and resolves with its response message (errors resolve too). */
  request(method: string, params?: Record<string, unknown>): Promise<RpcMessage> {
    const id = this.#nextId++;
    const frame = params === undefined
      ? `{"jsonrpc":"2.0","method":"${method}","id":${id}}`
      : JSON.stringify({ jsonrpc: "2.0", method, params, id });
    return new Promise((resolve, reject) => {
      if (this.closedWith !== null) {
        return reject(new Error(`connection closed (${this.closedWith})`));
      }
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(frame);
    });
  }

  /** Like `request` but throws RpcCallError on an error answer and returns the result. */
  async call(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const m = await this.request(method, params);
    if (m.error) throw new RpcCallError(m.error.code, m.error.message);
    return m.result;
  }

  /** Closes cleanly and waits (bounded) for the close to finish. */
  close(): Promise<void> {
    if (this.closedWith !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate();
        resolve();
      }, 2000);
      this.#ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.close(1000);
    });
  }

  #onMessage(text: string): void {
    let m: RpcMessage;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(m)) return;
    if (typeof m.id === "number" && this.#pending.has(m.id)) {
      const p = this.#pending.get(m.id)!;
      this.#pending.delete(m.id);
      p.resolve(m);
    } else if (typeof m.method === "string") {
      this.onNotification(m);
    }
  }
}

/** Opens `n` connections, at most `parallel` handshakes at a time; all or throws. */
export async function openMany(
  target: Target,
  n: number,
  parallel = 32,
): Promise<RpcConnection[]> {
  const conns: RpcConnection[] = [];
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < n && failure === null) {
      next++;
      try {
        conns.push(await RpcConnection.open(target));
      } catch (e) {
        failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  if (failure !== null) {
    await Promise.all(conns.map((c) => c.close()));
    throw new Error(`opened ${conns.length}/${n} connections: ${String(failure)}`);
  }
  return conns;
}
