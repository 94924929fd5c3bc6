/**
 * Helpers for tests/compile_test.ts: build the single executable once (skipped when the
 * sources are unchanged: compile/build.ts --if-changed), and run it in a sandbox that has no
 * node, no deno and no node_modules.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { RpcClient } from "./support/rpc_client.ts";

export const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const EXE = join(DIST, "camera-service");

/** The build stamp written by compile/build.ts into dist/build-info.json. */
export interface BuildInfoFile {
  stamp: { version: string; commit: string; date: string; runtime: string };
  sea: { bytes: number; seconds: number; nodeVersion: string };
  bundle: { seconds: number };
}

/** Why the executable cannot be built here (no node >= 20 on PATH), or null when it can. */
export function buildImpossible(): string | null {
  try {
    const out = new Deno.Command("node", { args: ["--version"], stdout: "piped", stderr: "null" })
      .outputSync();
    const major = Number(
      new TextDecoder().decode(out.stdout).trim().replace(/^v/, "").split(".")[0],
    );
    return major >= 20 ? null : `node ${major} is too old for single executables (need >= 20)`;
  } catch {
    return "node is not installed: the single executable is a copy of the node binary";
  }
}

let built: Promise<BuildInfoFile> | null = null;

/** Builds dist/camera-service unless it is up to date; returns dist/build-info.json. */
export function ensureBuilt(): Promise<BuildInfoFile> {
  built ??= (async () => {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "compile/build.ts", "--if-changed"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`compile/build.ts failed:\n${text}`);
    console.log(`build (${((performance.now() - t0) / 1000).toFixed(1)} s): ${text.trim()}`);
    return JSON.parse(await Deno.readTextFile(join(DIST, "build-info.json")));
  })();
  return built;
}

/** A temp folder with a copy of the executable, an empty PATH folder and a working folder. */
export interface Sandbox {
  dir: string;
  exe: string;
  cwd: string;
  dataDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Copies the executable into a fresh temp folder; the environment has no node/deno on PATH. */
export async function sandbox(): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: "cs-exe-" });
  const exe = join(dir, "bin", "camera-service");
  await Deno.mkdir(join(dir, "bin"));
  await Deno.mkdir(join(dir, "empty-path"));
  await Deno.mkdir(join(dir, "work"));
  await Deno.copyFile(EXE, exe);
  await Deno.chmod(exe, 0o755);
  const dataDir = join(dir, "data");
  return {
    dir,
    exe,
    cwd: join(dir, "work"),
    dataDir,
    env: {
      PATH: join(dir, "empty-path"),
      HOME: dir,
      CAMERA_SERVICE_DATA_DIR: dataDir,
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** What a finished process returned and printed (as text). */
export interface ProcessOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion with stdout and stderr captured. */
export async function runCaptured(
  cmd: string,
  opts: Omit<Deno.CommandOptions, "stdout" | "stderr"> = {},
): Promise<ProcessOutput> {
  const out = await new Deno.Command(cmd, { ...opts, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the executable to completion (clean environment, sandbox cwd). */
export function runExe(
  box: Sandbox,
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcessOutput> {
  return runCaptured(box.exe, {
    args,
    cwd: box.cwd,
    env: { ...box.env, ...env },
    clearEnv: true,
  });
}

/** Collects the lines of a stream and lets a test wait for the first line that matches. */
export class LineWatcher {
  readonly lines: string[] = [];
  #waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let buf = "";
      const dec = new TextDecoder();
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.#push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      }
      if (buf) this.#push(buf);
    })();
  }

  #push(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** The first line (seen or future) for which `match` is true; rejects after `ms`. */
  wait(match: (l: string) => boolean, ms: number): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching line within ${ms} ms; got:\n${this.lines.join("\n")}`));
      }, ms);
      const done = (l: string) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }
}

/** Environment putting both listeners on 127.0.0.1 with ports the OS chooses. */
export const LOOPBACK_ANY_PORT_ENV: Record<string, string> = {
  CAMERA_SERVICE_SERVER_HOST: "127.0.0.1",
  CAMERA_SERVICE_HEALTH_HOST: "127.0.0.1",
  CAMERA_SERVICE_SERVER_PORT: "0",
  CAMERA_SERVICE_HEALTH_PORT: "0",
};

/** A spawned service whose stdout and stderr lines are watched. */
export interface ServeProcess {
  child: Deno.ChildProcess;
  out: LineWatcher;
  err: LineWatcher;
  /** The JSON "listening" log line (ws_port, health_port), parsed; rejects after `ms`. */
  listening(ms: number): Promise<Record<string, unknown>>;
}

/** Spawns `command` (argv) in `cwd` with exactly `env` (nothing inherited), output watched. */
export function spawnServe(
  command: string[],
  opts: { cwd: string; env: Record<string, string> },
): ServeProcess {
  const [cmd, ...args] = command;
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new LineWatcher(child.stdout);
  const err = new LineWatcher(child.stderr);
  return {
    child,
    out,
    err,
    listening: async (ms) => jsonLine(await out.wait((l) => jsonLine(l)?.msg === "listening", ms))!,
  };
}

/** Parses a JSON log line; null when the line is not JSON. */
export function jsonLine(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line);
    return v && typeof v === "object" ? v : null;
  } catch {
    return null;
  }
}

/** Options of {@link serveProvisioned}. */
export interface ProvisionedServe {
  /** The temp root that scripts/provision.sh filled. */
  root: string;
  /** The admin API key provision.sh printed. */
  key: string;
  /** The service command before "serve": the executable, or deno run … mod.ts. */
  command: string[];
}

/**
 * Serves the provisioned config of a temp root (paths redirected into the root through the
 * environment, ports 0), connects trusting the root's ca.crt, authenticates with the admin key,
 * stops with SIGTERM and asserts exit 0. Returns the `get_server_info` result.
 */
export async function serveProvisioned(opts: ProvisionedServe): Promise<Record<string, unknown>> {
  const etc = join(opts.root, "etc/camera-service");
  const { child, out, err, listening } = spawnServe([...opts.command, "serve"], {
    cwd: opts.root,
    env: {
      PATH: "/nonexistent",
      CAMERA_SERVICE_CONFIG: join(etc, "camera-service.yaml"),
      CAMERA_SERVICE_DATA_DIR: join(opts.root, "var/lib/camera-service"),
      CAMERA_SERVICE_SSL_CERT_FILE: join(etc, "tls/server.crt"),
      CAMERA_SERVICE_SSL_KEY_FILE: join(etc, "tls/server.key"),
      ...LOOPBACK_ANY_PORT_ENV,
    },
  });
  let client: RpcClient | null = null;
  try {
    const port = (await listening(30_000)).ws_port as number;
    const ca = await Deno.readTextFile(join(etc, "tls/ca.crt"));
    client = await RpcClient.connect(`wss://localhost:${port}/ws`, { ca });
    const auth = await client.call("authenticate", { auth_token: opts.key });
    assert.equal(auth.error, undefined, JSON.stringify(auth.error));
    assert.equal((auth.result as { role: string }).role, "admin");
    const info = await client.call("get_server_info");
    assert.equal(info.error, undefined, JSON.stringify(info.error));
    return info.result as Record<string, unknown>;
  } finally {
    await client?.close();
    child.kill("SIGTERM");
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    assert.equal(status.code, 0, err.lines.join("\n"));
  }
}
