/** Probes one V4L2 node with `v4l2-ctl`: is it a camera, what is it called, what can it do. */
import { availableParallelism } from "node:os";
import type { Logger } from "../observability/log.ts";
import { isNotFound, lastLine, runProcess } from "../util/process.ts";
import {
  type CapabilitySummary,
  parseCurrent,
  parseFormats,
  parseInfo,
  summarize,
  type V4l2Current,
  type V4l2Format,
} from "./v4l2.ts";

/** A node that captures video. `capabilities` is null when they could not be read. */
export interface ProbedCamera {
  kind: "camera";
  name: string;
  driver: string;
  formats: V4l2Format[];
  capabilities: CapabilitySummary | null;
  /** Current device format and rate (what ffmpeg gets without explicit options). */
  current: V4l2Current;
}

/** The outcome of probing one node. */
export type ProbeResult =
  | ProbedCamera
  /** Not a video capture node (e.g. a UVC metadata node): not a camera. */
  | { kind: "not_capture"; caps: string[] }
  | { kind: "error"; reason: string };

export interface ProberOptions {
  /** `camera.v4l2ctl_path`. */
  v4l2ctlPath: string;
  /** `camera.probe_timeout`, seconds, per v4l2-ctl call. */
  timeoutSec: number;
  log: Logger;
}

/**
 * How many v4l2-ctl runs may be in flight at once: 4, or fewer on a box with fewer cores. At
 * boot the probes compete with the first TLS handshakes for the CPU (bench, 2 cores, 16
 * cameras: first WSS accept 360 ms after the port opened with 4 at once, 160 ms with 2).
 */
export const PROBE_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/** A counting semaphore: `run(fn)` waits for a free slot. */
class Slots {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** Runs v4l2-ctl for each device; a missing binary is logged once and is not an error. */
export class V4l2Prober {
  #slots = new Slots(PROBE_CONCURRENCY);
  #missingLogged = false;
  constructor(private opts: ProberOptions) {}

  /** Whether the last call found v4l2-ctl missing. */
  toolMissing = false;

  /** Probes `devicePath`; `fallbackName` is used when v4l2-ctl gives no name. */
  async probe(devicePath: string, fallbackName: string): Promise<ProbeResult> {
    const info = await this.#run(["--info", "-d", devicePath]);
    if (info === "missing") return this.#unknown(fallbackName);
    if (typeof info !== "string") return info;
    const parsed = parseInfo(info);
    if (!parsed.videoCapture) return { kind: "not_capture", caps: parsed.deviceCaps };
    const list = await this.#run(["--list-formats-ext", "-d", devicePath]);
    if (list === "missing") return this.#unknown(parsed.card || fallbackName);
    if (typeof list !== "string") return list;
    const formats = parseFormats(list);
    const cur = await this.#run(["--get-fmt-video", "--get-parm", "-d", devicePath]);
    return {
      kind: "camera",
      name: parsed.card || fallbackName,
      driver: parsed.driver,
      formats,
      capabilities: summarize(formats),
      current: typeof cur === "string" ? parseCurrent(cur) : {},
    };
  }

  #unknown(name: string): ProbedCamera {
    return { kind: "camera", name, driver: "", formats: [], capabilities: null, current: {} };
  }

  async #run(args: string[]): Promise<string | "missing" | { kind: "error"; reason: string }> {
    const { v4l2ctlPath, timeoutSec, log } = this.opts;
    try {
      // At most PROBE_CONCURRENCY tools at once: a box booting with many cameras must not starve
      // the listener (measured in bench: 16 cameras spawning 48 probes delayed the first TLS
      // handshake by a second on 2 cores).
      const r = await this.#slots.run(() =>
        runProcess(v4l2ctlPath, args, {
          timeoutMs: timeoutSec * 1000,
          maxOutputBytes: 256 * 1024, // room for a long format list
          processGroup: false, // v4l2-ctl spawns nothing; a group would make each spawn 4x dearer
        })
      );
      this.toolMissing = false;
      if (r.timedOut) {
        return { kind: "error", reason: `v4l2-ctl ${args[0]} timed out after ${timeoutSec}s` };
      }
      if (r.code !== 0) {
        const why = lastLine(r.stderr) || lastLine(r.stdout) || `exit code ${r.code}`;
        return { kind: "error", reason: `v4l2-ctl ${args[0]} failed: ${why}` };
      }
      return r.stdout;
    } catch (err) {
      if (isNotFound(err)) {
        this.toolMissing = true;
        if (!this.#missingLogged) {
          this.#missingLogged = true;
          log.warn(
            "v4l2-ctl not found: cameras are listed without names or capabilities; install v4l-utils or set camera.v4l2ctl_path",
            { v4l2ctl_path: v4l2ctlPath },
          );
        }
        return "missing";
      }
      return { kind: "error", reason: `v4l2-ctl could not run: ${(err as Error).message}` };
    }
  }
}
