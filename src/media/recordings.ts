/**
 * Recordings through MediaMTX's native recorder: start patches the path's `record*` fields
 * (record, recordPath `<recording.directory>/%path/%Y-%m-%d_%H-%M-%S-%f`, format, segment
 * duration, recordDeleteAfter 0s so only this service's retention deletes), stop patches
 * `record: false` and measures what was written (segment files modified since the start:
 * summed sizes, ffprobe durations). Every recording has an auto-stop deadline: the requested
 * duration, counted from the first segment's start, or recording.max_duration. Active
 * recordings are persisted in <data_dir>/recordings-state.json and adopted by recoverState().
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PathConf } from "../mediamtx/types.ts";
import { MediaMtxError } from "../mediamtx/types.ts";
import { dependencyFailed, invalidParams, invalidState, notFound } from "../rpc/errors.ts";
import { assertDiskWritable } from "./disk.ts";
import { rtspUrl } from "./ffmpeg_args.ts";
import { JsonFileWriter, readJson } from "./json_file.ts";
import { Keepalive } from "./keepalive.ts";
import { ffprobe, type MediaProber } from "./probe.ts";
import {
  CLOCK_SLACK_MS,
  isOnDemand,
  measureRecording,
  mediamtxFailure,
  recordFormatOf,
  segmentStartMs,
  sleep,
} from "./recording_util.ts";
import { listSegments, type StoredFile } from "./stored.ts";
import type {
  ActiveRecording,
  RecordFormat,
  RecordingDeps,
  RecordingStartResult,
  RecordingStateFile,
  RecordingStopResult,
  StopReason,
} from "./recording_types.ts";

export { mediamtxFailure, recordFormatOf, segmentStartMs } from "./recording_util.ts";

/** Starts, stops, auto-stops, persists and adopts recordings. */
export class RecordingService {
  #active = new Map<string, ActiveRecording>();
  #busy = new Set<string>();
  #starting = new Map<string, Promise<unknown>>();
  #state: JsonFileWriter;
  #probe: MediaProber;
  #now: () => number;
  #closed = false;

  constructor(private readonly deps: RecordingDeps) {
    this.#state = new JsonFileWriter(join(deps.config.data_dir, "recordings-state.json"));
    this.#probe = deps.probe ?? ffprobe(deps.config.ffmpeg.ffprobe_path);
    this.#now = deps.now ?? Date.now;
  }

  /** Root folder of the recordings (absolute). */
  get directory(): string {
    return resolve(this.deps.config.recording.directory);
  }

  /** The record fields patched into MediaMTX for an active recording of `format`. */
  recordConf(format: RecordFormat): Partial<PathConf> {
    return {
      record: true,
      recordPath: `${this.directory}/%path/%Y-%m-%d_%H-%M-%S-%f`,
      recordFormat: format,
      recordSegmentDuration: `${this.deps.config.recording.segment_duration}s`,
      recordDeleteAfter: "0s",
    };
  }

