/**
 * Server-side figures read from Linux /proc: CPU time (utime + stime, all threads) and
 * resident memory of a process, by pid. Used for the fair server figure, µs of CPU per message.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every Linux we target). */
const CLK_TCK = 100;

/** CPU time (user + system) of a process in microseconds, or null if it is gone. */
export function cpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1e6) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Memory of a process from /proc/<pid>/status, in MB: current RSS and peak (VmHWM). */
export function memoryMB(pid: number): { rss_mb: number; peak_mb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1]);
    return { rss_mb: round1(kb("VmRSS") / 1024), peak_mb: round1(kb("VmHWM") / 1024) };
  } catch {
    return null;
  }
}

/** Machine description for reports: core count and CPU model name. */
export function machine(): { nproc: number; model: string; kernel: string } {
  let model = "unknown";
  let nproc = 0;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    model = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? model;
    nproc = info.match(/^processor\s*:/gm)?.length ?? 0;
  } catch { /* not Linux */ }
  let kernel = "unknown";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch { /* not Linux */ }
  return { nproc, model, kernel };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
