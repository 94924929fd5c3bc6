/**
 * MediaMTX simulator: path configuration model (v1.20.1 pathDefaults, decoding rules and
 * validation, as in internal/conf). Each entry keeps only its explicit overrides; reads merge them
 * over the defaults and print durations the Go way ("1h" → "1h0m0s", zero → "").
 */
import { formatDuration, parseDuration } from "../../src/mediamtx/normalise.ts";

/** pathDefaults of the default mediamtx.yml (v1.20.1), non-deprecated fields. */
export const PATH_DEFAULTS: Record<string, unknown> = {
  source: "publisher",
  sourceFingerprint: "",
  sourceOnDemand: false,
  sourceOnDemandStartTimeout: "10s",
  sourceOnDemandCloseAfter: "10s",
  maxReaders: 0,
  srtReadPassphrase: "",
  useAbsoluteTimestamp: false,
  alwaysAvailable: false,
  alwaysAvailableTracks: [],
  alwaysAvailableFile: "",
  forward: [],
  record: false,
  recordPath: "./recordings/%path/%Y-%m-%d_%H-%M-%S-%f",
  recordFormat: "fmp4",
  recordPartDuration: "1s",
  recordMaxPartSize: "50M",
  recordSegmentDuration: "1h",
  recordDeleteAfter: "1d",
  overridePublisher: true,
  srtPublishPassphrase: "",
  rtspDemuxMpegts: false,
  rtspTransport: "automatic",
  rtspAnyPort: false,
  rtspRangeType: "",
  rtspRangeStart: "",
  rtspScale: "",
  rtspUDPSourcePortRange: [32768, 60999],
  rtpSDP: "",
  moqTransport: "quic",
  whepBearerToken: "",
  whepSTUNGatherTimeout: "5s",
  whepHandshakeTimeout: "10s",
  whepTrackGatherTimeout: "2s",
  sourceRedirect: "",
  rpiCameraCamID: 0,
  rpiCameraSecondary: false,
  rpiCameraWidth: 1920,
  rpiCameraHeight: 1080,
  rpiCameraHFlip: false,
  rpiCameraVFlip: false,
  rpiCameraBrightness: 0,
  rpiCameraContrast: 1,
  rpiCameraSaturation: 1,
  rpiCameraSharpness: 1,
  rpiCameraExposure: "normal",
  rpiCameraAWB: "auto",
  rpiCameraAWBGains: [0, 0],
  rpiCameraDenoise: "off",
  rpiCameraShutter: 0,
  rpiCameraMetering: "centre",
  rpiCameraGain: 0,
  rpiCameraEV: 0,
  rpiCameraROI: "",
  rpiCameraHDR: false,
  rpiCameraTuningFile: "",
  rpiCameraMode: "",
  rpiCameraFPS: 30,
  rpiCameraAfMode: "continuous",
  rpiCameraAfRange: "normal",
  rpiCameraAfSpeed: "normal",
  rpiCameraLensPosition: 0,
  rpiCameraAfWindow: "",
  rpiCameraFlickerPeriod: 0,
  rpiCameraTextOverlayEnable: false,
  rpiCameraTextOverlay: "%Y-%m-%d %H:%M:%S - MediaMTX",
  rpiCameraCodec: "auto",
  rpiCameraIDRPeriod: 60,
  rpiCameraBitrate: 5000000,
  rpiCameraH264Profile: "auto",
  rpiCameraH264Level: "4.1",
  rpiCameraMJPEGQuality: 60,
  runOnInit: "",
  runOnInitRestart: false,
  runOnDemand: "",
  runOnDemandRestart: false,
  runOnDemandStartTimeout: "10s",
  runOnDemandCloseAfter: "10s",
  runOnUnDemand: "",
  runOnAvailable: "",
  runOnAvailableRestart: false,
  runOnUnavailable: "",
  runOnOnline: "",
  runOnOnlineRestart: false,
  runOnOffline: "",
  runOnRead: "",
  runOnReadRestart: false,
  runOnUnread: "",
  runOnRecordSegmentCreate: "",
  runOnRecordSegmentComplete: "",
};

/** Deprecated fields still accepted on input (nullable in the spec), with their JSON type. */
const DEPRECATED: Record<string, "boolean" | "string" | "number" | "array"> = {
  disablePublisherOverride: "boolean",
  fallback: "string",
  mpegtsUDPReadBufferSize: "number",
  playback: "boolean",
  publishIPs: "array",
  publishPass: "string",
  publishUser: "string",
  readIPs: "array",
  readPass: "string",
  readUser: "string",
  rpiCameraHardwareH264Level: "string",
  rpiCameraHardwareH264Profile: "string",
  rpiCameraJPEGQuality: "number",
  rpiCameraLevel: "string",
  rpiCameraProfile: "string",
  rpiCameraSoftwareH264Level: "string",
  rpiCameraSoftwareH264Profile: "string",
  rtpUDPReadBufferSize: "number",
  rtspUDPReadBufferSize: "number",
  runOnNotReady: "string",
  runOnReady: "string",
  runOnReadyRestart: "boolean",
  sourceAnyPortEnable: "boolean",
  sourceProtocol: "string",
};

