/** ffmpeg command lines of the media module (snapshot, keepalive reader) and the RTSP URL. */
import type { ImageFormat } from "./names.ts";

/** RTSP transport used by this service's own readers (snapshots, keepalive). */
export type RtspTransport = "tcp" | "udp";

/**
 * JPEG quality 1..100 (100 best) onto ffmpeg's `-q:v` scale 2..31 (2 best, 31 worst):
 * linear, 100 → 2, 1 → 31.
 */
export function jpegQscale(quality: number): number {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  return Math.round(31 - ((q - 1) * 29) / 99);
}

/** `rtsp://<host>:<port>/<path>` for reading a MediaMTX path (0.0.0.0/"" → loopback). */
export function rtspUrl(host: string, port: number, path: string): string {
  let h = host === "" || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  if (h.includes(":") && !h.startsWith("[")) h = `[${h}]`;
  return `rtsp://${h}:${port}/${path}`;
}

/** Options of {@link snapshotArgs}. */
export interface SnapshotArgs {
  url: string;
  output: string;
  format: ImageFormat;
  /** 1..100; jpg only (png is lossless). */
  quality: number;
  transport: RtspTransport;
}

/** The common start of this service's ffmpeg readers: quiet, no stdin, the RTSP transport. */
function quietRtspInput(transport: RtspTransport): string[] {
  return ["-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", transport];
}

/**
 * Input options that make a one-frame grab return as soon as the first decodable frame (the
 * stream's next keyframe) is in:
 * - `-analyzeduration 0 -probesize 32`: start decoding at once instead of probing for seconds;
 * - `-thread_type slice`: no frame threading. With it the decoder returns a frame only after
 *   `threads - 1` later frames went in (threads = cores + 1: 80 ms at 25 fps on 2 cores, more on
 *   bigger boxes), a pure delay for a single frame. Slice threading stays.
 * - `-allowed_media_types video`: SETUP only the video track (a camera's audio track would cost
 *   one more RTSP round trip and its packets).
 */
export const SNAPSHOT_INPUT_OPTIONS: readonly string[] = [
  "-analyzeduration",
  "0",
  "-probesize",
  "32",
  "-thread_type",
  "slice",
  "-allowed_media_types",
  "video",
];

/**
 * Arguments for grabbing one frame into `output`: the first frame decodable after the request
 * (nothing cached), fast input options ({@link SNAPSHOT_INPUT_OPTIONS}).
 */
export function snapshotArgs(a: SnapshotArgs): string[] {
  const codec = a.format === "png"
    ? ["-c:v", "png"]
    : ["-c:v", "mjpeg", "-q:v", String(jpegQscale(a.quality))];
  return [
    ...quietRtspInput(a.transport),
    ...SNAPSHOT_INPUT_OPTIONS,
    "-i",
    a.url,
    "-an",
    "-frames:v",
    "1",
    ...codec,
    "-f",
    "image2",
    "-update",
    "1",
    "-y",
    a.output,
  ];
}

/** Arguments of a reader that only keeps an on-demand path alive (decodes nothing). */
export function keepaliveArgs(url: string, transport: RtspTransport): string[] {
  return [
    ...quietRtspInput(transport),
    "-i",
    url,
    "-map",
    "0",
    "-c",
    "copy",
    "-f",
    "null",
    "-",
  ];
}
