/**
 * External RTSP streams (e.g. UAV video): registered by clients or found by probing the
 * configured candidate URLs with ffprobe (bounded time, bounded concurrency), keyed by URL.
 * URLs are shown with credentials masked.
 */
import type { Config } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import { isNotFound, lastLine, runProcess } from "../util/process.ts";
import { redactUrl } from "./model.ts";

/** What ffprobe saw on a stream. */
export interface StreamProbe {
  ok: boolean;
  error?: string;
  capabilities?: { codec: string; width?: number; height?: number; fps?: number };
}

/** Probes one URL within `timeoutSec`. */
export type ProbeFn = (url: string, timeoutSec: number) => Promise<StreamProbe>;

/** The contract's `ExternalStream` (url masked). */
export interface ExternalStreamView {
  url: string;
  type: string;
  name: string;
  status?: "DISCOVERED" | "ERROR";
  discovered_at?: string;
  last_seen?: string;
  capabilities?: Record<string, unknown>;
}

interface Entry {
  url: string;
  type: string;
  name: string;
  origin: "added" | "candidate";
  status?: "DISCOVERED" | "ERROR";
  discovered_at?: string;
  last_seen?: string;
  probed_at?: number;
  error?: string;
  capabilities?: StreamProbe["capabilities"];
}

export interface DiscoverOptions {
  skydio_enabled: boolean;
  generic_enabled: boolean;
  force_rescan: boolean;
  include_offline: boolean;
}

/** The contract's `ExternalStreamDiscoveryResult`. */
export interface DiscoveryResult {
  discovered_streams: ExternalStreamView[];
  skydio_streams: ExternalStreamView[];
  generic_streams: ExternalStreamView[];
  scan_timestamp: string;
  total_found: number;
  discovery_options: DiscoverOptions;
  scan_duration: string;
  errors: string[];
}

/** Results younger than this are reused unless `force_rescan`. */
const REUSE_MS = 30_000;
const CONCURRENCY = 4;

/**
 * "skydio" for the Skydio RTSP layout (port 5554, /subject or /infrared), else "generic_rtsp".
 * A heuristic: candidates carry no type in the config.
 */
export function classify(url: string): string {
  try {
    const u = new URL(url);
    return u.port === "5554" && /^\/(subject|infrared)\/?$/.test(u.pathname)
      ? "skydio"
      : "generic_rtsp";
  } catch {
    return "generic_rtsp";
  }
}

/** ffprobe-based probe: the first video stream's codec, size and frame rate. */
export function ffprobeProbe(ffprobePath: string): ProbeFn {
  return async (url, timeoutSec) => {
    // No -rtsp_transport: ffmpeg tries UDP, then TCP, which suits any server.
    const args = [
      "-v",
      "error",
      "-timeout",
      String(Math.round(timeoutSec * 1e6)),
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,width,height,avg_frame_rate",
      "-of",
      "json",
      url,
    ];
    try {
      const r = await runProcess(ffprobePath, args, {
        timeoutMs: timeoutSec * 1000,
        maxOutputBytes: 256 * 1024, // room for a long format list
      });
      if (r.timedOut) return { ok: false, error: `no answer within ${timeoutSec}s` };
      if (r.code !== 0) {
        return { ok: false, error: redactUrl(lastLine(r.stderr)) || `ffprobe exit ${r.code}` };
      }
      const s = (JSON.parse(r.stdout).streams ?? [])[0];
      if (!s) return { ok: false, error: "no video stream" };
      const [num, den] = String(s.avg_frame_rate ?? "0/0").split("/").map(Number);
      const caps: NonNullable<StreamProbe["capabilities"]> = { codec: String(s.codec_name) };
      if (s.width > 0 && s.height > 0) Object.assign(caps, { width: s.width, height: s.height });
      if (num > 0 && den > 0) caps.fps = Math.round((num / den) * 100) / 100;
      return { ok: true, capabilities: caps };
    } catch (err) {
      if (isNotFound(err)) return { ok: false, error: `ffprobe not found (${ffprobePath})` };
      return { ok: false, error: (err as Error).message };
    }
  };
}

export interface ExternalStreamsOptions {
  config: Pick<Config, "external_streams" | "ffmpeg">;
  log: Logger;
  /** Replaces ffprobe (tests). */
  probe?: ProbeFn;
}

/** The set of external streams and the periodic scan. */
export class ExternalStreams {
  #entries = new Map<string, Entry>();
  #interval: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #inflight = new Set<Promise<unknown>>();
  #timerBusy = false;
  #probe: ProbeFn;

  constructor(private opts: ExternalStreamsOptions) {
    this.#interval = opts.config.external_streams.scan_interval;
    this.#probe = opts.probe ?? ffprobeProbe(opts.config.ffmpeg.ffprobe_path);
  }

