/**
 * JSON-RPC 2.0 over one WebSocket: calls with ids and timeouts, notifications to listeners,
 * reconnection with a growing delay (the caller re-authenticates in `onOpen`).
 */

/** A JSON-RPC error answer (code, catalogue message, data). */
export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    // deno-lint-ignore no-explicit-any
    readonly data?: any,
  ) {
    super(message);
    this.name = "RpcCallError";
  }
}

/** A notification pushed by the service. */
export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

export type ConnectionState = "connecting" | "open" | "closed";

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The WebSocket URL of the service for this page (same origin). */
export function socketUrl(loc: Location, path: string): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${path.startsWith("/") ? path : `/${path}`}`;
}

/** A reconnecting JSON-RPC client. */
export class RpcClient {
  #ws: WebSocket | null = null;
  #next = 1;
  #pending = new Map<number, Pending>();
  #noteListeners = new Set<(n: Notification) => void>();
  #stateListeners = new Set<(s: ConnectionState) => void>();
  #retryMs = 500;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  state: ConnectionState = "closed";

  constructor(
    readonly url: string,
    private readonly onOpen: () => Promise<void> | void = () => {},
  ) {}

  /** Open the socket (and keep it open until `close()`). */
  connect(): void {
    this.#closed = false;
    this.#open();
  }

  #setState(s: ConnectionState) {
    this.state = s;
    for (const l of this.#stateListeners) l(s);
  }

  #open() {
    this.#setState("connecting");
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.onopen = async () => {
      this.#retryMs = 500;
      try {
        await this.onOpen();
      } finally {
        if (this.#ws === ws) this.#setState("open");
      }
    };
    ws.onmessage = (ev) => this.#receive(String(ev.data));
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new Error("connection lost"));
        this.#pending.delete(id);
      }
      this.#setState("closed");
      if (!this.#closed) {
        this.#retryTimer = setTimeout(() => this.#open(), this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
      }
    };
  }

  #receive(text: string) {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (typeof m !== "object" || m === null) continue;
      if (typeof m.method === "string" && m.id === undefined) {
        const n = { method: m.method, params: m.params ?? {} };
        for (const l of this.#noteListeners) l(n);
        continue;
      }
      const p = this.#pending.get(m.id);
      if (!p) continue;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new RpcCallError(m.error.code, m.error.message, m.error.data));
      else p.resolve(m.result);
    }
  }

  /** Call `method`; rejects with RpcCallError on an error answer, Error on transport trouble. */
  call<T = unknown>(method: string, params?: Record<string, unknown>, timeoutMs = 20_000) {
    return new Promise<T>((resolve, reject) => {
      const ws = this.#ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        return reject(new Error("not connected to the service"));
      }
      const id = this.#next++;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const body: Record<string, unknown> = { jsonrpc: "2.0", method, id };
      if (params) body.params = params;
      ws.send(JSON.stringify(body));
    });
  }

  /** Listen to notifications; returns the unsubscribe function. */
  onNotification(l: (n: Notification) => void): () => void {
    this.#noteListeners.add(l);
    return () => this.#noteListeners.delete(l);
  }

  /** Listen to connection state changes; returns the unsubscribe function. */
  onState(l: (s: ConnectionState) => void): () => void {
    this.#stateListeners.add(l);
    return () => this.#stateListeners.delete(l);
  }

  /** Drop the connection (and the identity bound to it) and open a fresh one. */
  reconnect(): void {
    this.#retryMs = 100;
    this.#ws?.close();
  }

  /** Close for good (no reconnection). */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#ws?.close();
  }
}