  /** Record fields of every active recording, for the reconciler's desired state. */
  recordingOverrides(): Map<string, Partial<PathConf>> {
    return new Map([...this.#active].map(([id, r]) => [id, this.recordConf(r.format)]));
  }

  /** Active recordings: device and start time (ms). */
  active(): { device: string; startedMs: number }[] {
    return [...this.#active.values()].map((r) => ({ device: r.device, startedMs: r.startedMs }));
  }

  /** Whether `file` (a segment of `device`) belongs to a recording still being written. */
  isBeingWritten(device: string, mtimeMs: number): boolean {
    const r = this.#active.get(device);
    return r !== undefined && mtimeMs >= r.startedMs - CLOCK_SLACK_MS;
  }

  /** start_recording. A stop_recording arriving meanwhile waits for it. */
  start(
    device: string,
    opts: { duration?: number; format?: string } = {},
  ): Promise<RecordingStartResult> {
    const run = this.#start(device, opts);
    if (!this.#starting.has(device)) {
      this.#starting.set(device, run);
      run.catch(() => undefined).finally(() => this.#starting.delete(device));
    }
    return run;
  }

  async #start(
    device: string,
    opts: { duration?: number; format?: string },
  ): Promise<RecordingStartResult> {
    const { config, cameras, mediamtx, monitor } = this.deps;
    const format = recordFormatOf(opts.format, config.recording.format);
    const max = config.recording.max_duration;
    if (opts.duration !== undefined && (opts.duration <= 0 || opts.duration > max)) {
      throw invalidParams(
        "duration",
        "range",
        `duration must be > 0 and <= ${max} seconds (recording.max_duration)`,
      );
    }
    const cam = cameras.get(device);
    if (!cam) throw notFound("camera", device);
    if (this.#active.has(device)) throw invalidState("RECORDING", ["STOPPED"]);
    if (this.#busy.has(device)) throw invalidState("STARTING", ["STOPPED"]);
    if (this.#closed) throw invalidState("SHUTTING_DOWN", ["RUNNING"]);
    this.#busy.add(device);
    try {
      monitor?.require();
      await assertDiskWritable(
        await this.#ensureDir(),
        config.recording.disk_block_percent,
        this.deps.disk,
      );
      let conf: PathConf | null;
      try {
        conf = await mediamtx.getPathConfig(device);
      } catch (e) {
        throw mediamtxFailure(e, device);
      }
      if (!conf) throw dependencyFailed("mediamtx", `path ${device} is not configured in MediaMTX`);
      if (conf.record === true) throw invalidState("RECORDING", ["STOPPED"]);
      // An idle on-demand source is not "available" (so not CONNECTED) until it is read.
      if (cam.status !== "CONNECTED" && !isOnDemand(conf)) {
        throw invalidState(cam.status, ["CONNECTED"]);
      }
      const startedMs = this.#now();
      try {
        await mediamtx.patchPathConfig(device, this.recordConf(format));
      } catch (e) {
        throw mediamtxFailure(e, device);
      }
      const durationS = opts.duration ?? null;
      const rec: ActiveRecording = {
        device,
        startedMs,
        deadlineMs: startedMs + (durationS ?? max) * 1000,
        durationS,
        format,
        requested: opts.format ?? format,
        firstSegment: null,
        adopted: false,
      };
      this.#active.set(device, rec);
      if (isOnDemand(conf)) this.#startKeepalive(rec);
      this.#schedule(rec);
      await this.#persist().catch((e) =>
        this.deps.log?.error("cannot persist recording state", { error: (e as Error).message })
      );
      rec.watch = this.#watchFirstSegment(rec);
      let waited: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        rec.watch,
        new Promise((r) => (waited = setTimeout(r, this.deps.firstSegmentWaitMs ?? 3000))),
      ]);
      clearTimeout(waited);
      this.deps.events.emit("recording_status_update", {
        device,
        status: "STARTED",
        filename: rec.firstSegment ?? "",
        duration: 0,
        reason: "request",
      });
      this.deps.log?.info("recording started", { device, format });
      return this.#startResult(rec);
    } finally {
      this.#busy.delete(device);
    }
  }

  /** stop_recording (reason "request"). */
  async stop(device: string): Promise<RecordingStopResult> {
    await this.#starting.get(device)?.catch(() => undefined);
    if (!this.#active.has(device)) {
      throw invalidState(this.#busy.has(device) ? "STARTING" : "STOPPED", ["RECORDING"]);
    }
    return await this.#stop(device, "request");
  }

  async #ensureDir(): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    return this.directory;
  }

  #startResult(rec: ActiveRecording): RecordingStartResult {
    const out: RecordingStartResult = {
      device: rec.device,
      status: rec.firstSegment ? "RECORDING" : "STARTING",
      start_time: new Date(rec.startedMs).toISOString(),
      record_format: rec.format,
      auto_stop_at: new Date(rec.deadlineMs).toISOString(),
    };
    if (rec.firstSegment) out.filename = rec.firstSegment;
    if (rec.format === "fmp4") out.format = rec.requested === "mp4" ? "mp4" : "fmp4";
    return out;
  }

  #startKeepalive(rec: ActiveRecording): void {
    const { config, log } = this.deps;
    rec.keepalive = this.deps.keepalive?.(rec.device) ?? new Keepalive({
      ffmpegPath: config.ffmpeg.path,
      url: rtspUrl(config.mediamtx.host, config.mediamtx.rtsp_port, rec.device),
      transport: config.snapshots.rtsp_transport ?? "tcp",
      log: log?.child({ device: rec.device }),
    });
    rec.keepalive.start();
  }

  #schedule(rec: ActiveRecording, atMs = rec.deadlineMs): void {
    if (rec.timer) clearTimeout(rec.timer);
    const delay = Math.max(0, Math.min(atMs - this.#now(), 2 ** 31 - 1));
    rec.timer = setTimeout(() => {
      if (this.#active.get(rec.device) !== rec) return;
      if (this.#now() < rec.deadlineMs) return this.#schedule(rec);
      const reason: StopReason = rec.durationS === null ? "max_duration" : "duration";
      this.#stop(rec.device, reason).catch((e) => {
        this.deps.log?.error("auto-stop failed; retrying in 5 s", {
          device: rec.device,
          error: (e as Error).message,
        });
        if (this.#active.get(rec.device) === rec) this.#schedule(rec, this.#now() + 5000);
      });
    }, delay);
  }

  /** Finds the first segment; a requested duration then counts from that segment's start. */
  async #watchFirstSegment(rec: ActiveRecording): Promise<void> {
    const until = this.#now() + (this.deps.firstSegmentWatchMs ?? 30_000);
    while (!this.#closed && this.#active.get(rec.device) === rec && this.#now() < until) {
      const segs = (await this.#segments(rec)).sort((a, b) => (a.name < b.name ? -1 : 1));
      if (segs.length) {
        rec.firstSegment = segs[0].name;
        const seen = this.#now();
        const parsed = segmentStartMs(segs[0].name.slice(rec.device.length + 1));
        const begin = parsed !== null && Math.abs(parsed - seen) < 120_000 ? parsed : seen;
        if (rec.durationS !== null) {
          rec.deadlineMs = Math.max(rec.startedMs, begin) + rec.durationS * 1000;
          this.#schedule(rec);
        }
        await this.#persist().catch(() => undefined);
        return;
      }
      await sleep(100);
    }
  }

  #segments(rec: { device: string; startedMs: number }): Promise<StoredFile[]> {
    return listSegments(this.directory, rec.device).then((all) =>
      all.filter((f) => f.mtimeMs >= rec.startedMs - CLOCK_SLACK_MS)
    );
  }

  async #stop(device: string, reason: StopReason, settle = true): Promise<RecordingStopResult> {
    const rec = this.#active.get(device)!;
    this.#busy.add(device);
    try {
      try {
        await this.deps.mediamtx.patchPathConfig(device, { record: false });
      } catch (e) {
        // A path that no longer exists records nothing: the recording is over.
        const gone = e instanceof MediaMtxError && e.kind === "http" && e.status === 404;
        if (!gone) throw mediamtxFailure(e, device);
        this.deps.log?.warn("path gone while recording; recording ended", { device });
      }
      if (rec.timer) clearTimeout(rec.timer);
      this.#active.delete(device);
      await rec.watch; // ends within one poll once the recording is no longer active
      await rec.keepalive?.stop();
      await this.#persist().catch((e) =>
        this.deps.log?.error("cannot persist recording state", { error: (e as Error).message })
      );
      const endMs = this.#now();
      const result = await measureRecording({
        rec,
        endMs,
        reason,
        settleMs: settle ? this.deps.settleMs ?? 1500 : 0,
        segments: () => this.#segments(rec),
        probe: this.#probe,
        now: this.#now,
      });
      this.deps.events.emit("recording_status_update", {
        device,
        status: "STOPPED",
        filename: result.filename ?? "",
        duration: result.duration ?? 0,
        reason,
      });
      this.deps.log?.info("recording stopped", { device, reason, bytes: result.file_size });
      return result;
    } finally {
      this.#busy.delete(device);
    }
  }

