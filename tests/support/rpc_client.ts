/** A JSON-RPC WebSocket client for tests: calls with ids, collects notifications. */
import { WebSocket } from "ws";

export interface ClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

export interface RpcReply {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: unknown;
  // deno-lint-ignore no-explicit-any
  error?: { code: number; message: string; data?: any };
}

export class RpcClient {
  readonly notifications: { method: string; params: Record<string, unknown> }[] = [];
  #next = 1;
  #waiters = new Map<unknown, (r: RpcReply) => void>();
  #noteWaiters: {
    pred: (n: { method: string; params: Record<string, unknown> }) => boolean;
    resolve: () => void;
  }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (Array.isArray(msg)) {
        for (const m of msg) this.#waiters.get(m.id)?.(m);
        return;
      }
      if (msg.method && msg.id === undefined) {
        this.notifications.push(msg);
        this.#noteWaiters = this.#noteWaiters.filter((w) => {
          if (!w.pred(msg)) return true;
          w.resolve();
          return false;
        });
        return;
      }
      const w = this.#waiters.get(msg.id);
      if (w) {
        this.#waiters.delete(msg.id);
        w(msg);
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: String(reason) }))
    );
  }

  static async connect(url: string, opts: ClientOptions = {}): Promise<RpcClient> {
    const ws = new WebSocket(url, {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: !opts.insecure,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new RpcClient(ws);
  }

  call(method: string, params?: unknown, timeoutMs = 20_000): Promise<RpcReply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", method, params, id }));
    });
  }

  /** Send raw text and wait for the reply that carries `id` (batches: the first id). */
  raw(text: string, id: unknown, timeoutMs = 10_000): Promise<RpcReply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no answer")), timeoutMs);
      this.#waiters.set(id, (r) => {
        clearTimeout(t);
        this.#waiters.delete(id);
        resolve(r);
      });
      this.ws.send(text);
    });
  }

  /** Wait for a notification matching `pred`. */
  waitFor(
    pred: (n: { method: string; params: Record<string, unknown> }) => boolean,
    timeoutMs = 10_000,
  ): Promise<{ method: string; params: Record<string, unknown> }> {
    const found = this.notifications.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("notification did not arrive")), timeoutMs);
      this.#noteWaiters.push({
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve(this.notifications.find(pred)!);
        },
      });
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
