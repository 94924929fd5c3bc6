/**
 * MediaMTX v1.20.1 control API (v3) types, as the camera service uses them.
 * See shared/mediamtx/NOTES.md and openapi.yaml. Every server field is treated as optional on
 * input; `PathState` is the normalised view (deprecated fallbacks applied).
 */

/** A path configuration entry (partial on write, merged with pathDefaults on read). */
export interface PathConf {
  [k: string]: unknown;
  name?: string;
  source?: string;
  sourceOnDemand?: boolean;
  runOnInit?: string;
  runOnInitRestart?: boolean;
  runOnDemand?: string;
  runOnDemandRestart?: boolean;
  runOnDemandCloseAfter?: string;
  record?: boolean;
  recordPath?: string;
  recordFormat?: "fmp4" | "mpegts";
  recordPartDuration?: string;
  recordSegmentDuration?: string;
  recordDeleteAfter?: string;
  rtspTransport?: string;
}

/** One track of a runtime path (`tracks2`). */
export interface PathTrack {
  codec: string;
  codecProps?: Record<string, unknown>;
}

/** Runtime state of a path (`GET /v3/paths/get/{name}`), normalised. */
export interface PathState {
  name: string;
  confName: string;
  source: { type: string; id: string } | null;
  /** `available`, falling back to deprecated `ready` (MediaMTX < 1.16). */
  available: boolean;
  availableTime: string | null;
  online: boolean;
  onlineTime: string | null;
  /** Codec names (from `tracks2`, or deprecated `tracks`). */
  tracks: string[];
  tracks2: PathTrack[];
  /** `inboundBytes`/`outboundBytes`, falling back to `bytesReceived`/`bytesSent` (< 1.17). */
  inboundBytes: number;
  outboundBytes: number;
  inboundFramesInError: number;
  readers: { type: string; id: string }[];
}

/** `GET /v3/info`. */
export interface MediaMtxInfo {
  version: string;
  started: string;
}

/** A recording entry (`GET /v3/recordings/get/{name}`). */
export interface Recording {
  name: string;
  segments: { start: string }[];
}

/** Why a MediaMTX call failed. */
export type MediaMtxErrorKind = "unreachable" | "timeout" | "http" | "protocol";

/** A failed MediaMTX API call: transport problem, timeout, HTTP error status or bad body. */
export class MediaMtxError extends Error {
  readonly kind: MediaMtxErrorKind;
  readonly status?: number;
  readonly body?: string;

  constructor(
    kind: MediaMtxErrorKind,
    message: string,
    extra: { status?: number; body?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "MediaMtxError";
    this.kind = kind;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.body !== undefined) this.body = extra.body;
  }
}
