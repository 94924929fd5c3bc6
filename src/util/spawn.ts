/**
 * Starting external tools (ffmpeg, ffprobe, v4l2-ctl): one small interface, two ways.
 *
 * - Directly, with node:child_process.
 * - Through the spawn helper (src/util/spawn_helper.ts), a small long-lived process that starts
 *   the children for the service and forks only itself (a few MB).
 *
 * Why: Node (the single executable) starts every child with fork(), and so does Deno for a
 * child in a process group of its own (snapshots, recording readers). After each fork the first
 * write to every page of the service's memory takes a copy-on-write fault: on this bench machine
 * 60 MB of touched memory cost 220-240 ms of faults after one spawn, against 0.5-11 ms through
 * the helper (`deno run -A bench/spawn_cost.ts`); a notification fan-out right after a probe was
 * 4.6 times slower (bench/ANALYSIS.md).
 *
 * `serve` turns the helper on with {@link useSpawnHelper}; everything else spawns directly.
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";

/** Options of {@link spawnTool}. */
export interface SpawnToolOptions {
  cwd?: string;
  /** A process group of its own (so a kill of -pid reaches everything it started). */
  group: boolean;
  /** Capture the child's stdout ("stdout" events); otherwise it goes to /dev/null. */
  stdout: boolean;
  /** Capture the child's stderr ("stderr" events); otherwise it goes to /dev/null. */
  stderr: boolean;
}

/**
 * A started tool. Events, like node's ChildProcess: `spawn` (running, `pid` set), `error`
 * (could not start: an Error with `code` such as ENOENT/EACCES; or the helper was lost),
 * `stdout` / `stderr` (Uint8Array chunks), `close` (code, signal) once it exited and its
 * output pipes are closed. The stdin of a tool is /dev/null.
 */
export interface ToolChild extends EventEmitter {
  /** The tool's pid once `spawn` fired. */
  readonly pid: number | undefined;
}

/** Starts tools for {@link spawnTool} when the helper is on (src/util/spawn_helper.ts). */
export interface ToolSpawner {
  spawn(cmd: string, args: readonly string[], opts: SpawnToolOptions): ToolChild;
}

let spawner: ToolSpawner | null = null;

/** Start `cmd args`: through the spawn helper when one is set, otherwise directly. */
export function spawnTool(cmd: string, args: readonly string[], opts: SpawnToolOptions): ToolChild {
  return spawner ? spawner.spawn(cmd, args, opts) : spawnDirect(cmd, args, opts);
}

/** Route {@link spawnTool} through `helper` (null: back to direct spawning). */
export function useSpawnHelper(helper: ToolSpawner | null): void {
  spawner = helper;
}

/** The spawner in use, or null for direct spawning. */
export function currentSpawnHelper(): ToolSpawner | null {
  return spawner;
}

/** The {@link ToolChild} both ways hand out; `group` as in {@link SpawnToolOptions}. */
export class SpawnedTool extends EventEmitter implements ToolChild {
  pid: number | undefined;
  constructor(readonly group: boolean) {
    super();
  }
}

/** Kill a process group (or one process); ignores one that is already gone. */
export function killGroup(pid: number, sig: "SIGTERM" | "SIGKILL", group = true): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch { /* already gone */ }
}

/** Start a tool with node:child_process in this process (see the module comment). */
export function spawnDirect(
  cmd: string,
  args: readonly string[],
  opts: SpawnToolOptions,
): ToolChild {
  const out = new SpawnedTool(opts.group);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    detached: opts.group,
    stdio: ["ignore", opts.stdout ? "pipe" : "ignore", opts.stderr ? "pipe" : "ignore"],
  });
  child.once("spawn", () => {
    out.pid = child.pid;
    out.emit("spawn");
  });
  child.stdout?.on("data", (c: Uint8Array) => out.emit("stdout", c));
  child.stderr?.on("data", (c: Uint8Array) => out.emit("stderr", c));
  child.on("error", (e) => out.emit("error", e));
  child.on("close", (code, signal) => out.emit("close", code, signal));
  return out;
}