  async #persist(): Promise<void> {
    const state: RecordingStateFile = { version: 1, recordings: {} };
    for (const r of this.#active.values()) {
      state.recordings[r.device] = {
        started_at: new Date(r.startedMs).toISOString(),
        deadline: new Date(r.deadlineMs).toISOString(),
        duration: r.durationS,
        format: r.format,
        requested: r.requested,
        first_segment: r.firstSegment,
      };
    }
    await this.#state.write(state);
  }

  /**
   * Adopt the recordings MediaMTX is running (persisted ones with their deadlines; unknown
   * camera paths with record on get recording.max_duration from now). Expired → stopped now.
   * Throws -32050 when MediaMTX cannot be asked (the state file is then left as it is).
   */
  async recoverState(): Promise<{ adopted: string[]; stopped: string[]; dropped: string[] }> {
    const { config, mediamtx, log } = this.deps;
    const file = join(config.data_dir, "recordings-state.json");
    let saved: RecordingStateFile;
    try {
      saved = await readJson<RecordingStateFile>(file, { version: 1, recordings: {} });
    } catch (e) {
      log?.warn("recordings state unreadable; starting empty", { error: (e as Error).message });
      saved = { version: 1, recordings: {} };
    }
    const confs = new Map<string, PathConf | null>();
    try {
      for (const c of (await mediamtx.listPathConfigs?.()) ?? []) {
        if (typeof c.name === "string" && /^camera[0-9]+$/.test(c.name)) confs.set(c.name, c);
      }
      for (const id of Object.keys(saved.recordings ?? {})) {
        if (!confs.has(id)) confs.set(id, await mediamtx.getPathConfig(id));
      }
    } catch (e) {
      throw mediamtxFailure(e, "*");
    }
    const report = { adopted: [] as string[], stopped: [] as string[], dropped: [] as string[] };
    const now = this.#now();
    for (const [id, conf] of confs) {
      const p = saved.recordings?.[id];
      if (this.#active.has(id)) continue;
      if (conf?.record !== true) {
        if (p) report.dropped.push(id);
        continue;
      }
      const startedMs = p ? Date.parse(p.started_at) : now;
      const deadlineMs = p ? Date.parse(p.deadline) : now + config.recording.max_duration * 1000;
      const rec: ActiveRecording = {
        device: id,
        startedMs: Number.isFinite(startedMs) ? startedMs : now,
        deadlineMs: Number.isFinite(deadlineMs) ? deadlineMs : now,
        durationS: p?.duration ?? null,
        format: conf.recordFormat === "mpegts" ? "mpegts" : "fmp4",
        requested: p?.requested ?? (conf.recordFormat === "mpegts" ? "mpegts" : "fmp4"),
        firstSegment: p?.first_segment ?? null,
        adopted: true,
      };
      this.#active.set(id, rec);
      if (rec.deadlineMs <= now) {
        try {
          await this.#stop(id, rec.durationS === null ? "max_duration" : "duration", false);
          report.stopped.push(id);
        } catch (e) {
          log?.error("cannot stop expired recording", { device: id, error: (e as Error).message });
          this.#schedule(rec, now + 5000);
          report.adopted.push(id);
        }
        continue;
      }
      if (isOnDemand(conf)) this.#startKeepalive(rec);
      this.#schedule(rec);
      report.adopted.push(id);
    }
    await this.#persist();
    if (report.adopted.length || report.stopped.length || report.dropped.length) {
      log?.info("recordings recovered", report);
    }
    return report;
  }

  /** SIGTERM: stop every active recording (record:false finalises the files), persist. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    for (const device of [...this.#active.keys()]) {
      try {
        await this.#stop(device, "shutdown", false);
      } catch (e) {
        const rec = this.#active.get(device);
        if (rec?.timer) clearTimeout(rec.timer);
        await rec?.watch;
        await rec?.keepalive?.stop();
        this.deps.log?.error("recording not stopped at shutdown; it will be adopted", {
          device,
          error: (e as Error).message,
        });
      }
    }
    await this.#persist().catch(() => undefined);
  }
}
