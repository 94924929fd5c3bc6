/**
 * Throttling of failed authentications per remote address.
 *
 * `max_failures` failures within `window_seconds` lock the address out for `lockout_seconds`;
 * each further lockout before a success doubles that (up to 16x). Memory is bounded: at most
 * `max_entries` addresses are tracked, stale ones are pruned first, then the least recently
 * failing ones are evicted. All `now` arguments are milliseconds since the epoch.
 * Addresses are grouped by `throttleKey`: IPv4-mapped IPv6 as IPv4, other IPv6 by /64 prefix
 * (one host usually owns a whole /64, so rotating within it does not escape the lockout).
 */
import { ipv6Groups } from "../util/ip.ts";
import { isIPv6 } from "node:net";
import type { Logger } from "../observability/log.ts";

/** Throttle settings (config: security.auth_max_failures / auth_failure_window / auth_lockout). */
export interface ThrottleOptions {
  /** Failures within the window that trigger a lockout; 0 disables throttling. */
  max_failures: number;
  window_seconds: number;
  lockout_seconds: number;
  /** Most addresses tracked at once (default 10000). */
  max_entries?: number;
  log?: Logger;
}

interface Entry {
  /** Timestamps (ms) of recent failures within the window. */
  failures: number[];
  lockedUntil: number;
  /** Lockouts since the last success (drives the doubling). */
  lockouts: number;
  lastEvent: number;
}

const MAX_GROWTH = 16;

/** The throttling key of a remote address: IPv4 as is, IPv6 by its /64 prefix. */
export function throttleKey(addr: string): string {
  const a = addr.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1];
  if (!isIPv6(a)) return addr;
  const groups = ipv6Groups(a);
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Per-address failed-authentication throttle. */
export class AuthThrottle {
  private entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(private readonly opts: ThrottleOptions) {
    this.maxEntries = Math.max(1, opts.max_entries ?? 10_000);
  }

  /** Builds a throttle from the `security` section of the config. */
  static fromConfig(
    security: { auth_max_failures: number; auth_failure_window: number; auth_lockout: number },
    log?: Logger,
  ): AuthThrottle {
    return new AuthThrottle({
      max_failures: security.auth_max_failures,
      window_seconds: security.auth_failure_window,
      lockout_seconds: security.auth_lockout,
      log,
    });
  }

  /** Whether `addr` may attempt to authenticate now; if not, how long until it may. */
  check(addr: string, now = Date.now()): { allowed: boolean; retry_after_ms: number } {
    const e = this.entries.get(throttleKey(addr));
    if (!e || e.lockedUntil <= now) return { allowed: true, retry_after_ms: 0 };
    return { allowed: false, retry_after_ms: e.lockedUntil - now };
  }

  /** Records a failed attempt; returns whether it caused (or hit) a lockout. */
  failure(remote: string, now = Date.now()): { locked: boolean; retry_after_ms: number } {
    if (this.opts.max_failures <= 0) return { locked: false, retry_after_ms: 0 };
    const addr = throttleKey(remote);
    const windowMs = this.opts.window_seconds * 1000;
    let e = this.entries.get(addr);
    if (e) this.entries.delete(addr); // re-inserted below: Map order = least recent first
    else e = { failures: [], lockedUntil: 0, lockouts: 0, lastEvent: now };
    e.lastEvent = now;
    e.failures = e.failures.filter((t) => now - t < windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.opts.max_failures && e.lockedUntil <= now) {
      const factor = Math.min(MAX_GROWTH, 2 ** e.lockouts);
      const lockMs = this.opts.lockout_seconds * 1000 * factor;
      e.lockouts++;
      e.lockedUntil = now + lockMs;
      e.failures = [];
      this.opts.log?.warn("authentication lockout", {
        remote,
        ...(addr !== remote ? { group: addr } : {}),
        failures: this.opts.max_failures,
        window_seconds: this.opts.window_seconds,
        lockout_seconds: lockMs / 1000,
      });
    }
    this.entries.set(addr, e);
    this.bound(now);
    return e.lockedUntil > now
      ? { locked: true, retry_after_ms: e.lockedUntil - now }
      : { locked: false, retry_after_ms: 0 };
  }

  /** Records a successful authentication: forgets the address's failures. */
  success(addr: string): void {
    this.entries.delete(throttleKey(addr));
  }

  /** Number of tracked addresses (for metrics and tests). */
  get size(): number {
    return this.entries.size;
  }

  private stale(e: Entry, now: number): boolean {
    const keepMs = Math.max(this.opts.window_seconds, this.opts.lockout_seconds) * 1000;
    return e.lockedUntil <= now && now - e.lastEvent >= keepMs;
  }

  private bound(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [addr, e] of this.entries) {
      if (this.stale(e, now)) this.entries.delete(addr);
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
