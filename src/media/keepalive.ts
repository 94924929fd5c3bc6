/**
 * Keeps an on-demand MediaMTX path active: one ffmpeg reader that reads the RTSP stream and
 * throws it away (`-c copy -f null`). It is restarted with backoff when it exits (the source may
 * take a while to come up) until {@link Keepalive.stop}. Used while recording an on-demand path
 * and by start_streaming sessions (src/cameras/keepalive.ts).
 */
import type { Logger } from "../observability/log.ts";
import { lastLine } from "../util/process.ts";
import { killGroup, spawnTool, type ToolChild } from "../util/spawn.ts";
import { keepaliveArgs, type RtspTransport } from "./ffmpeg_args.ts";

/** Options of {@link Keepalive}. */
export interface KeepaliveOptions {
  ffmpegPath: string;
  url: string;
  transport: RtspTransport;
  log?: Logger;
  /** Names the reader in log lines (default "recording keepalive"). */
  name?: string;
  /** First restart delay (ms, default 1000), doubled up to `maxBackoffMs` (default 10000). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** One restarting reader process (its own process group, killed as a group). */
export class Keepalive {
  #child: ToolChild | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  #delay: number;
  #exited: Promise<void> = Promise.resolve();
  /** How many times a reader process was started. */
  starts = 0;

  constructor(private readonly opts: KeepaliveOptions) {
    this.#delay = opts.backoffMs ?? 1000;
  }

  /**
   * Start reading (idempotent: a no-op while a reader runs, a restart is pending, or after
   * {@link stop}). Resolves once the process runs; rejects with the spawn error (ENOENT, ...)
   * when it cannot start, in which case a retry is still scheduled until {@link stop}.
   * Callers may ignore the promise: its rejection is handled.
   */
  start(): Promise<void> {
    if (this.#child || this.#timer || this.#stopped) return Promise.resolve();
    const started = this.#spawn();
    started.catch(() => {}); // the exit handler logs and schedules the retry
    return started;
  }

  #spawn(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return Promise.resolve();
    const { ffmpegPath, url, transport, log } = this.opts;
    const name = this.opts.name ?? "recording keepalive";
    const startedAt = Date.now();
    const child = spawnTool(ffmpegPath, keepaliveArgs(url, transport), {
      group: true,
      stdout: false,
      stderr: true,
    });
    this.#child = child;
    let stderr = "";
    const decoder = new TextDecoder();
    child.on("stderr", (c: Uint8Array) => {
      stderr = (stderr + decoder.decode(c, { stream: true })).slice(-500);
    });
    return new Promise((resolveStart, rejectStart) => {
      child.once("spawn", () => {
        this.starts++;
        log?.info(`${name} reader started`, { pid: child.pid });
        resolveStart();
      });
      this.#exited = new Promise((resolve) => {
        const done = (why: string) => {
          if (this.#child !== child) return resolve();
          this.#child = null;
          if (!this.#stopped) {
            // A reader that ran a while resets the backoff.
            if (Date.now() - startedAt > 30_000) this.#delay = this.opts.backoffMs ?? 1000;
            log?.warn(`${name} reader exited early; restarting`, {
              why,
              stderr: lastLine(stderr),
              retry_ms: this.#delay,
            });
            this.#timer = setTimeout(() => void this.#spawn().catch(() => {}), this.#delay);
            this.#delay = Math.min(this.#delay * 2, this.opts.maxBackoffMs ?? 10_000);
          }
          resolve();
        };
        child.on("error", (e: Error) => {
          rejectStart(e);
          done(e.message);
        });
        child.on("close", (code: number | null, sig: string | null) => done(`exit ${code ?? sig}`));
      });
    });
  }

  /** Whether a reader process is running now. */
  get running(): boolean {
    return this.#child !== null;
  }

  /** The running reader's pid, or null. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Stop the reader (SIGTERM to its group, SIGKILL after 2 s) and wait until it is gone. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const child = this.#child;
    if (!child) return;
    const kill = (sig: "SIGTERM" | "SIGKILL") => {
      if (child.pid !== undefined) killGroup(child.pid, sig);
    };
    // Not running yet (the spawn helper has not reported its pid): stop it once it runs.
    if (child.pid === undefined) child.once("spawn", () => kill("SIGTERM"));
    kill("SIGTERM");
    const force = setTimeout(() => kill("SIGKILL"), 2000);
    await this.#exited;
    clearTimeout(force);
  }
}
