/**
 * Snapshots: one frame of a camera's MediaMTX path through ffmpeg, written to a hidden temp
 * file and published under its final name with `link()` (atomic, never overwrites: a name that
 * exists already gets a numbered suffix, `a.jpg` → `a_1.jpg`, and the result reports the name
 * actually used). Concurrent snapshots of one camera with the same format and quality share
 * one ffmpeg run; callers without a filename then get the same file and result.
 */
import { copyFile, link, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import type { EventBus } from "../core/events.ts";
import type { PathConf } from "../mediamtx/types.ts";
import { dependencyFailed, invalidParams, invalidState, notFound } from "../rpc/errors.ts";
import { fileNameProblem } from "../rpc/schema.ts";
import { assertDiskWritable, type DiskProbe } from "./disk.ts";
import { type RtspTransport, rtspUrl, snapshotArgs } from "./ffmpeg_args.ts";
import {
  formatFromName,
  generatedSnapshotName,
  type ImageFormat,
  numberedName,
  withImageExtension,
} from "./names.ts";
import { runProcess, ToolMissingError } from "../util/process.ts";
import { isOnDemand } from "./recording_util.ts";
import type { UrlSigner } from "./signing.ts";

/** The contract's SnapshotInfo (plus `format` and `download_url`, allowed there). */
export interface SnapshotInfo {
  device: string;
  filename: string;
  status: "SUCCESS";
  timestamp: string;
  file_size: number;
  format: ImageFormat;
  download_url?: string;
}

/** A camera as this module needs it. */
export interface CameraLookup {
  get(id: string): { status: string } | undefined;
}

/** Dependencies of {@link SnapshotService}. */
export interface SnapshotDeps {
  config: Pick<Config, "mediamtx" | "ffmpeg" | "snapshots" | "recording">;
  cameras: CameraLookup;
  events: Pick<EventBus, "emit">;
  /** Throws -32050 when MediaMTX is down (MediaMtxMonitor.require). */
  monitor?: { require(): void };
  signer?: Pick<UrlSigner, "sign">;
  disk?: DiskProbe;
  /** To tell an idle on-demand path (readable although not CONNECTED) from a dead one. */
  mediamtx?: { getPathConfig(name: string): Promise<PathConf | null> };
}

/** Options of one snapshot. */
export interface SnapshotRequest {
  filename?: string;
  format?: ImageFormat;
  quality?: number;
}

interface Capture {
  /** Temp file holding the frame, and when it was taken. */
  done: Promise<{ tmp: string; at: Date }>;
  refs: number;
  unnamed?: Promise<SnapshotInfo>;
}

/** Takes snapshots; see the module doc. */
export class SnapshotService {
  #inflight = new Map<string, Capture>();
  #seq = 0;

  constructor(private readonly deps: SnapshotDeps) {}

  /** Folder snapshots are written to. */
  get directory(): string {
    return this.deps.config.snapshots.directory;
  }

  /** Take one snapshot of `device` (a camera id). */
  async take(device: string, req: SnapshotRequest = {}): Promise<SnapshotInfo> {
    const { config, cameras, monitor } = this.deps;
    if (req.filename !== undefined) {
      const problem = fileNameProblem(req.filename);
      if (problem) throw invalidParams("filename", "filename", `filename ${problem}`);
    }
    const format = req.format ?? (req.filename ? formatFromName(req.filename) : undefined) ??
      config.snapshots.format;
    const quality = format === "png" ? 0 : (req.quality ?? config.snapshots.quality);
    const cam = cameras.get(device);
    if (!cam) throw notFound("camera", device);
    monitor?.require();
    if (cam.status !== "CONNECTED" && !(await this.#onDemand(device))) {
      throw invalidState(cam.status, ["CONNECTED"]);
    }
    const dir = this.directory;
    await mkdir(dir, { recursive: true });
    await assertDiskWritable(dir, config.recording.disk_block_percent, this.deps.disk);

    const key = `${device}|${format}|${quality}`;
    let cap = this.#inflight.get(key);
    if (!cap) {
      const fresh: Capture = { refs: 0, done: this.#capture(key, device, format, quality) };
      this.#inflight.set(key, cap = fresh);
    }
    cap.refs++;
    try {
      const frame = await cap.done;
      if (req.filename === undefined) {
        cap.unnamed ??= this.#publish(
          frame,
          device,
          generatedSnapshotName(device, frame.at, format),
        );
        return await cap.unnamed;
      }
      return await this.#publish(frame, device, withImageExtension(req.filename, format));
    } finally {
      if (--cap.refs === 0) {
        await cap.done.then(({ tmp }) => rm(tmp, { force: true }), () => undefined);
      }
    }
  }

  /** Remove temp files left by a crash (hidden `.tmp-*` files older than `maxAgeMs`). */
  async removeStaleTemps(maxAgeMs = 10 * 60_000): Promise<number> {
    let removed = 0;
    const names = await readdir(this.directory).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(".tmp-"))) {
      const path = join(this.directory, name);
      const st = await stat(path).catch(() => null);
      if (st?.isFile() && Date.now() - st.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** An idle on-demand source is not CONNECTED, yet reading it starts it. */
  async #onDemand(device: string): Promise<boolean> {
    const conf = await this.deps.mediamtx?.getPathConfig(device).catch(() => null);
    return !!conf && isOnDemand(conf);
  }

  #tmpName(ext: string): string {
    return join(this.directory, `.tmp-${process.pid}-${Date.now()}-${++this.#seq}.${ext}`);
  }

  /** Run ffmpeg once; resolves with the temp file. Leaves the in-flight map before settling. */
  async #capture(key: string, device: string, format: ImageFormat, quality: number) {
    const { config } = this.deps;
    const tmp = this.#tmpName(format);
    const url = rtspUrl(config.mediamtx.host, config.mediamtx.rtsp_port, device);
    const transport: RtspTransport = config.snapshots.rtsp_transport ?? "tcp";
    const timeoutS = config.snapshots.timeout;
    try {
      const args = snapshotArgs({ url, output: tmp, format, quality, transport });
      const r = await runProcess(config.ffmpeg.path, args, { timeoutMs: timeoutS * 1000 });
      if (r.timedOut) {
        throw dependencyFailed(
          "ffmpeg",
          `no frame from ${device} within ${timeoutS}s (snapshots.timeout); ffmpeg was killed`,
        );
      }
      if (r.code !== 0) {
        const last = r.stderr.trim().split("\n").pop() || `exit code ${r.code ?? r.signal}`;
        throw dependencyFailed("ffmpeg", `snapshot of ${device} failed: ${last}`);
      }
      const st = await stat(tmp).catch(() => null);
      if (!st || st.size === 0) {
        throw dependencyFailed("ffmpeg", `ffmpeg wrote no image for ${device}`);
      }
      return { tmp, at: new Date() };
    } catch (e) {
      await rm(tmp, { force: true });
      if (e instanceof ToolMissingError) {
        throw dependencyFailed("ffmpeg", `ffmpeg not found at ${e.path}`);
      }
      throw e;
    } finally {
      this.#inflight.delete(key);
    }
  }

  /** Copy the frame to a private temp file, then link it under the first free name. */
  async #publish(
    frame: { tmp: string; at: Date },
    device: string,
    wanted: string,
  ): Promise<SnapshotInfo> {
    const format = formatFromName(wanted) ?? "jpg";
    const own = this.#tmpName(format);
    try {
      await copyFile(frame.tmp, own);
      let name = wanted;
      for (let n = 0;; n++) {
        name = numberedName(wanted, n);
        if (fileNameProblem(name)) throw invalidParams("filename", "filename", "name too long");
        try {
          await link(own, join(this.directory, name));
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST" || n >= 9999) throw e;
        }
      }
      const size = (await stat(join(this.directory, name))).size;
      const info: SnapshotInfo = {
        device,
        filename: name,
        status: "SUCCESS",
        timestamp: frame.at.toISOString(),
        file_size: size,
        format,
      };
      if (this.deps.signer) info.download_url = this.deps.signer.sign("snapshots", name);
      this.deps.events.emit("snapshot_taken", {
        device,
        filename: name,
        file_size: size,
        timestamp: info.timestamp,
      });
      return info;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EDQUOT") {
        throw dependencyFailed("disk", `no space left for snapshot in ${this.directory}`);
      }
      throw e;
    } finally {
      await rm(own, { force: true });
    }
  }
}
