/** ffprobe of recorded files: container duration and the video stream's codec and size. */
import { dependencyFailed } from "../rpc/errors.ts";
import { runProcess, ToolMissingError } from "../util/process.ts";

/** What ffprobe measured in one media file. */
export interface MediaProbe {
  /** Seconds (float); null when the container states none. */
  duration: number | null;
  codec: string | null;
  width: number | null;
  height: number | null;
}

/** Probes a media file; injectable for tests. */
export type MediaProber = (file: string) => Promise<MediaProbe>;

const num = (v: unknown): number | null => {
  const n = typeof v === "string" ? Number(v) : typeof v === "number" ? v : NaN;
  return Number.isFinite(n) ? n : null;
};

/**
 * An ffprobe-backed {@link MediaProber}. Missing tool, timeout or an unreadable file →
 * -32050 (dependency "ffprobe").
 */
export function ffprobe(path: string, timeoutMs = 15_000): MediaProber {
  return async (file) => {
    let r;
    try {
      r = await runProcess(path, [
        "-v",
        "error",
        "-show_entries",
        "format=duration:stream=codec_type,codec_name,width,height",
        "-of",
        "json",
        file,
      ], { timeoutMs });
    } catch (e) {
      if (e instanceof ToolMissingError) {
        throw dependencyFailed("ffprobe", `ffprobe not found at ${e.path}`);
      }
      throw e;
    }
    if (r.timedOut) throw dependencyFailed("ffprobe", `ffprobe timed out on ${fileLabel(file)}`);
    if (r.code !== 0) {
      const last = r.stderr.trim().split("\n").pop() ?? "";
      throw dependencyFailed("ffprobe", `cannot read ${fileLabel(file)}: ${last}`);
    }
    let j: { format?: { duration?: unknown }; streams?: Record<string, unknown>[] };
    try {
      j = JSON.parse(r.stdout);
    } catch {
      throw dependencyFailed("ffprobe", `unreadable ffprobe output for ${fileLabel(file)}`);
    }
    const video = (j.streams ?? []).find((s) => s.codec_type === "video");
    return {
      duration: num(j.format?.duration),
      codec: typeof video?.codec_name === "string" ? video.codec_name : null,
      width: num(video?.width),
      height: num(video?.height),
    };
  };
}

const fileLabel = (file: string): string => file.split("/").pop() ?? file;
