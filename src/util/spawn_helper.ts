/**
 * The spawn helper: a long-lived Perl fork server that starts the service's tools for it, so the
 * service's own memory is never forked (why: src/util/spawn.ts). The helper's program and wire
 * format are in src/util/spawn_helper_script.ts.
 *
 * The service kills its tools itself (`process.kill(-pid)`), as before; the helper only starts
 * them, forwards their output and reports their exit. If the helper dies, every tool it was
 * running is killed and reported as an `error`; the next spawn starts a new helper, and after
 * {@link MAX_HELPER_STARTS} lost helpers the service goes back to spawning directly.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import type { Logger } from "../observability/log.ts";
import { SPAWN_HELPER_SCRIPT } from "./spawn_helper_script.ts";
import {
  killGroup,
  spawnDirect,
  SpawnedTool,
  type SpawnToolOptions,
  type ToolChild,
  type ToolSpawner,
} from "./spawn.ts";

/** Helpers lost (exited while in use) before the service spawns directly again. */
export const MAX_HELPER_STARTS = 3;

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name]),
);

/** The first executable called `name` on PATH (or `name` itself if it has a slash), or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | null {
  const candidates = name.includes("/") ? [name] : path.split(delimiter).filter(Boolean).map((
    d,
  ) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return null;
}

/** Options of {@link SpawnHelper}. */
export interface SpawnHelperOptions {
  /** The Perl interpreter (found on PATH by {@link SpawnHelper.create}). */
  perl: string;
  log?: Logger;
}

/** Starts tools through the helper process; see the module comment. */
export class SpawnHelper implements ToolSpawner {
  #proc: ChildProcess | null = null;
  #buf = new Uint8Array(0);
  #children = new Map<number, SpawnedTool>();
  #nextId = 1;
  #lost = 0;
  #closed = false;

  constructor(private readonly opts: SpawnHelperOptions) {}

  /** The Perl interpreter it runs. */
  get perl(): string {
    return this.opts.perl;
  }

  /** A helper when Perl is on PATH, else null (the caller then spawns directly). */
  static create(log?: Logger): SpawnHelper | null {
    const perl = findExecutable("perl");
    return perl ? new SpawnHelper({ perl, log }) : null;
  }

  /** The helper's pid while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Tools started through the helper that have not closed yet. */
  get running(): number {
    return this.#children.size;
  }

  spawn(cmd: string, args: readonly string[], opts: SpawnToolOptions): ToolChild {
    if (this.#closed || this.#lost >= MAX_HELPER_STARTS) return spawnDirect(cmd, args, opts);
    const child = new SpawnedTool(opts.group);
    const cwd = opts.cwd ?? "";
    if ([cwd, cmd, ...args].some((f) => f.includes("\0"))) {
      queueMicrotask(() =>
        child.emit("error", new TypeError(`argument for ${cmd} contains a NUL byte`))
      );
      return child;
    }
    const proc = this.#ensure();
    const id = this.#nextId++;
    this.#children.set(id, child);
    const fields = [
      "S",
      String(id),
      cwd,
      opts.group ? "1" : "0",
      opts.stdout ? "1" : "0",
      opts.stderr ? "1" : "0",
      cmd,
      ...args,
    ];
    const payload = Buffer.from(fields.join("\0"));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(payload.length);
    proc.stdin!.write(Buffer.concat([head, payload]));
    this.#ref(true);
    return child;
  }

  /** Stop the helper: it sends SIGTERM to the tools it still runs and exits. */
  async close(): Promise<void> {
    this.#closed = true;
    const proc = this.#proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once("exit", () => resolve());
    });
    proc.stdin!.end();
    const force = setTimeout(() => proc.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(force);
  }

  #ensure(): ChildProcess {
    if (this.#proc) return this.#proc;
    const proc = spawn(this.opts.perl, ["-e", SPAWN_HELPER_SCRIPT], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#proc = proc;
    this.#buf = new Uint8Array(0);
    proc.stdout!.on("data", (c: Uint8Array) => this.#read(c));
    let stderr = "";
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (d: string) => stderr = (stderr + d).slice(-1000));
    proc.stdin!.on("error", () => {/* reported by exit */});
    proc.on("error", (e) => this.#lose(proc, e.message));
    proc.on("close", (code, signal) => {
      if (!this.#closed || this.#children.size) {
        this.#lose(proc, `exit ${code ?? signal}${stderr ? `: ${stderr.trim()}` : ""}`);
      }
    });
    this.opts.log?.debug("spawn helper started", { pid: proc.pid });
    return proc;
  }

  /** Keep the event loop alive only while tools run (a CLI must be able to exit). */
  #ref(on: boolean): void {
    const proc = this.#proc;
    if (!proc) return;
    for (const s of [proc, proc.stdin, proc.stdout, proc.stderr]) {
      const h = s as unknown as { ref?: () => void; unref?: () => void } | null;
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  /** The helper is gone: its tools are killed and fail with an error. */
  #lose(proc: ChildProcess, why: string): void {
    if (this.#proc !== proc) return;
    this.#proc = null;
    if (!this.#closed) this.#lost++;
    const children = [...this.#children.values()];
    this.#children.clear();
    if (children.length || !this.#closed) {
      this.opts.log?.warn("spawn helper exited; its tools are stopped", {
        why,
        tools: children.length,
        direct_spawning: this.#lost >= MAX_HELPER_STARTS,
      });
    }
    for (const child of children) {
      if (child.pid !== undefined) killGroup(child.pid, "SIGKILL", child.group);
      child.emit("error", new Error(`spawn helper exited (${why})`));
    }
  }

  #read(chunk: Uint8Array): void {
    const buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    let at = 0;
    while (buf.length - at >= 4) {
      const len = buf.readUInt32BE(at);
      if (buf.length - at - 4 < len) break;
      this.#event(buf.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
    this.#buf = at === buf.length ? new Uint8Array(0) : buf.subarray(at);
  }

  #event(frame: Buffer): void {
    const type = String.fromCharCode(frame[0]);
    const id = frame.readUInt32BE(1);
    const payload = frame.subarray(5);
    const child = this.#children.get(id);
    if (!child) return;
    if (type === "1" || type === "2") {
      // A copy, so a kept chunk does not pin the whole read buffer.
      child.emit(type === "1" ? "stdout" : "stderr", new Uint8Array(payload));
    } else if (type === "P") {
      child.pid = Number(payload.toString());
      child.emit("spawn");
    } else if (type === "E") {
      this.#done(id);
      const code = payload.toString();
      child.emit("error", Object.assign(new Error(`spawn ${code}`), { code, syscall: "spawn" }));
    } else if (type === "X") {
      this.#done(id);
      const [code, sig] = payload.toString().split(",");
      const signal = sig ? SIGNAL_NAMES.get(Number(sig)) ?? `SIG${sig}` : null;
      child.emit("close", code ? Number(code) : null, signal);
    }
  }

  #done(id: number): void {
    this.#children.delete(id);
    if (!this.#children.size) this.#ref(false);
  }
}

/**
 * The helper `serve` uses when Perl is on PATH, under either runtime (src/util/spawn.ts says
 * why); null otherwise, and the tools are started directly. Logs which way it is.
 */
export function spawnHelperForServe(log: Logger): SpawnHelper | null {
  const helper = SpawnHelper.create(log);
  if (helper) {
    log.info("external tools are started through the spawn helper", { perl: helper.perl });
  } else {
    log.warn(
      "perl not found on PATH: external tools are forked from the service itself, which stalls it briefly after each start under load",
    );
  }
  return helper;
}
