/** The camera record the registry keeps, and the views clients and events get from it. */
import { redactCredentials } from "../util/url.ts";
import type { Config, IpCameraSource } from "../config/types.ts";
import type { CameraStatus, CameraStatusEvent } from "../core/events.ts";
import type { PathState } from "../mediamtx/types.ts";
import { type StreamUrls, streamUrls } from "./streams.ts";
import type { CapabilitySummary } from "./v4l2.ts";

/** One camera: a V4L2 device or a configured IP camera. Never sent as is (device paths, URLs). */
export interface CameraRecord {
  /** camera<N>. */
  id: string;
  kind: "usb" | "ip";
  status: CameraStatus;
  name: string;
  /** Why the status is ERROR or DISCONNECTED. */
  reason?: string;
  /** USB: the device node (internal only). */
  devicePath?: string;
  /** USB: probed capabilities; null = unknown (v4l2-ctl missing) or IP camera. */
  capabilities: CapabilitySummary | null;
  /** "WxH" or "" when unknown. */
  resolution: string;
  /** Frames per second (whole), 0 when unknown. */
  fps: number;
  /** IP: the configured source (its URL may hold credentials). */
  source?: IpCameraSource;
  /** When the status last changed. */
  since: Date;
}

/** The contract's `Camera` object. */
export interface CameraView {
  device: string;
  status: CameraStatus;
  name: string;
  resolution?: string;
  fps?: number;
  streams: StreamUrls;
}

/** Projects a record to the contract's `Camera` (unknown resolution/fps left out). */
export function cameraView(
  rec: CameraRecord,
  config: Pick<Config, "server" | "mediamtx">,
): CameraView {
  const view: CameraView = {
    device: rec.id,
    status: rec.status,
    name: rec.name,
    streams: streamUrls(rec.id, config),
  };
  if (rec.resolution) view.resolution = rec.resolution;
  if (rec.fps > 0) view.fps = rec.fps;
  return view;
}

/** The `camera_status_update` payload ("" / 0 where resolution / fps are unknown). */
export function statusEvent(
  rec: CameraRecord,
  config: Pick<Config, "server" | "mediamtx">,
): CameraStatusEvent {
  const ev: CameraStatusEvent = {
    device: rec.id,
    status: rec.status,
    name: rec.name,
    resolution: rec.resolution,
    fps: rec.fps,
    streams: { ...streamUrls(rec.id, config) },
  };
  if (rec.reason && rec.status !== "CONNECTED") ev.reason = rec.reason;
  return ev;
}

/** "WxH" of the first video track MediaMTX reports, or "". */
export function trackResolution(path: PathState | null): string {
  for (const t of path?.tracks2 ?? []) {
    const w = Number(t.codecProps?.width);
    const h = Number(t.codecProps?.height);
    if (w > 0 && h > 0) return `${w}x${h}`;
  }
  return "";
}

/** Replaces credentials in a URL with `***` (for logs and responses). */
export { redactCredentials as redactUrl };
