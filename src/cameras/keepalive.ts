/**
 * start_streaming / stop_streaming: a keepalive reader (the media module's {@link Keepalive}:
 * ffmpeg reading the path and discarding it, in its own process group) makes an on-demand
 * MediaMTX path active and holds it for `mediamtx.stream_keepalive` seconds; a repeated start
 * extends the time; stop or expiry kills the reader's process group.
 */
import { Keepalive } from "../media/keepalive.ts";
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
  /** Delay before restarting a reader that exited early (or could not start), ms (default 2000). */
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

interface Live {
  id: string;
  startedAt: Date;
  expiresAt: Date;
  reader: Keepalive;
  expiry: ReturnType<typeof setTimeout>;
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
      return { session: this.#public(cur), extended: true };
    }
    const s: Live = {
      id,
      startedAt: new Date(),
      expiresAt: new Date(Date.now() + ms),
      reader: new Keepalive({
        ffmpegPath: this.opts.ffmpegPath,
        url: this.opts.urlFor(id),
        transport: this.opts.rtspTransport ?? "tcp",
        log: this.opts.log.child({ device: id }),
        name: "stream keepalive",
        backoffMs: this.opts.restartDelayMs ?? 2000,
        maxBackoffMs: this.opts.restartDelayMs ?? 2000,
      }),
      expiry: setTimeout(() => void this.stop(id, "expired"), ms),
    };
    this.#live.set(id, s);
    try {
      await s.reader.start();
    } catch (err) {
      clearTimeout(s.expiry);
      if (this.#live.get(id) === s) this.#live.delete(id);
      await s.reader.stop();
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
    await s.reader.stop();
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
      pid: s.reader.pid,
      starts: s.reader.starts,
    };
  }
}