const DURATION_KEYS = new Set(
  Object.entries(PATH_DEFAULTS)
    .filter(([, v]) => typeof v === "string" && parseDuration(v) !== null && v !== "")
    .map(([k]) => k),
);

/** A 400 raised by the simulator's decoder/validator, with the Go-style message. */
export class ConfError extends Error {}

/** Check a path name like conf.IsValidPathName (regex names start with '~'). */
export function pathNameProblem(name: string): string | null {
  if (name === "") return "cannot be empty";
  if (name.startsWith("~")) {
    try {
      new RegExp(name.slice(1));
      return null;
    } catch {
      return "invalid regular expression";
    }
  }
  if (name.startsWith("/")) return "can't begin with a slash";
  if (name.endsWith("/")) return "can't end with a slash";
  if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) {
    return "can contain only alphanumeric characters, underscore, dot, tilde, minus or slash";
  }
  if (name.split("/").some((s) => s === "." || s === "..")) return "can't contain '.' or '..'";
  return null;
}

/** Decode a request body into explicit overrides (Go's DisallowUnknownFields + type checks). */
export function decodePathConf(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConfError(text.trim() === "" ? "EOF" : "invalid character in JSON body");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ConfError("json: cannot unmarshal into Go value of type conf.OptionalPath");
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const def = PATH_DEFAULTS[k];
    const depType = DEPRECATED[k];
    if (def === undefined && depType === undefined) {
      throw new ConfError(`json: unknown field "${k}"`);
    }
    const want = depType ?? (Array.isArray(def) ? "array" : typeof def);
    if (depType && v === null) continue;
    const got = Array.isArray(v) ? "array" : typeof v;
    if (got !== want) {
      throw new ConfError(`json: cannot unmarshal ${got} into field ${k} of type ${want}`);
    }
    if (DURATION_KEYS.has(k) && parseDuration(v as string) === null) {
      throw new ConfError(`time: invalid duration "${v}"`);
    }
    out[k] = v;
  }
  return out;
}

/** Effective config: defaults + overrides, durations normalised, plus `name`. */
export function mergedConf(
  name: string,
  overrides: Record<string, unknown>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const m: Record<string, unknown> = { name, ...defaults };
  for (const [k, v] of Object.entries(overrides)) if (k in PATH_DEFAULTS) m[k] = v;
  for (const k of DURATION_KEYS) m[k] = formatDuration(parseDuration(String(m[k])) ?? 0);
  return m;
}

/** Validate an effective path config (subset of conf.Path.validate in v1.20.1). */
export function validatePathConf(name: string, c: Record<string, unknown>): void {
  const src = String(c.source);
  const regex = name.startsWith("~") || name === "all_others" || name === "all";
  const urlSource =
    /^(rtsps?|rtmps?|https?|srt|whep|wheps|udp\+mpegts|udp\+rtp|unix\+mpegts|unix\+rtp|moq):\/\//
      .test(src);
  if (!["publisher", "redirect", "rpiCamera"].includes(src) && !urlSource) {
    throw new ConfError(`invalid source: '${src}'`);
  }
  if (src === "publisher" && c.sourceOnDemand === true) {
    throw new ConfError("'sourceOnDemand' is useless when source is 'publisher'");
  }
  if (urlSource && regex && c.sourceOnDemand !== true) {
    throw new ConfError(
      "a path with a regular expression (or path 'all') and a static source" +
        " must have 'sourceOnDemand' set to true",
    );
  }
  if ((c.runOnDemand !== "" || c.runOnUnDemand !== "") && src !== "publisher") {
    throw new ConfError(
      "'runOnDemand' and 'runOnUnDemand' can be used only when source is 'publisher'",
    );
  }
  if (c.runOnInit !== "" && regex) {
    throw new ConfError(
      "a path with a regular expression (or path 'all') does not support option 'runOnInit'; use another path",
    );
  }
  if (!["fmp4", "mpegts"].includes(String(c.recordFormat))) {
    throw new ConfError(`invalid record format '${c.recordFormat}'`);
  }
  if (!["udp", "multicast", "tcp", "automatic"].includes(String(c.rtspTransport))) {
    throw new ConfError(`invalid transport '${c.rtspTransport}'`);
  }
  const rp = String(c.recordPath);
  const hasTime = rp.includes("%s") ||
    ["%Y", "%m", "%d", "%H", "%M", "%S"].every((x) => rp.includes(x));
  if (!rp.includes("%path") || !hasTime) {
    throw new ConfError("'recordPath' must contain %path and either %s or %Y %m %d %H %M %S");
  }
  const del = parseDuration(String(c.recordDeleteAfter)) ?? 0;
  const seg = parseDuration(String(c.recordSegmentDuration)) ?? 0;
  if (del !== 0 && del < seg) {
    throw new ConfError("'recordDeleteAfter' cannot be lower than 'recordSegmentDuration'");
  }
  if (seg > 86400) throw new ConfError("'recordSegmentDuration' cannot be greater than 1 day");
}

/** True when a and b differ in a key other than record* / forward (the path is recreated). */
export function needsRecreate(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (/^(record|forward)/.test(k)) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return true;
  }
  return false;
}
