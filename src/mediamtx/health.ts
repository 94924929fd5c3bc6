/** The `/health/mediamtx` summary, built from the monitor's status. */
import type { MediaMtxStatus } from "./monitor.ts";

/** Body of `/health/mediamtx`. */
export interface MediaMtxHealth {
  [detail: string]: unknown;
  component: "mediamtx";
  /** healthy: reachable and paths in step. degraded: unreachable, not checked yet, or paths not
   * in step (the service keeps running without MediaMTX). "unhealthy" belongs to the shared health
   * shape; MediaMTX problems alone never produce it. */
  status: "healthy" | "degraded" | "unhealthy";
  reachable: boolean;
  version: string | null;
  started: string | null;
  last_error: string | null;
  last_check: string | null;
  consecutive_failures: number;
  paths_in_step: boolean;
  /** Counts of the last reconcile pass, or null before the first one. */
  last_reconcile: {
    created: number;
    updated: number;
    deleted: number;
    unchanged: number;
    errors: number;
  } | null;
  restarts_detected: number;
  /** Human explanation when not healthy. */
  reason: string | null;
}

/** Summarise a monitor status for the health endpoint. MediaMTX down → degraded. */
export function mediamtxHealth(s: MediaMtxStatus): MediaMtxHealth {
  let status: MediaMtxHealth["status"] = "healthy";
  let reason: string | null = null;
  if (!s.reachable) {
    status = "degraded";
    reason = s.last_check === null
      ? "MediaMTX not checked yet"
      : `MediaMTX unreachable: ${s.last_error ?? "unknown error"}`;
  } else if (!s.paths_in_step) {
    status = "degraded";
    reason = `paths not in step${s.last_error ? `: ${s.last_error}` : ""}`;
  }
  const r = s.last_reconcile;
  return {
    component: "mediamtx",
    status,
    reachable: s.reachable,
    version: s.version,
    started: s.started,
    last_error: s.last_error,
    last_check: s.last_check,
    consecutive_failures: s.consecutive_failures,
    paths_in_step: s.paths_in_step,
    last_reconcile: r
      ? {
        created: r.created.length,
        updated: r.updated.length,
        deleted: r.deleted.length,
        unchanged: r.unchanged.length,
        errors: r.errors.length,
      }
      : null,
    restarts_detected: s.restarts_detected,
    reason,
  };
}
