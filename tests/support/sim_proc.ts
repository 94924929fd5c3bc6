/**
 * MediaMTX simulator: child processes. Hook commands are split shell-style and run without a
 * shell (as MediaMTX does), each in its own process group; stopping signals the whole group.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Split a command line with shell-style quoting (no expansion, no shell). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === "\\" && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
    }
  }
  if (quote) throw new Error("unterminated quote in command");
  if (has || cur) out.push(cur);
  return out;
}

/** Expand `$VAR` / `${VAR}` like Go's os.Expand: `vars` first, then the environment, else "". */
export function expandVars(arg: string, vars: Record<string, string>): string {
  return arg.replace(/\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (_m, a, b) => {
    const k = a ?? b;
    return vars[k] ?? process.env[k] ?? "";
  });
}

/**
 * Simulator adaptation: rtsp-server-perl relays UDP only, so an ffmpeg publishing to rtsp:// gets
 * `-rtsp_transport udp` (added before the output URL, or replacing a tcp/automatic choice).
 */
export function forceUdpPublisher(argv: string[]): string[] {
  if (!/(^|\/)ffmpeg[^/]*$/.test(argv[0] ?? "")) return argv;
  const out = [...argv];
  const last = out.length - 1;
  if (!/^rtsps?:\/\//.test(out[last] ?? "")) return out;
  // Only output options (after the last -i) are ours to fix.
  const lastInput = out.lastIndexOf("-i");
  const idx = out.indexOf("-rtsp_transport", lastInput + 1);
  if (idx >= 0 && idx + 1 < last) out[idx + 1] = "udp";
  else out.splice(last, 0, "-rtsp_transport", "udp");
  return out;
}

/** A running child with a tail of its stderr. */
export class Proc {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: string | null }>;
  tail = "";
  private exited = false;

  constructor(
    argv: string[],
    opts: {
      stdin?: boolean;
      onStdout?: (chunk: Uint8Array) => void;
      onLine?: (l: string) => void;
    } = {},
  ) {
    this.child = spawn(argv[0], argv.slice(1), {
      detached: true,
      stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.on("data", (d: Uint8Array) => opts.onStdout?.(d));
    this.child.stderr!.on("data", (d: Uint8Array) => {
      const s = String(d);
      this.tail = (this.tail + s).slice(-4000);
      if (!opts.onLine) return;
      const lines = (partial + s).split(/[\r\n]/);
      partial = lines.pop() ?? "";
      for (const l of lines) if (l) opts.onLine(l);
    });
    this.child.stdin?.on("error", () => {});
    this.done = new Promise((resolve) => {
      this.child.once("error", (e) => {
        this.tail += `\nspawn failed: ${e.message}`;
      });
      this.child.once("close", (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  /**
   * Stop gracefully, escalating: "q" on stdin (ffmpeg finalises its file), then SIGINT to the
   * group, then a second SIGINT (ffmpeg 5.1 lets only the second one interrupt a blocked network
   * read), then SIGKILL after graceMs. A publisher that exits cleanly sends its RTSP TEARDOWN.
   */
  async stop(mode: "q" | "SIGINT" = "SIGINT", graceMs = 3000): Promise<void> {
    if (mode === "q" && this.alive && this.child.stdin && !this.child.stdin.destroyed) {
      this.child.stdin.end("q\n");
      if (await this.exitsWithin(1500)) return;
    }
    for (const [sig, wait] of [["SIGINT", 1000], ["SIGINT", graceMs], ["SIGKILL", 0]] as const) {
      if (!this.alive) return;
      try {
        process.kill(-this.child.pid!, sig);
      } catch {
        // group already gone
      }
      if (await this.exitsWithin(wait)) return;
    }
    await this.done;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.done.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    return exited;
  }
}

/** A sleep that `cancel()` ends early. */
export class Sleeper {
  private wake: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        this.wake = null;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }

  cancel(): void {
    this.wake?.();
  }
}
