/** Helpers of the recording module: format mapping, segment names, MediaMTX errors, measuring. */
import { MediaMtxError, type PathConf } from "../mediamtx/types.ts";
import { dependencyFailed, invalidParams, RpcError } from "../rpc/errors.ts";
import type { MediaProber } from "./probe.ts";
import type {
  ActiveRecording,
  RecordFormat,
  RecordingStopResult,
  StopReason,
} from "./recording_types.ts";
import type { StoredFile } from "./stored.ts";

/** File times come from a coarser kernel clock than Date.now(). */
export const CLOCK_SLACK_MS = 100;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Maps the start_recording `format` onto MediaMTX's: fmp4 | mp4 → fmp4, mpegts; mkv → -32030. */
export function recordFormatOf(
  requested: string | undefined,
  fallback: RecordFormat,
): RecordFormat {
  if (requested === undefined) return fallback;
  if (requested === "fmp4" || requested === "mp4") return "fmp4";
  if (requested === "mpegts") return "mpegts";
  if (requested === "mkv") {
    throw new RpcError(-32030, {
      feature: "format mkv",
      hint: "MediaMTX cannot write Matroska; use fmp4 (mp4) or mpegts",
    });
  }
  throw invalidParams("format", "enum", "format must be one of: fmp4, mp4, mpegts");
}

/** Start time of a segment from its MediaMTX name (`%Y-%m-%d_%H-%M-%S-%f`, local time). */
export function segmentStartMs(file: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})-(\d{1,6})\./.exec(file);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Number(m[7].padEnd(6, "0")) / 1000;
  const t = new Date(y, mo - 1, d, h, mi, s).getTime() + ms;
  return Number.isFinite(t) ? t : null;
}

/** MediaMTX failure → RpcError (-32050, or the RpcError as is). */
export function mediamtxFailure(e: unknown, device: string): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof MediaMtxError && e.kind === "http" && e.status === 404) {
    return dependencyFailed("mediamtx", `path ${device} is not configured in MediaMTX`);
  }
  return dependencyFailed("mediamtx", (e as Error).message ?? String(e));
}

/** The path reads its source on demand (needs a reader to produce frames). */
export function isOnDemand(conf: PathConf): boolean {
  return conf.sourceOnDemand === true ||
    (typeof conf.runOnDemand === "string" && conf.runOnDemand !== "");
}

/** Inputs of {@link measureRecording}. */
export interface MeasureInput {
  rec: ActiveRecording;
  endMs: number;
  reason: StopReason;
  /** Wait up to this long (ms) for segment sizes to stop changing (final flush). */
  settleMs: number;
  /** The recording's segment files now. */
  segments: () => Promise<StoredFile[]>;
  probe: MediaProber;
  now: () => number;
}

/** The stop result measured from the segment files: summed sizes and ffprobe durations. */
export async function measureRecording(m: MeasureInput): Promise<RecordingStopResult> {
  const { rec } = m;
  let segs = await m.segments();
  const settleUntil = m.now() + m.settleMs;
  while (m.now() < settleUntil) {
    await sleep(250);
    const again = await m.segments();
    const same = again.length === segs.length &&
      again.every((f) => segs.some((g) => g.name === f.name && g.size === f.size));
    segs = again;
    if (same) break;
  }
  segs.sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: RecordingStopResult = {
    device: rec.device,
    status: "STOPPED",
    start_time: new Date(rec.startedMs).toISOString(),
    end_time: new Date(m.endMs).toISOString(),
    file_size: segs.reduce((n, f) => n + f.size, 0),
    record_format: rec.format,
    files: segs.map((f) => f.name),
    reason: m.reason,
  };
  if (segs.length) out.filename = segs[0].name;
  if (rec.format === "fmp4") out.format = rec.requested === "mp4" ? "mp4" : "fmp4";
  if (!segs.length) {
    out.duration = 0;
    out.duration_ms = 0;
    out.message = "no segment was written (the stream delivered no keyframe while recording)";
    return out;
  }
  try {
    let total = 0;
    for (const f of segs) total += (await m.probe(f.path)).duration ?? 0;
    out.duration_ms = Math.round(total * 1000);
    out.duration = Math.round(total);
  } catch (e) {
    out.message = `duration not measured: ${
      e instanceof RpcError ? e.data?.detail : (e as Error).message
    }`;
  }
  return out;
}
