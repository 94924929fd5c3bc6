/** Probes one V4L2 node with `v4l2-ctl`: is it a camera, what is it called, what can it do. */
import { availableParallelism } from "node:os";
import type { Logger } from "../observability/log.ts";
import { isNotFound, lastLine, type ProcessResult, runProcess } from "../util/process.ts";
import {
  type CapabilitySummary,
  parseCurrent,
  parseFormats,
  parseInfo,
  splitSections,
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
  /** `camera.probe_timeout`, seconds, for the probe's one v4l2-ctl call. */
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

/**
 * The arguments of the one v4l2-ctl run per probe. v4l2-ctl answers all four queries from one
 * open of the device, printing driver info, current format, streaming parameters, then the
 * format list (its own order, not the flags'). One spawn instead of three: a spawn blocks the
 * event loop for milliseconds, and 16 cameras probe at start and on every hotplug.
 */
export function probeArgs(devicePath: string): string[] {
  return ["-d", devicePath, "--info", "--list-formats-ext", "--get-fmt-video", "--get-parm"];
}

type RunResult = ProcessResult | "missing" | { kind: "error"; reason: string };

/** Runs v4l2-ctl once per device; a missing binary is logged once and is not an error. */
export class V4l2Prober {
  #slots = new Slots(PROBE_CONCURRENCY);
  #missingLogged = false;
  constructor(private opts: ProberOptions) {}

  /** Whether the last call found v4l2-ctl missing. */
  toolMissing = false;

  /**
   * Probes `devicePath`; `fallbackName` is used when v4l2-ctl gives no name. Only a failed
   * open or VIDIOC_QUERYCAP (no driver info) is an error: an optional query that fails (a
   * driver without VIDIOC_G_PARM) makes v4l2-ctl exit non-zero, but the sections it did print
   * are used and the camera is not marked ERROR for it.
   */
  async probe(devicePath: string, fallbackName: string): Promise<ProbeResult> {
    const r = await this.#run(probeArgs(devicePath));
    if (r === "missing") return this.#unknown(fallbackName);
    if ("kind" in r) return r;
    const s = splitSections(r.stdout);
    if (s.info === null) {
      const why = lastLine(r.stderr) || lastLine(r.stdout) ||
        (r.code === 0 ? "no driver info in its output" : `exit code ${r.code ?? r.signal}`);
      return { kind: "error", reason: `v4l2-ctl failed: ${why}` };
    }
    const info = parseInfo(s.info);
    if (!info.videoCapture) return { kind: "not_capture", caps: info.deviceCaps };
    if (r.code !== 0) {
      this.opts.log.debug("v4l2-ctl: some queries failed; using the rest", {
        device: devicePath,
        exit: r.code ?? r.signal,
        failed: s.failed,
      });
    }
    const formats = s.formats === null ? null : parseFormats(s.formats);
    return {
      kind: "camera",
      name: info.card || fallbackName,
      driver: info.driver,
      formats: formats ?? [],
      capabilities: formats ? summarize(formats) : null,
      current: parseCurrent((s.format ?? "") + (s.parm ?? "")),
    };
  }

  #unknown(name: string): ProbedCamera {
    return { kind: "camera", name, driver: "", formats: [], capabilities: null, current: {} };
  }

  async #run(args: string[]): Promise<RunResult> {
    const { v4l2ctlPath, timeoutSec, log } = this.opts;
    try {
      // At most PROBE_CONCURRENCY tools at once: a box booting with many cameras must not starve
      // the listener (measured in bench: 16 cameras spawning 48 runs, three per probe back then,
      // delayed the first TLS handshake by a second on 2 cores).
      const r = await this.#slots.run(() =>
        runProcess(v4l2ctlPath, args, {
          timeoutMs: timeoutSec * 1000,
          maxOutputBytes: 256 * 1024, // room for a long format list
          processGroup: false, // v4l2-ctl spawns nothing; a group would make each spawn 4x dearer
        })
      );
      this.toolMissing = false;
      if (r.timedOut) return { kind: "error", reason: `v4l2-ctl timed out after ${timeoutSec}s` };
      return r;
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
