/**
 * start_streaming / stop_streaming: a keepalive reader (ffmpeg reading the path and discarding
 * it) makes an on-demand MediaMTX path active and holds it for `mediamtx.stream_keepalive`
 * seconds; a repeated start extends the time; stop or expiry kills the reader.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "../observability/log.ts";

export interface KeepaliveOptions {
  /** `ffmpeg.path`. */
  ffmpegPath: string;
  /** Seconds a start keeps the path alive (`mediamtx.stream_keepalive`). */
  keepaliveSec: number;
  /** The RTSP URL the reader opens for a camera id (MediaMTX's own host). */
  urlFor: (id: string) => string;
  /** RTSP transport for the reader (default tcp). */
  rtspTransport?: "tcp" | "udp";
  /** Delay before restarting a reader that exited early, ms (default 2000). */
  restartDelayMs?: number;
  log: Logger;
}

/** One streaming session (what start/stop_streaming report). */
export interface StreamSession {
  id: string;
  startedAt: Date;
  expiresAt: Date;
  /** The reader's pid while it runs. */
  pid: number | null;
  /** How many times the reader was (re)started. */
  starts: number;
}

interface Live extends StreamSession {
  child: ChildProcess | null;
  expiry: ReturnType<typeof setTimeout>;
  restart: ReturnType<typeof setTimeout> | null;
  closed: Promise<void>;
}

/** Keepalive readers by camera id. */
export class StreamKeepalive {
  #live = new Map<string, Live>();
  constructor(private opts: KeepaliveOptions) {}

  /** The active session of `id`, if any. */
  get(id: string): StreamSession | undefined {
    const s = this.#live.get(id);
    return s && this.#public(s);
  }

  /**
   * Starts (or extends) the session of `id`. Rejects when ffmpeg cannot be started; the
   * session is then not kept.
   */
  async start(id: string): Promise<{ session: StreamSession; extended: boolean }> {
    const ms = this.opts.keepaliveSec * 1000;
    const cur = this.#live.get(id);
    if (cur) {
      clearTimeout(cur.expiry);
      cur.expiresAt = new Date(Date.now() + ms);
      cur.expiry = setTimeout(() => void this.stop(id, "expired"), ms);
      if (!cur.child && !cur.restart) await this.#spawn(cur);
      return { session: this.#public(cur), extended: true };
    }
    const s: Live = {
      id,
      startedAt: new Date(),
      expiresAt: new Date(Date.now() + ms),
      pid: null,
      starts: 0,
      child: null,
      restart: null,
      closed: Promise.resolve(),
      expiry: setTimeout(() => void this.stop(id, "expired"), ms),
    };
    this.#live.set(id, s);
    try {
      await this.#spawn(s);
    } catch (err) {
      clearTimeout(s.expiry);
      this.#live.delete(id);
      throw err;
    }
    return { session: this.#public(s), extended: false };
  }

  /** Ends the session of `id` (kills the reader). Returns it, or null when none was active. */
  async stop(
    id: string,
    why: "request" | "expired" | "shutdown" | "camera gone" = "request",
  ): Promise<StreamSession | null> {
    const s = this.#live.get(id);
    if (!s) return null;
    this.#live.delete(id);
    clearTimeout(s.expiry);
    if (s.restart) clearTimeout(s.restart);
    s.child?.kill("SIGTERM");
    const killer = setTimeout(() => s.child?.kill("SIGKILL"), 2000);
    await s.closed;
    clearTimeout(killer);
    this.opts.log.info("stream keepalive ended", { device: id, why });
    return this.#public(s);
  }

  /** Ends every session (shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#live.keys()].map((id) => this.stop(id, "shutdown")));
  }

  #public(s: Live): StreamSession {
    return {
      id: s.id,
      startedAt: s.startedAt,
      expiresAt: s.expiresAt,
      pid: s.pid,
      starts: s.starts,
    };
  }

  #spawn(s: Live): Promise<void> {
    const args = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-rtsp_transport",
      this.opts.rtspTransport ?? "tcp",
      "-i",
      this.opts.urlFor(s.id),
      "-c",
      "copy",
      "-f",
      "null",
      "-",
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(this.opts.ffmpegPath, args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (d: string) => stderr = (stderr + d).slice(-500));
      let done!: () => void;
      s.closed = new Promise((r) => done = r);
      child.once("spawn", () => {
        s.child = child;
        s.pid = child.pid ?? null;
        s.starts++;
        this.opts.log.info("stream keepalive reader started", { device: s.id, pid: s.pid });
        resolve();
      });
      let failed = false;
      child.once("error", (err) => {
        failed = true;
        s.child = null;
        s.pid = null;
        done();
        reject(err);
      });
      child.once("close", (code, signal) => {
        s.child = null;
        s.pid = null;
        done();
        if (failed || this.#live.get(s.id) !== s) return;
        this.opts.log.warn("stream keepalive reader exited early; restarting", {
          device: s.id,
          code,
          signal,
          stderr: stderr.trim(),
        });
        s.restart = setTimeout(() => {
          s.restart = null;
          if (this.#live.get(s.id) === s) {
            this.#spawn(s).catch((err) => {
              this.opts.log.error("stream keepalive reader cannot restart", {
                device: s.id,
                error: err as Error,
              });
            });
          }
        }, this.opts.restartDelayMs ?? 2000);
      });
    });
  }
}
