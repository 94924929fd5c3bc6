/** Shared shapes of the recording module (state, results, dependencies). */
import type { Config } from "../config/types.ts";
import type { EventBus } from "../core/events.ts";
import type { PathConf } from "../mediamtx/types.ts";
import type { Logger } from "../observability/log.ts";
import type { DiskProbe } from "./disk.ts";
import type { MediaProber } from "./probe.ts";
import type { CameraLookup } from "./snapshots.ts";

/** Container MediaMTX writes. */
export type RecordFormat = "fmp4" | "mpegts";

/** The narrow MediaMTX client this module uses (MediaMtxClient fits). */
export interface RecordingMediaMtx {
  patchPathConfig(name: string, conf: Partial<PathConf>): Promise<void>;
  getPathConfig(name: string): Promise<PathConf | null>;
  /** Used by recoverState to find recording paths this service has no state for. */
  listPathConfigs?(): Promise<PathConf[]>;
}

/** Something that keeps an on-demand path read while it records. */
export interface KeepaliveHandle {
  start(): void;
  stop(): Promise<void>;
}

/** Dependencies of {@link RecordingService}. */
export interface RecordingDeps {
  config: Pick<Config, "data_dir" | "mediamtx" | "ffmpeg" | "recording" | "snapshots">;
  cameras: CameraLookup;
  mediamtx: RecordingMediaMtx;
  events: Pick<EventBus, "emit">;
  /** Throws -32050 when MediaMTX is down (MediaMtxMonitor.require). */
  monitor?: { require(): void };
  log?: Logger;
  disk?: DiskProbe;
  /** Measures segment durations; default ffprobe at config.ffmpeg.ffprobe_path. */
  probe?: MediaProber;
  /** Keepalive reader factory; default an ffmpeg reader of the path's RTSP URL. */
  keepalive?: (device: string) => KeepaliveHandle;
  /** How long start_recording waits for the first segment file (ms, default 3000). */
  firstSegmentWaitMs?: number;
  /** How long the background watch looks for the first segment (ms, default 30000). */
  firstSegmentWatchMs?: number;
  /** Segment size settle time after record:false (ms, default 1500; 0 skips). */
  settleMs?: number;
  now?: () => number;
}

/** One active recording. */
export interface ActiveRecording {
  device: string;
  startedMs: number;
  /** Auto-stop time (ms); every recording has one (duration or recording.max_duration). */
  deadlineMs: number;
  /** Requested duration in seconds, if any (deadline follows the first segment's start). */
  durationS: number | null;
  format: RecordFormat;
  /** The format name the client asked for (fmp4 | mp4 | mpegts). */
  requested: string;
  firstSegment: string | null;
  timer?: ReturnType<typeof setTimeout>;
  keepalive?: KeepaliveHandle;
  /** The background search for the first segment file. */
  watch?: Promise<void>;
  /** Adopted from a previous run of the service. */
  adopted: boolean;
}

/** What is persisted per active recording in <data_dir>/recordings-state.json. */
export interface PersistedRecording {
  started_at: string;
  deadline: string;
  duration: number | null;
  format: RecordFormat;
  requested: string;
  first_segment: string | null;
}

/** The persisted state file. */
export interface RecordingStateFile {
  version: 1;
  recordings: Record<string, PersistedRecording>;
}

/** Result of start_recording (contract RecordingStart plus allowed extras). */
export interface RecordingStartResult {
  device: string;
  filename?: string;
  status: "RECORDING" | "STARTING";
  start_time: string;
  format?: "fmp4" | "mp4";
  record_format: RecordFormat;
  auto_stop_at: string;
}

/** Result of stop_recording (contract RecordingStop plus allowed extras). */
export interface RecordingStopResult {
  device: string;
  filename?: string;
  status: "STOPPED";
  start_time: string;
  end_time: string;
  /** Seconds, rounded (the contract's integer); `duration_ms` has the measured value. */
  duration?: number;
  duration_ms?: number;
  file_size: number;
  format?: "fmp4" | "mp4";
  record_format: RecordFormat;
  files: string[];
  reason: StopReason;
  message?: string;
}

/** Why a recording stopped. */
export type StopReason = "request" | "duration" | "max_duration" | "shutdown";
