/**
 * One notification on its way to every subscribed session: serialized once (UTF-8 bytes), framed
 * once by the transport (`framed()` caches what the first session's transport built), and timed
 * from the emit to the moment the last recipient's socket reported its frame written.
 */

/** What a finished fan-out measured (times in ms of `performance.now()`). */
export interface FanoutTiming {
  /** The notification's method, e.g. `camera_status_update`. */
  event: string;
  /** Sessions whose socket was handed the frame. */
  recipients: number;
  /** Wall-clock time of the emit (Unix ms, sub-ms precision). */
  emittedAtUnixMs: number;
  /** Emit → the last recipient's `socket.write` returned (the synchronous end of the loop). */
  queuedMs: number;
  /** Emit → the last recipient's write callback (the frame left the stream for the kernel). */
  writtenMs: number;
}

export class Fanout {
  /** The JSON-RPC notification as UTF-8 bytes, shared by every recipient. */
  readonly data: Uint8Array;
  readonly emittedAt: number;
  #framed: Uint8Array | null = null;
  /** Writes not yet called back, plus one for the loop itself until `seal()`. */
  #outstanding = 1;
  #recipients = 0;
  #queuedAt = 0;
  #onDone: ((t: FanoutTiming) => void) | null;

  /**
   * `emittedAt` is `performance.now()` when the event was emitted; `onDone` gets the timing
   * once every recipient's write was called back.
   */
  constructor(
    readonly event: string,
    payload: unknown,
    opts: { emittedAt: number; onDone?: (t: FanoutTiming) => void },
  ) {
    this.emittedAt = opts.emittedAt;
    this.data = new TextEncoder().encode(
      JSON.stringify({ jsonrpc: "2.0", method: event, params: payload }),
    );
    this.#onDone = opts.onDone ?? null;
  }

  /** The transport's framing of `data`, built by `build` once and shared by every recipient. */
  framed(build: (data: Uint8Array) => Uint8Array): Uint8Array {
    return this.#framed ??= build(this.data);
  }

  /** A transport handed the frame to one socket; `written` must be called once for it. */
  hold(): void {
    this.#outstanding++;
    this.#recipients++;
  }

  get recipients(): number {
    return this.#recipients;
  }

  /**
   * Write callback shared by every recipient (an arrow property: no closure per send). Errors
   * (a socket destroyed meanwhile) count as done: that recipient will never have it.
   */
  readonly written = (): void => {
    if (--this.#outstanding === 0) this.#finish();
  };

  /** The hub's loop is over: no more recipients. */
  seal(): void {
    this.#queuedAt = performance.now();
    if (--this.#outstanding === 0) this.#finish();
  }

  #finish(): void {
    const onDone = this.#onDone;
    this.#onDone = null;
    if (!onDone) return;
    const end = performance.now();
    onDone({
      event: this.event,
      recipients: this.#recipients,
      emittedAtUnixMs: performance.timeOrigin + this.emittedAt,
      queuedMs: this.#queuedAt - this.emittedAt,
      writtenMs: end - this.emittedAt,
    });
  }
}
