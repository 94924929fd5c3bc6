/**
 * Real RTSP media plane for tests: Debian's `rtsp-server-perl` (UDP only, separate publish and
 * read ports) plus ffmpeg helpers. See shared/mediamtx/NOTES.md §12.
 *
 * rtsp-server-perl quirks that matter:
 * - a mount is released only by an RTSP TEARDOWN: a publisher killed with SIGKILL leaves the
 *   path taken forever (every later ANNOUNCE → 403). Stop publishers with SIGINT (see
 *   {@link stopChild}).
 * - its RTP ports start at 20000 by default; each server here gets a random base so parallel test
 *   files don't collide.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, Socket } from "node:net";
import * as path from "node:path";

/** True when `name` is an executable on PATH (or an executable path). */
export function haveTool(name: string): boolean {
  const dirs = name.includes("/") ? [""] : (process.env.PATH ?? "").split(":");
  for (const d of dirs) {
    try {
      accessSync(d ? path.join(d, name) : name, constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * The missing ones of `tools`; warns LOUDLY (console.warn) naming the tests that will be skipped.
 * Use as `const skip = missingTools(["ffmpeg"], "media tests").length > 0` and `ignore: skip`.
 */
export function missingTools(tools: string[], what: string): string[] {
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length > 0) {
    console.warn(
      `\n*** SKIPPING ${what}: missing tool(s) ${missing.join(", ")} ` +
        `(install with apt-get install ffmpeg rtsp-server-perl) ***\n`,
    );
  }
  return missing;
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when a TCP connect to 127.0.0.1:port succeeds, rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => {
        s.destroy();
        resolve(false);
      });
      s.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stop a child started with `detached: true`: signal its process group, SIGKILL after graceMs. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGINT",
  graceMs = 3000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((r) => child.once("close", () => r()));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // group already gone
    }
  };
  kill(signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    kill("SIGKILL");
    await closed;
  }
}

/** A running rtsp-server-perl. */
export interface RtspServer {
  readPort: number;
  publishPort: number;
  close(): Promise<void>;
}

/** True when process `pid` itself holds a listening TCP socket on `port` (Linux /proc). */
function ownsListener(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[1].endsWith(`:${hex}`) && c[3] === "0A") inodes.add(c[9]);
    }
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Start rtsp-server-perl on free ports (127.0.0.1 only). Free ports can race with other test
 * processes (another server may take the port first and ours exits with EADDRINUSE), so the
 * server counts as started only when ITS process holds both listeners; otherwise retry.
 */
export async function startRtspServer(): Promise<RtspServer> {
  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const readPort = await freePort();
    const publishPort = await freePort();
    const rtpBase = 21000 + 2 * Math.floor(Math.random() * 18000);
    const child = spawn("rtsp-server-perl", [
      "-c",
      String(readPort),
      "-s",
      String(publishPort),
      "--client_listen_address",
      "127.0.0.1",
      "--source_listen_address",
      "127.0.0.1",
      "--rtp_start_port",
      String(rtpBase),
    ], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    const deadline = Date.now() + 8000;
    while (child.exitCode === null && Date.now() < deadline) {
      if (ownsListener(child.pid!, readPort) && ownsListener(child.pid!, publishPort)) {
        return { readPort, publishPort, close: () => stopChild(child, "SIGTERM") };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await stopChild(child, "SIGTERM");
    lastError = stderr.trim() || "did not listen in time";
  }
  throw new Error(`rtsp-server-perl did not start: ${lastError}`);
}

/** ffmpeg argv publishing a 640x480 25 fps H.264 test pattern to `url` over UDP. */
export function testPatternArgs(url: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-re",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=640x480:rate=25",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-g",
    "25",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "rtsp",
    "-rtsp_transport",
    "udp",
    url,
  ];
}

/**
 * The same test pattern as a MediaMTX `runOnInit` command: published to the path itself
 * ($RTSP_PORT, $MTX_PATH), so the simulator's path becomes available on its own.
 */
export const TEST_PATTERN_RUN_ON_INIT =
  "ffmpeg -re -f lavfi -i testsrc=size=640x480:rate=25 -c:v libx264 " +
  "-preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -f rtsp " +
  "rtsp://localhost:$RTSP_PORT/$MTX_PATH";

/** Publish a test pattern to rtsp-server-perl's publish port; `stop()` tears it down cleanly. */
export function publishTestPattern(
  publishPort: number,
  name: string,
  ffmpeg = "ffmpeg",
): { stop(): Promise<void> } {
  const child = spawn(ffmpeg, testPatternArgs(`rtsp://127.0.0.1:${publishPort}/${name}`), {
    detached: true,
    stdio: ["ignore", "ignore", "ignore"],
  });
  return { stop: () => stopChild(child, "SIGINT") };
}

/** Result of {@link ffprobeStreams}: the first video stream, or null. */
export interface ProbedVideo {
  codec: string;
  width: number;
  height: number;
}

/** ffprobe a URL or file (UDP for rtsp://); first video stream or null on failure. */
export function ffprobeVideo(input: string, timeoutMs = 15000): Promise<ProbedVideo | null> {
  const args = ["-v", "error", "-select_streams", "v:0", "-show_entries"];
  args.push("stream=codec_name,width,height", "-of", "json");
  if (input.startsWith("rtsp://")) args.push("-rtsp_transport", "udp");
  args.push(input);
  return new Promise((resolve) => {
    const child = spawn("ffprobe", args, { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    const timer = setTimeout(() => stopChild(child, "SIGKILL", 100), timeoutMs);
    child.on("close", () => {
      clearTimeout(timer);
      try {
        const s = JSON.parse(out).streams?.[0];
        resolve(s ? { codec: s.codec_name, width: s.width, height: s.height } : null);
      } catch {
        resolve(null);
      }
    });
  });
}
