/** The `/health/mediamtx` summary, built from the monitor's status. */
import type { MediaMtxStatus } from "./monitor.ts";

/** Body of `/health/mediamtx`. */
export interface MediaMtxHealth extends Omit<MediaMtxStatus, "last_reconcile"> {
  [detail: string]: unknown;
  component: "mediamtx";
  /** healthy: reachable and paths in step. degraded: unreachable, not checked yet, or paths not
   * in step (the service keeps running without MediaMTX). "unhealthy" belongs to the shared health
   * shape; MediaMTX problems alone never produce it. */
  status: "healthy" | "degraded" | "unhealthy";
  /** Counts of the last reconcile pass, or null before the first one. */
  last_reconcile: {
    created: number;
    updated: number;
    deleted: number;
    unchanged: number;
    errors: number;
  } | null;
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
    ...s,
    component: "mediamtx",
    status,
    last_reconcile: r
      ? {
        created: r.created.length,
        updated: r.updated.length,
        deleted: r.deleted.length,
        unchanged: r.unchanged.length,
        errors: r.errors.length,
      }
      : null,
    reason,
  };
}