  /** Starts the periodic scan (when the interval is > 0). */
  start(): void {
    this.#arm();
  }

  /** Stops the periodic scan and waits for a running one. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#inflight]);
  }

  /** Seconds between automatic scans (0 = on demand only). */
  get scanInterval(): number {
    return this.#interval;
  }

  /** Changes the automatic scan interval and restarts the timer. */
  setScanInterval(seconds: number): void {
    this.#interval = seconds;
    this.#arm();
  }

  /** Registered and discovered streams (never-reachable candidates left out). */
  list(): ExternalStreamView[] {
    return [...this.#entries.values()]
      .filter((e) => e.origin === "added" || e.discovered_at)
      .map(view);
  }

  /** Registers a stream (or renames/retypes an existing one). */
  add(url: string, name: string, type: string): ExternalStreamView {
    const cur = this.#entries.get(url);
    const e: Entry = cur
      ? { ...cur, name, type, origin: "added" }
      : { url, name, type, origin: "added" };
    this.#entries.set(url, e);
    this.opts.log.info("external stream added", { url: redactUrl(url), type });
    return view(e);
  }

  /** Removes a stream by its URL (as added, or as listed with credentials masked). */
  remove(url: string): boolean {
    const key = this.#entries.has(url)
      ? url
      : [...this.#entries.keys()].find((k) => redactUrl(k) === url);
    if (key === undefined) return false;
    this.#entries.delete(key);
    this.opts.log.info("external stream removed", { url: redactUrl(key) });
    return true;
  }

  /** Probes the enabled candidate classes and the registered streams. */
  async discover(o: DiscoverOptions): Promise<DiscoveryResult> {
    const t0 = performance.now();
    const urls = new Set<string>();
    for (const c of this.opts.config.external_streams.candidates) {
      const type = classify(c);
      if (type === "skydio" ? o.skydio_enabled : o.generic_enabled) urls.add(c);
    }
    for (const e of this.#entries.values()) if (e.origin === "added") urls.add(e.url);
    const todo = [...urls].filter((u) => {
      const e = this.#entries.get(u);
      return o.force_rescan || !e?.probed_at || Date.now() - e.probed_at > REUSE_MS;
    });
    await this.#track(this.#probeAll(todo));
    const seen = [...urls].map((u) => this.#entries.get(u)!).filter(Boolean);
    const shown = seen.filter((e) => o.include_offline || e.status === "DISCOVERED").map(view);
    return {
      discovered_streams: shown,
      skydio_streams: shown.filter((s) => s.type === "skydio"),
      generic_streams: shown.filter((s) => s.type !== "skydio"),
      scan_timestamp: new Date().toISOString(),
      total_found: seen.filter((e) => e.status === "DISCOVERED").length,
      discovery_options: o,
      scan_duration: `${((performance.now() - t0) / 1000).toFixed(3)}s`,
      errors: seen.filter((e) => e.status === "ERROR").map((e) =>
        `${redactUrl(e.url)}: ${e.error}`
      ),
    };
  }

  async #probeAll(urls: string[]): Promise<void> {
    const timeout = this.opts.config.external_streams.probe_timeout;
    const queue = [...urls];
    const worker = async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        const r = await this.#probe(url, timeout);
        const now = new Date().toISOString();
        const e = this.#entries.get(url) ??
          { url, type: classify(url), name: defaultName(url), origin: "candidate" as const };
        e.probed_at = Date.now();
        e.status = r.ok ? "DISCOVERED" : "ERROR";
        e.error = r.error;
        if (r.ok) {
          e.discovered_at ??= now;
          e.last_seen = now;
          e.capabilities = r.capabilities;
        }
        this.#entries.set(url, e);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, urls.length) }, worker));
  }

  #arm(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#interval <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#timerBusy) return;
      this.#timerBusy = true;
      const all = {
        skydio_enabled: true,
        generic_enabled: true,
        force_rescan: true,
        include_offline: true,
      };
      void this.#track(
        this.discover(all)
          .catch((err) =>
            this.opts.log.error("external stream scan failed", { error: err as Error })
          )
          .then(() => this.#timerBusy = false),
      );
    }, this.#interval * 1000);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const done = () => this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }
}

function defaultName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? ":" + u.port : ""}${u.pathname}`;
  } catch {
    return redactUrl(url);
  }
}

function view(e: Entry): ExternalStreamView {
  const v: ExternalStreamView = { url: redactUrl(e.url), type: e.type, name: e.name };
  if (e.status) v.status = e.status;
  if (e.discovered_at) v.discovered_at = e.discovered_at;
  if (e.last_seen) v.last_seen = e.last_seen;
  if (e.capabilities) v.capabilities = { ...e.capabilities };
  return v;
}
