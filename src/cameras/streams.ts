/** Client-facing stream URLs of a camera, on the box's public host name (API.md). */
import { hostname } from "node:os";
import type { Config } from "../config/types.ts";

/** The contract's `Streams` object (additionalProperties: false). */
export interface StreamUrls {
  rtsp: string;
  hls: string;
  webrtc: string;
}

let machineName: string | null = null;

/** `server.public_host`, or the machine's host name when it is empty (read once: it is a syscall). */
export function publicHost(config: Pick<Config, "server">): string {
  return config.server.public_host.trim() || (machineName ??= hostname());
}

/** `host:port` for a URL, an IPv6 literal in brackets. */
export const authority = (host: string, port: number): string =>
  `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;

/**
 * The URLs clients play `id` from: RTSP, HLS (`/ID/index.m3u8`) and the WebRTC page
 * (`/ID`, WHEP at `/ID/whep`). HLS/WebRTC are http: MediaMTX's own TLS is not this
 * service's configuration.
 */
export function streamUrls(
  id: string,
  config: Pick<Config, "server" | "mediamtx">,
): StreamUrls {
  const host = publicHost(config);
  const m = config.mediamtx;
  const path = encodeURIComponent(id);
  return {
    rtsp: `rtsp://${authority(host, m.rtsp_port)}/${path}`,
    hls: `http://${authority(host, m.hls_port)}/${path}/index.m3u8`,
    webrtc: `http://${authority(host, m.webrtc_port)}/${path}`,
  };
}

/** The URL this service itself reads a path from (keepalive readers): MediaMTX's host. */
export function internalRtspUrl(id: string, config: Pick<Config, "mediamtx">): string {
  return `rtsp://${authority(config.mediamtx.host, config.mediamtx.rtsp_port)}/${
    encodeURIComponent(id)
  }`;
}
