/**
 * Keeps an on-demand MediaMTX path alive while it records: one ffmpeg reader per path that
 * reads the RTSP stream and throws it away (`-c copy -f null`). It is restarted with backoff
 * when it exits (the source may take a while to come up) until {@link Keepalive.stop}.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "../observability/log.ts";
import { keepaliveArgs, type RtspTransport } from "./ffmpeg_args.ts";

/** Options of {@link Keepalive}. */
export interface KeepaliveOptions {
  ffmpegPath: string;
  url: string;
  transport: RtspTransport;
  log?: Logger;
  /** First restart delay (ms, default 1000), doubled up to `maxBackoffMs` (default 10000). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** One restarting reader process (its own process group, killed as a group). */
export class Keepalive {
  #child: ChildProcess | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  #delay: number;
  #exited: Promise<void> = Promise.resolve();
  /** How many times the reader was started. */
  starts = 0;

  constructor(private readonly opts: KeepaliveOptions) {
    this.#delay = opts.backoffMs ?? 1000;
  }

  /** Start reading (idempotent). */
  start(): void {
    if (this.#child || this.#timer || this.#stopped) return;
    this.#spawn();
  }

  #spawn(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const { ffmpegPath, url, transport, log } = this.opts;
    const startedAt = Date.now();
    this.starts++;
    const child = spawn(ffmpegPath, keepaliveArgs(url, transport), {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.#child = child;
    let lastErr = "";
    child.stderr!.on("data", (c: Uint8Array) => {
      lastErr = new TextDecoder().decode(c).trim().split("\n").pop() ?? lastErr;
    });
    this.#exited = new Promise((resolve) => {
      const done = (why: string) => {
        if (this.#child !== child) return resolve();
        this.#child = null;
        if (!this.#stopped) {
          // A reader that ran a while resets the backoff.
          if (Date.now() - startedAt > 30_000) this.#delay = this.opts.backoffMs ?? 1000;
          log?.warn("recording keepalive reader exited; restarting", { why, detail: lastErr });
          this.#timer = setTimeout(() => this.#spawn(), this.#delay);
          this.#delay = Math.min(this.#delay * 2, this.opts.maxBackoffMs ?? 10_000);
        }
        resolve();
      };
      child.on("error", (e) => done(e.message));
      child.on("close", (code, sig) => done(`exit ${code ?? sig}`));
    });
  }

  /** Whether a reader process is running now. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** Stop the reader (SIGTERM to its group, SIGKILL after 2 s) and wait until it is gone. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    const kill = (sig: "SIGTERM" | "SIGKILL") => {
      try {
        process.kill(-child.pid!, sig);
      } catch { /* gone */ }
    };
    kill("SIGTERM");
    const force = setTimeout(() => kill("SIGKILL"), 2000);
    await this.#exited;
    clearTimeout(force);
  }
}
