/**
 * Servers under test, each in its own process: the bare baselines and the service (under
 * `deno run` and as the Node single executable). Ports are chosen free by the bench and passed
 * in, so start-up can be timed by polling; readiness = a WSS ping answered.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { RpcConnection } from "./client.ts";
import { deviceDir, type Fixture, serviceEnv } from "./fixture.ts";

/** What a server is, and how to start it on a given port. */
export interface ServerSpec {
  /** Short name in tables, e.g. "service (deno)". */
  name: string;
  kind: "baseline" | "service";
  /** The runtime executing it: "deno" or "node". */
  runtime: "deno" | "node";
  /** The same-stack baseline this server is compared with (services only). */
  baseline?: string;
  /** Command line for port `ws` (and `health` for the service). */
  argv(ports: { ws: number; health: number }): string[];
  /** Services: the fake device file whose creation/removal makes it emit a camera event. */
  triggerFile?: string;
  /** Baselines: the method that makes it broadcast one notification to every client. */
  broadcast?: string;
  /** Extra environment for that command line. */
  env(ports: { ws: number; health: number }): Record<string, string>;
}

/** A started server. */
export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  url: string;
  ports: { ws: number; health: number };
  /** The last ~4 KB of its stdout+stderr, for diagnostics. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The single executable to measure: `exe` if given, else dist/camera-service when its
 * build-info.json says it was built from mod.ts. Returns the path, or why there is none.
 */
export function findExecutable(exe?: string): { path: string } | { skipped: string } {
  if (exe) return existsSync(exe) ? { path: exe } : { skipped: `${exe} does not exist` };
  const path = join(ROOT, "dist/camera-service");
  if (!existsSync(path)) return { skipped: "dist/camera-service not built (deno task compile)" };
  try {
    const info = JSON.parse(readFileSync(join(ROOT, "dist/build-info.json"), "utf8"));
    if (typeof info.entry === "string" && !info.entry.endsWith("/mod.ts")) {
      return { skipped: `dist/camera-service was built from ${info.entry}, not mod.ts` };
    }
  } catch { /* no build info: take it as is */ }
  return { path };
}

/** The servers of a run; the single executable only when `exe` is given. */
export function serverSpecs(f: Fixture, denoPath: string, exe?: string): ServerSpec[] {
  const cert = ["--cert", f.cert.certFile, "--key", f.cert.keyFile];
  const nodeBaseline = join(ROOT, "bench/baselines/node_https_ws.mjs");
  const specs: ServerSpec[] = [
    {
      name: "bare Deno.serve",
      kind: "baseline",
      runtime: "deno",
      argv: (p) => [
        denoPath,
        "run",
        "-A",
        join(ROOT, "bench/baselines/deno_serve.ts"),
        ...cert,
        "--port",
        String(p.ws),
      ],
      env: () => ({}),
    },
    {
      name: "bare node:https+ws (deno)",
      kind: "baseline",
      runtime: "deno",
      broadcast: "bench_broadcast",
      argv: (p) => [denoPath, "run", "-A", nodeBaseline, ...cert, "--port", String(p.ws)],
      env: () => ({}),
    },
    {
      name: "bare node:https+ws (node)",
      kind: "baseline",
      runtime: "node",
      broadcast: "bench_broadcast",
      argv: (p) => ["node", nodeBaseline, ...cert, "--port", String(p.ws)],
      env: () => ({}),
    },
  ];
  if (existsSync(join(ROOT, "src/service.ts")) && existsSync(join(ROOT, "mod.ts"))) {
    specs.push({
      name: "service (deno run)",
      kind: "service",
      runtime: "deno",
      baseline: "bare node:https+ws (deno)",
      triggerFile: deviceDir(f, "deno").triggerFile,
      argv: () => [denoPath, "run", "-A", join(ROOT, "mod.ts"), "serve"],
      env: (p) => serviceEnv(f, "deno", p),
    });
  }
  if (exe) {
    specs.push({
      name: "service (single executable)",
      kind: "service",
      runtime: "node",
      baseline: "bare node:https+ws (node)",
      triggerFile: deviceDir(f, "sea").triggerFile,
      argv: () => [exe, "serve"],
      env: (p) => serviceEnv(f, "sea", p),
    });
  }
  return specs;
}

/** The WSS URL of a server on `port` (the service's websocket_path is /ws). */
export function wsUrl(port: number): string {
  return `wss://127.0.0.1:${port}/ws`;
}

/** Starts `spec` and waits (up to `timeoutMs`) until a ping over WSS is answered. */
export async function startServer(spec: ServerSpec, timeoutMs = 30_000): Promise<RunningServer> {
  const ports = { ws: await freePort(), health: await freePort() };
  const [cmd, ...args] = spec.argv(ports);
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...spec.env(ports) },
  });
  let out = "";
  const keep = (d: Uint8Array) => out = (out + new TextDecoder().decode(d)).slice(-4096);
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  const exitP = new Promise<void>((r) => child.once("exit", () => (exited = true, r())));
  const running: RunningServer = {
    spec,
    pid: child.pid!,
    url: wsUrl(ports.ws),
    ports,
    output: () => out,
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exitP;
      clearTimeout(t);
    },
  };
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !exited) {
    try {
      const c = await RpcConnection.open({ url: running.url }, 2000);
      const m = await c.request("ping");
      await c.close();
      if (m.result === "pong") return running;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await running.stop();
  throw new Error(`${spec.name} did not answer ping within ${timeoutMs} ms:\n${out}`);
}
