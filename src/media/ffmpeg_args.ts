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

/** Arguments for grabbing one frame into `output` with fast stream probing. */
export function snapshotArgs(a: SnapshotArgs): string[] {
  const codec = a.format === "png"
    ? ["-c:v", "png"]
    : ["-c:v", "mjpeg", "-q:v", String(jpegQscale(a.quality))];
  return [
    ...quietRtspInput(a.transport),
    "-analyzeduration",
    "0",
    "-probesize",
    "32",
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
