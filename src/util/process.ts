/**
 * Runs an external tool (ffmpeg, ffprobe, v4l2-ctl) with a hard timeout. The child gets its own process
 * group, so a timeout or abort kills the tool AND everything it spawned (SIGTERM, then SIGKILL
 * after a grace period). Output capture is bounded: only the last `maxOutputBytes` are kept.
 */
import { killGroup, spawnTool } from "./spawn.ts";

/** Result of {@link runProcess}. */
export interface ProcessResult {
  /** Exit code; null when the process was ended by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The timeout fired and the process group was killed. */
  timedOut: boolean;
  /** The caller's AbortSignal fired and the process group was killed. */
  aborted: boolean;
}

/** Options of {@link runProcess}. */
export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  cwd?: string;
  /** Tail of stdout/stderr kept, each (default 64 KiB). */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL (default 1500 ms). */
  killGraceMs?: number;
  /**
   * Run the tool in a process group of its own (default true), so a kill reaches what it
   * spawned. false is for tools that spawn nothing (v4l2-ctl): under Deno a new group costs
   * ~12 ms of blocked event loop per spawn (fork) instead of ~3 ms, which a box probing 16
   * cameras at start pays 48 times while its first clients handshake.
   */
  processGroup?: boolean;
}

/** The executable does not exist (ENOENT) or may not be executed (EACCES). */
export class ToolMissingError extends Error {
  /** The spawn error's code ("ENOENT", "EACCES"), when the cause carried one. */
  readonly code: string | undefined;
  constructor(readonly tool: string, readonly path: string, cause?: unknown) {
    const code = (cause as { code?: string } | null | undefined)?.code;
    super(
      code === "EACCES" ? `${tool} at ${path} may not be executed` : `${tool} not found at ${path}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = "ToolMissingError";
    this.code = code;
  }
}

/** True when `err` is a spawn failure because the executable does not exist (ENOENT). */
export const isNotFound = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === "ENOENT";

/** The last non-empty line of tool output, trimmed to a readable length (for reasons/logs). */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const line = lines[lines.length - 1] ?? "";
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}

/** Keeps the last `max` bytes written to it. */
class Tail {
  #chunks: Uint8Array[] = [];
  #size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    // Drop a chunk only while the rest still holds `max` bytes: a small last chunk must not
    // leave fewer than `max` bytes behind.
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0].length >= this.max) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }
  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) all.set(c, (at += c.length) - c.length);
    const start = Math.max(0, this.#size - this.max);
    return new TextDecoder().decode(all.subarray(start));
  }
}

/** Short name of a tool path for messages ("/usr/bin/ffmpeg" → "ffmpeg"). */
export function toolName(cmd: string): string {
  return cmd.split("/").pop() || cmd;
}

/**
 * Run `cmd args` to completion or until the timeout/abort. Rejects only with
 * {@link ToolMissingError} (or another spawn error); a non-zero exit is a normal result.
 */
export function runProcess(cmd: string, args: string[], opts: RunOptions): Promise<ProcessResult> {
  const max = opts.maxOutputBytes ?? 64 * 1024;
  const grace = opts.killGraceMs ?? 1500;
  const group = opts.processGroup ?? true;
  return new Promise((resolve, reject) => {
    const out = new Tail(max), err = new Tail(max);
    let timedOut = false, aborted = false, settled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const child = spawnTool(cmd, args, { cwd: opts.cwd, group, stdout: true, stderr: true });
    let ending = false;
    const terminate = () => {
      ending = true;
      // Before `spawn` the pid is not known yet (the spawn helper reports it): kill on spawn.
      if (child.pid === undefined || killTimer) return;
      killGroup(child.pid, "SIGTERM", group);
      killTimer = setTimeout(() => killGroup(child.pid!, "SIGKILL", group), grace);
    };
    child.once("spawn", () => ending && terminate());
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    child.on("stdout", (c: Uint8Array) => out.push(c));
    child.on("stderr", (c: Uint8Array) => err.push(c));
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (killTimer) clearTimeout(killTimer);
      // Lost after it started (the spawn helper died): nothing it spawned may outlive it.
      if (group && child.pid !== undefined) killGroup(child.pid, "SIGKILL");
      reject(
        e.code === "ENOENT" || e.code === "EACCES"
          ? new ToolMissingError(toolName(cmd), cmd, e)
          : e,
      );
    });
    child.on("close", (code: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      cleanup();
      // The leader is gone; make sure nothing it spawned outlives it.
      if (group && child.pid !== undefined) killGroup(child.pid, "SIGKILL");
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, signal, stdout: out.text(), stderr: err.text(), timedOut, aborted });
    });
  });
}
