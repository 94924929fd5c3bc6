/** Certificate expiry: health classification and log warnings at 30, 7 and 1 days. */
import { clearInterval, setInterval } from "node:timers";
import type { Logger } from "../observability/log.ts";
import type { CertInfo } from "./inspect.ts";

/** The expiry block of `/health/ready`. */
export interface ExpiryStatus {
  /** ISO 8601. */
  not_after: string;
  /** Whole days left (negative once expired). */
  days_left: number;
  /** expired = unhealthy, 7 days or less = degraded. */
  status: "healthy" | "degraded" | "unhealthy";
  /** Set from 30 days before expiry on. */
  warning: string | null;
}

const DAY_MS = 86_400_000;
/** Warning thresholds in days, least severe first; 0 stands for "expired". */
const THRESHOLDS = [30, 7, 1, 0] as const;

function daysLeft(info: CertInfo, now: Date): number {
  return Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS);
}

function expiredAt(info: CertInfo, now: Date): boolean {
  return info.notAfter.getTime() <= now.getTime();
}

/** Classifies a certificate's remaining lifetime for health checks. */
export function expiryStatus(info: CertInfo, now: Date = new Date()): ExpiryStatus {
  const days = daysLeft(info, now);
  const date = info.notAfter.toISOString();
  const expired = expiredAt(info, now);
  const status = expired ? "unhealthy" : days <= 7 ? "degraded" : "healthy";
  const warning = expired
    ? `TLS certificate ${info.subject} expired on ${date}: renew it (clients refuse it)`
    : days <= 30
    ? `TLS certificate ${info.subject} expires in ${days} day${days === 1 ? "" : "s"} ` +
      `(${date}): renew it`
    : null;
  return { not_after: date, days_left: days, status, warning };
}

/** The most severe threshold reached: 30, 7, 1, 0 (expired) or null. */
function thresholdReached(info: CertInfo, now: Date): number | null {
  if (expiredAt(info, now)) return 0;
  const days = daysLeft(info, now);
  let reached: number | null = null;
  for (const t of THRESHOLDS) if (t > 0 && days <= t) reached = t;
  return reached;
}

/** Options of {@link ExpiryWarner}. */
export interface ExpiryWarnerOptions {
  /** The certificate in service (read at every check, so a reload is seen). */
  current: () => CertInfo;
  log: Logger;
  /** Check period, ms (default one hour). */
  intervalMs?: number;
  /** Clock (tests). */
  now?: () => Date;
}

/**
 * Logs once per threshold crossing (30, 7, 1 days, expired) per certificate: at start, every
 * hour (unref'd timer), and when {@link ExpiryWarner.check} is called (after a reload).
 */
export class ExpiryWarner {
  #opts: ExpiryWarnerOptions;
  #timer: ReturnType<typeof setInterval>;
  #warned = new Map<string, number>();

  constructor(opts: ExpiryWarnerOptions) {
    this.#opts = opts;
    this.check();
    this.#timer = setInterval(() => this.check(), opts.intervalMs ?? 3_600_000);
    this.#timer.unref?.();
  }

  /** Checks now; logs if a new threshold was crossed. Returns the current status. */
  check(): ExpiryStatus {
    const info = this.#opts.current();
    const now = this.#opts.now?.() ?? new Date();
    const st = expiryStatus(info, now);
    const reached = thresholdReached(info, now);
    const key = info.fingerprint256;
    const before = this.#warned.get(key);
    if (reached !== null && (before === undefined || reached < before)) {
      // Forget other certificates: only the one in service matters.
      this.#warned.clear();
      this.#warned.set(key, reached);
      const fields = {
        subject: info.subject,
        not_after: st.not_after,
        days_left: st.days_left,
        threshold_days: reached,
      };
      if (reached <= 1) this.#opts.log.error(st.warning!, fields);
      else this.#opts.log.warn(st.warning!, fields);
    }
    return st;
  }

  /** Stops the periodic check. */
  close(): void {
    clearInterval(this.#timer);
  }
}
