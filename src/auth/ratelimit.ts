/** A token bucket for per-connection request rates (-32040 with `retry_after_ms`). */

/**
 * Holds up to `burst` tokens, refilled at `ratePerSec`. A rate of 0 (or less) disables limiting.
 * `now` arguments are milliseconds since the epoch (or any monotonic ms clock).
 */
export class TokenBucket {
  private tokens: number;
  private last: number | null = null;
  private readonly burst: number;

  constructor(private readonly ratePerSec: number, burst: number) {
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
  }

  /** Takes one token: returns 0 when allowed, else the milliseconds until one is available. */
  take(now = Date.now()): number {
    if (!(this.ratePerSec > 0)) return 0;
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000));
  }

  /** Tokens available now (fractional). */
  available(now = Date.now()): number {
    if (!(this.ratePerSec > 0)) return Infinity;
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    if (this.last !== null && now > this.last) {
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((now - this.last) / 1000) * this.ratePerSec,
      );
    }
    if (this.last === null || now > this.last) this.last = now;
  }
}
