/**
 * MediaMTX health monitor: polls `/v3/info`, backs off exponentially (with jitter) while MediaMTX
 * is down, detects restarts (`started` changed) and keeps paths in step by running the reconciler
 * after every successful poll (cheap: an unchanged path costs no write).
 */
import { dependencyFailed } from "../rpc/errors.ts";
import type { Logger } from "../observability/log.ts";
import type { MediaMtxClient } from "./client.ts";
import type { PathReconciler, ReconcileReport } from "./reconcile.ts";

/** Snapshot of the monitor's view of MediaMTX. */
export interface MediaMtxStatus {
  reachable: boolean;
  version: string | null;
  started: string | null;
  last_error: string | null;
  /** ISO time of the last completed check. */
  last_check: string | null;
  consecutive_failures: number;
  /** The last reconcile pass succeeded without errors. */
  paths_in_step: boolean;
  last_reconcile: ReconcileReport | null;
  /** Restarts of MediaMTX seen since the monitor started. */
  restarts_detected: number;
}

/** Options of {@link MediaMtxMonitor}. */
export interface MediaMtxMonitorOptions {
  client: Pick<MediaMtxClient, "info">;
  reconciler?: Pick<PathReconciler, "reconcile">;
  /** Poll interval while up (config mediamtx.health_check_interval, here in ms). */
  intervalMs: number;
  /** Upper bound of the backoff while down (config mediamtx.backoff_max, here in ms). */
  backoffMaxMs: number;
  log: Logger;
  /** Random source for jitter (tests). */
  random?: () => number;
}

/** Polls MediaMTX and reconciles paths on (re)connect, restart and every healthy poll. */
export class MediaMtxMonitor {
  private st: MediaMtxStatus = {
    reachable: false,
    version: null,
    started: null,
    last_error: null,
    last_check: null,
    consecutive_failures: 0,
    paths_in_step: false,
    last_reconcile: null,
    restarts_detected: 0,
  };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private listeners = new Set<(s: MediaMtxStatus) => void>();
  private firstDone!: () => void;
  private readonly first = new Promise<void>((r) => (this.firstDone = r));

  constructor(private readonly opts: MediaMtxMonitorOptions) {}

  /** Current status (a copy). */
  status(): MediaMtxStatus {
    return { ...this.st };
  }

  /** Subscribe to status changes (reachability, restart, paths_in_step); returns unsubscribe. */
  onChange(cb: (s: MediaMtxStatus) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Start polling (first check immediately). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stop polling; waits for an in-flight check. No timer is left behind. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Resolves after the first check has completed (either way). */
  firstCheck(): Promise<void> {
    return this.first;
  }

  /** Throws -32050 `dependency: "mediamtx"` while MediaMTX is unreachable. */
  require(): void {
    if (!this.st.reachable) {
      throw dependencyFailed("mediamtx", this.st.last_error ?? "MediaMTX not checked yet");
    }
  }

  /** Check now (e.g. after a camera change): info + reconcile. Resolves when done. */
  async checkNow(): Promise<MediaMtxStatus> {
    if (this.inFlight) await this.inFlight;
    await this.runCheck();
    return this.status();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runCheck().then(() => this.schedule(this.nextDelay()));
    }, ms);
  }

  private runCheck(): Promise<void> {
    const p = this.check().finally(() => {
      if (this.inFlight === p) this.inFlight = null;
      this.firstDone();
    });
    this.inFlight = p;
    return p;
  }

  private nextDelay(): number {
    const { intervalMs, backoffMaxMs } = this.opts;
    return backoffDelay({
      failures: this.st.consecutive_failures,
      intervalMs,
      maxMs: backoffMaxMs,
      random: (this.opts.random ?? Math.random)(),
    });
  }

  private async check(): Promise<void> {
    const { log } = this.opts;
    const before = JSON.stringify([this.st.reachable, this.st.started, this.st.paths_in_step]);
    try {
      const info = await this.opts.client.info();
      const wasDown = !this.st.reachable;
      const restarted = this.st.started !== null && info.started !== this.st.started;
      if (wasDown && this.st.last_check) log.info("mediamtx reachable again", { ...info });
      if (restarted) {
        this.st.restarts_detected++;
        log.warn("mediamtx restart detected; re-applying paths", {
          started: info.started,
          previous: this.st.started,
        });
      }
      Object.assign(this.st, {
        reachable: true,
        version: info.version,
        started: info.started,
        consecutive_failures: 0,
        last_error: null,
      });
      if (restarted) this.st.paths_in_step = false;
      await this.reconcile();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (this.st.reachable || this.st.last_check === null) {
        log.warn("mediamtx unreachable", { error: msg });
      }
      this.st.reachable = false;
      this.st.paths_in_step = false;
      this.st.consecutive_failures++;
      this.st.last_error = msg;
    }
    this.st.last_check = new Date().toISOString();
    const after = JSON.stringify([this.st.reachable, this.st.started, this.st.paths_in_step]);
    if (after !== before) this.emit();
  }

  private async reconcile(): Promise<void> {
    if (!this.opts.reconciler) {
      this.st.paths_in_step = true;
      return;
    }
    try {
      const report = await this.opts.reconciler.reconcile();
      this.st.last_reconcile = report;
      this.st.paths_in_step = report.errors.length === 0;
      if (report.errors.length > 0) {
        this.st.last_error = `reconcile: ${report.errors.map((x) => x.error).join("; ")}`;
      }
    } catch (e) {
      this.st.paths_in_step = false;
      this.st.last_error = `reconcile: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private emit(): void {
    const s = this.status();
    for (const cb of this.listeners) {
      try {
        cb(s);
      } catch (e) {
        this.opts.log.error("mediamtx status listener failed", { error: e });
      }
    }
  }
}

/**
 * Delay before the next check: the interval while up; while down, interval × 2^(failures-1)
 * capped at maxMs, with jitter (50–100 % of that, `random` in [0, 1)).
 */
export function backoffDelay(
  o: { failures: number; intervalMs: number; maxMs: number; random: number },
): number {
  if (o.failures === 0) return o.intervalMs;
  const base = Math.min(o.maxMs, o.intervalMs * 2 ** Math.min(o.failures - 1, 30));
  return Math.max(1, Math.round(base * (0.5 + 0.5 * o.random)));
}
