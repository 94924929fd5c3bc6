/**
 * The MediaMTX path configuration that publishes a camera (path name = camera id).
 * USB: ffmpeg reads the V4L2 device and pushes H.264 over RTSP back into the same path
 * (`runOnDemand`, or `runOnInit` when `camera.on_demand` is false). IP: MediaMTX pulls `source`.
 */
import type { Config, IpCameraSource } from "../config/types.ts";
import type { PathConf } from "../mediamtx/types.ts";

/** Quotes one argument for MediaMTX's command splitter (shell-like words, no shell). */
export function quoteArg(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_\-+=:,./@%$]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** The config a USB publish command depends on. */
export type PublishConfig = Pick<Config, "camera" | "ffmpeg">;

/**
 * Test/advanced hook (not a config key): ffmpeg input arguments that replace
 * `-f v4l2 ... -i /dev/videoN`, e.g. `-re -f lavfi -i testsrc=size=640x480:rate=25`.
 */
export interface PublishOptions {
  inputOverride?: string;
}

/** ffmpeg input arguments for a V4L2 device, from `camera.encoder` (or the override). */
export function v4l2InputArgs(
  devicePath: string,
  config: PublishConfig,
  opts: PublishOptions = {},
): string[] {
  const override = opts.inputOverride?.trim();
  if (override) return [override];
  const e = config.camera.encoder;
  const args = ["-f", "v4l2"];
  if (e.input_format) args.push("-input_format", e.input_format);
  if (e.video_size) args.push("-video_size", e.video_size);
  if (e.framerate > 0) args.push("-framerate", String(e.framerate));
  args.push("-i", quoteArg(devicePath));
  return args;
}

/**
 * `-force_key_frames` for a keyframe at least every `seconds` of stream time, or [] for 0.
 * Readers joining the stream (snapshots, new viewers) can decode nothing before a keyframe, so
 * this bounds their wait whatever the camera's frame rate (`-g` counts frames).
 */
export function keyframeArgs(seconds: number): string[] {
  if (!(seconds > 0)) return [];
  return ["-force_key_frames", quoteArg(`expr:gte(t,n_forced*${seconds})`)];
}

/** ffmpeg output arguments: browser-playable H.264 by default, then RTSP into MediaMTX. */
export function encoderArgs(config: PublishConfig): string[] {
  const e = config.camera.encoder;
  const args = ["-c:v", quoteArg(e.codec)];
  if (e.codec !== "copy") {
    if (e.preset) args.push("-preset", quoteArg(e.preset));
    if (e.tune) args.push("-tune", quoteArg(e.tune));
    if (e.profile) args.push("-profile:v", quoteArg(e.profile));
    if (e.pix_fmt) args.push("-pix_fmt", quoteArg(e.pix_fmt));
    if (e.bitrate) args.push("-b:v", quoteArg(e.bitrate));
    if (e.gop > 0) args.push("-g", String(e.gop));
    args.push(...keyframeArgs(e.keyframe_interval));
  }
  args.push("-an", "-f", "rtsp", "rtsp://localhost:$RTSP_PORT/$MTX_PATH");
  return args;
}

/** The full publish command line for a USB camera (MediaMTX fills in $RTSP_PORT/$MTX_PATH). */
export function usbPublishCommand(
  devicePath: string,
  config: PublishConfig,
  opts: PublishOptions = {},
): string {
  return [
    quoteArg(config.ffmpeg.path),
    "-hide_banner",
    "-loglevel",
    "error",
    ...v4l2InputArgs(devicePath, config, opts),
    ...encoderArgs(config),
  ].join(" ");
}

/** PathConf for a USB camera. */
export function usbPathConf(
  devicePath: string,
  config: PublishConfig,
  opts: PublishOptions = {},
): PathConf {
  const cmd = usbPublishCommand(devicePath, config, opts);
  return config.camera.on_demand
    ? { source: "publisher", runOnDemand: cmd, runOnDemandRestart: true }
    : { source: "publisher", runOnInit: cmd, runOnInitRestart: true };
}

/** PathConf for a configured IP camera: MediaMTX pulls the URL (credentials stay in MediaMTX). */
export function ipPathConf(source: IpCameraSource): PathConf {
  return {
    source: source.url,
    sourceOnDemand: source.on_demand,
    rtspTransport: source.rtsp_transport,
  };
}
