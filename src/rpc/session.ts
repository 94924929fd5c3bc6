/** One WebSocket connection's state: identity, rate limiter, subscriptions, outbound queue. */
import type { Identity, SessionInfo } from "../api/types.ts";
import { TokenBucket } from "../auth/ratelimit.ts";
import type { Logger } from "../observability/log.ts";
import type { Fanout } from "./fanout.ts";
import { Subscription } from "./subscription.ts";

/** Transport hooks the server gives a session. */
export interface SessionTransport {
  /** Queue one text frame (a string, or its UTF-8 bytes); false when the peer is too slow. */
  send(text: string | Uint8Array): boolean;
  /**
   * Queue one fan-out notification (shared frame, shared write callback): the transport calls
   * `fan.hold()` for a frame it hands to the socket and passes `fan.written` as that write's
   * callback; false when the peer is too slow. Without it, `send(fan.data)` is used.
   */
  sendFanout?(fan: Fanout): boolean;
  close(code: number, reason: string): void;
}

export class Session implements SessionInfo {
  readonly id = crypto.randomUUID();
  readonly connected_at = new Date();
  identity: Identity | null = null;
  readonly subscription = new Subscription();
  /** Per-connection request rate: `take()` is 0 when allowed, else ms until a token. */
  readonly limiter: TokenBucket;
  readonly log: Logger;
  closed = false;

  constructor(
    readonly remote_address: string,
    readonly client_cert_subject: string | null,
    private transport: SessionTransport,
    opts: { log: Logger; rateLimitRps: number; rateLimitBurst: number },
  ) {
    this.limiter = new TokenBucket(opts.rateLimitRps, opts.rateLimitBurst);
    this.log = opts.log.child({ conn: this.id });
  }

  /** Send a frame; a peer that cannot keep up is disconnected (1008) with a log line. */
  send(text: string | Uint8Array): void {
    if (this.closed) return;
    if (!this.transport.send(text)) this.#tooSlow();
  }

  /** Hand one fan-out notification to this session's socket (the hub's per-session step). */
  deliver(fan: Fanout): void {
    if (this.closed) return;
    const t = this.transport;
    let ok: boolean;
    if (t.sendFanout) ok = t.sendFanout(fan);
    else {
      fan.hold();
      ok = t.send(fan.data);
      fan.written();
    }
    if (!ok) this.#tooSlow();
  }

  #tooSlow(): void {
    this.log.warn("slow consumer: outbound queue full, closing connection", {
      remote: this.remote_address,
    });
    this.close(1008, "outbound queue full");
  }

  /** Send a JSON-RPC notification. */
  notify(method: string, params: unknown): void {
    this.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close(code, reason);
  }
}
