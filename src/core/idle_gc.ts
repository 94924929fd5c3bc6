/**
 * One full garbage collection once start-up is over and the service is idle.
 *
 * Start-up (module loading, TLS set-up, camera discovery and probing, the first MediaMTX check)
 * leaves several MB of garbage in the V8 heap. An idle service allocates too little to trigger a
 * collection, so the heap and the process's RSS stay that high until V8's memory reducer gets
 * to it, about half a minute later (measured: 74 MB at the 1 s mark under `deno run` with 16
 * cameras, 68 MB after this one collection; see bench/ANALYSIS.md "Idle RSS after start").
 *
 * The collection pauses the event loop (35–90 ms measured on the bench box), so it runs only
 * after a quiet window without new connections, calls or HTTP requests, never under load; if
 * the service stays busy it gives up and leaves the job to V8. It runs at most once.
 *
 * Only under Deno: there the collection also shrinks the heap (V8 15: heap 18.7 -> 11.4 MB,
 * RSS -6 MB). Under Node 20 (V8 11.3, the single executable) a forced collection gives nothing
 * back (heap total 15.4 -> 20.1 MB, RSS +0.4 MB measured), so it is skipped there.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import process from "node:process";
import type { Logger } from "../observability/log.ts";

/** Outcome of the scheduled collection. */
export type IdleGcResult = "collected" | "busy" | "unavailable" | "cancelled" | "not useful";

/** Options of {@link scheduleIdleGc}. */
export interface IdleGcOptions {
  /** Resolves (or rejects) when start-up work is done; the quiet window starts then. */
  afterStartup: Promise<unknown>;
  /** A counter that changes on every connection and call; unchanged over a window = idle. */
  activity: () => number;
  log: Logger;
  /** Length of the quiet window (default 200 ms). */
  quietMs?: number;
  /** Windows to try before giving up as busy (default 25, i.e. 5 s of default windows). */
  maxWindows?: number;
  /** Whether a collection gives memory back here (default {@link forcedGcShrinksHeap}). */
  useful?: boolean;
  /** The collector (default {@link fullGc}); tests pass a counter. */
  collect?: () => boolean;
}

/** A scheduled idle collection. */
export interface IdleGcHandle {
  /** Resolves with what happened. */
  readonly done: Promise<IdleGcResult>;
  /** Cancels it if it has not run yet (service stop); clears its timer. */
  cancel(): void;
}

/**
 * Runs a full, synchronous V8 collection. Works under Deno and Node: the `gc` function only
 * exists in contexts created while `--expose-gc` is set, so the flag is set for the time it
 * takes to create one small context, then restored. Returns false when the runtime has no way.
 */
export function fullGc(): boolean {
  const own = (globalThis as { gc?: () => void }).gc; // started with --expose-gc
  if (typeof own === "function") {
    own();
    return true;
  }
  let gc: unknown;
  try {
    setFlagsFromString("--expose-gc");
    try {
      gc = runInNewContext("gc");
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  } catch {
    return false;
  }
  if (typeof gc !== "function") return false;
  gc();
  return true;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

/** True where a forced full collection was measured to give memory back: under Deno. */
export function forcedGcShrinksHeap(): boolean {
  return typeof process.versions.deno === "string";
}

/** Schedules the one collection after start-up, at the first quiet window. */
export function scheduleIdleGc(opts: IdleGcOptions): IdleGcHandle {
  const quietMs = opts.quietMs ?? 200;
  const maxWindows = opts.maxWindows ?? 25;
  const collect = opts.collect ?? fullGc;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let finish!: (r: IdleGcResult) => void;
  let finished = false;
  const done = new Promise<IdleGcResult>((resolve) => {
    finish = (r) => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      resolve(r);
    };
  });
  const window = (n: number, seen: number) => {
    timer = setTimeout(() => {
      timer = null;
      const now = opts.activity();
      if (now !== seen) {
        if (n + 1 >= maxWindows) {
          opts.log.debug("idle gc skipped: service busy since start-up");
          finish("busy");
        } else window(n + 1, now);
        return;
      }
      const before = getHeapStatistics().used_heap_size;
      const t0 = performance.now();
      const ok = collect();
      opts.log.debug(ok ? "idle gc done" : "idle gc unavailable", {
        ms: Math.round(performance.now() - t0),
        heap_used_mb: [before, getHeapStatistics().used_heap_size].map((b) => mb(b)),
      });
      finish(ok ? "collected" : "unavailable");
    }, quietMs);
  };
  const begin = () => {
    if (finished) return;
    if (opts.useful ?? forcedGcShrinksHeap()) window(0, opts.activity());
    else {
      opts.log.debug("idle gc skipped: a forced GC gives no memory back on this runtime");
      finish("not useful");
    }
  };
  opts.afterStartup.then(begin, begin);
  return { done, cancel: () => finish("cancelled") };
}
