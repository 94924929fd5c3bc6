/** Runs a short-lived tool (v4l2-ctl, ffprobe) with a hard timeout; no shell. */
import { spawn } from "node:child_process";

/** The outcome of one run. A spawn failure (ENOENT, EACCES) rejects instead. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Output kept per stream; the rest is dropped (v4l2-ctl/ffprobe answers are small). */
const MAX_OUTPUT = 256 * 1024;

/**
 * Runs `cmd args` and collects its output. After `timeoutMs` the process is killed (SIGKILL)
 * and the result says `timedOut`. Rejects with the spawn error when the binary can't start.
 */
export function runTool(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d;
    });
    child.stderr!.on("data", (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, Math.max(1, timeoutMs));
    child.on("error", (err) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** True when `err` is a spawn failure because the binary does not exist. */
export const isNotFound = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === "ENOENT";

/** The last non-empty line of tool output, trimmed to a readable length (for reasons/logs). */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const line = lines[lines.length - 1] ?? "";
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}
