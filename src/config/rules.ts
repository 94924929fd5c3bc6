/**
 * Per-key rules: what each configuration value must look like.
 *
 * The SHAPE of the configuration (which keys exist) comes from `defaultConfig()`; this table
 * only adds the constraints a key has beyond its default's type. A key missing from the table
 * gets a rule inferred from its default value (boolean, non-negative number, string, string
 * list), so a key added to `defaults.ts` is validated and env-overridable at once.
 */

/** A constraint on one configuration value. */
export type Rule =
  | { kind: "bool" }
  | { kind: "port"; min?: number }
  | { kind: "int"; min?: number; max?: number }
  | { kind: "number"; min?: number; max?: number; positive?: boolean }
  | {
    kind: "string";
    nonEmpty?: boolean;
    pattern?: RegExp;
    /** The human wording of `pattern`, used in messages. */
    patternText?: string;
    /** Relative values resolve against the config file's folder. */
    path?: boolean;
    /** Never printed: masked in messages, `config check` and logs. */
    secret?: boolean;
    /** Minimum length in UTF-8 bytes when not empty. */
    minLength?: number;
  }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "list"; item: "string" | "ip_or_cidr" | "rtsp_url" }
  | { kind: "range" }
  | { kind: "sources" };

const positive = { kind: "number", positive: true } as const;
const nonNegative = { kind: "number", min: 0 } as const;
const path = { kind: "string", path: true } as const;
const word = { kind: "string", nonEmpty: true } as const;
const HOST =
  /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/;
const hostText = "a host name or IP address without scheme, port or brackets (e.g. 192.168.1.10)";
const host = { kind: "string", nonEmpty: true, pattern: HOST, patternText: hostText } as const;

/** Explicit rules by dotted key path. */
export const RULES: Record<string, Rule> = {
  "data_dir": { kind: "string", path: true, nonEmpty: true },

  "server.host": host,
  "server.port": { kind: "port" },
  "server.websocket_path": {
    kind: "string",
    pattern: /^\/[^\s?#]*$/,
    patternText: "a URL path starting with / (no spaces, query or fragment)",
  },
  "server.public_host": {
    kind: "string",
    pattern: new RegExp(`${HOST.source}|^$`),
    patternText: `${hostText}, or "" for this machine's host name`,
  },
  "server.max_connections": { kind: "int", min: 1 },
  "server.max_frame_bytes": { kind: "int", min: 1024 },
  "server.max_batch_size": { kind: "int", min: 1 },
  "server.rate_limit_rps": positive,
  "server.rate_limit_burst": { kind: "int", min: 1 },
  "server.ping_interval": positive,
  "server.trusted_proxies": { kind: "list", item: "ip_or_cidr" },
  "server.max_send_queue": { kind: "int", min: 1 },
  "server.shutdown_timeout": nonNegative,

  "health.host": host,
  "health.port": { kind: "port" },
  "health.metrics_access": { kind: "enum", values: ["open", "loopback", "token"] },

  "security.ssl.cert_file": path,
  "security.ssl.key_file": path,
  "security.ssl.key_passphrase": { kind: "string", secret: true },
  "security.ssl.verify_mode": {
    kind: "enum",
    values: ["CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED"],
  },
  "security.ssl.ca_file": path,
  "security.ssl.min_version": { kind: "enum", values: ["TLSv1.2", "TLSv1.3"] },
  "security.jwt_secret_key": { kind: "string", secret: true, minLength: 32 },
  "security.jwt_expiry": { kind: "int", min: 1 },
  "security.api_keys_file": path,
  "security.auth_max_failures": { kind: "int", min: 1 },
  "security.auth_failure_window": positive,
  "security.auth_lockout": nonNegative,
  "security.download_url_ttl": { kind: "int", min: 1 },

  "mediamtx.host": host,
  "mediamtx.api_port": { kind: "port", min: 1 },
  "mediamtx.rtsp_port": { kind: "port", min: 1 },
  "mediamtx.hls_port": { kind: "port", min: 1 },
  "mediamtx.webrtc_port": { kind: "port", min: 1 },
  "mediamtx.password": { kind: "string", secret: true },
  "mediamtx.api_timeout": positive,
  "mediamtx.health_check_interval": positive,
  "mediamtx.backoff_max": positive,

  "camera.device_dir": { kind: "string", path: true, nonEmpty: true },
  "camera.sysfs_dir": { kind: "string", path: true, nonEmpty: true },
  "camera.device_range": { kind: "range" },
  "camera.poll_interval": positive,
  "camera.v4l2ctl_path": word,
  "camera.probe_timeout": positive,
  "camera.encoder.codec": word,
  "camera.encoder.profile": word,
  "camera.encoder.pix_fmt": word,
  "camera.encoder.bitrate": {
    kind: "string",
    pattern: /^[1-9][0-9]*(\.[0-9]+)?[kKmM]?$/,
    patternText: "a bit rate such as 2M, 1500k or 800000",
  },
  "camera.encoder.gop": { kind: "int", min: 1 },
  "camera.encoder.keyframe_interval": { kind: "number", min: 0, max: 60 },
  "camera.encoder.video_size": {
    kind: "string",
    pattern: /^([1-9][0-9]*x[1-9][0-9]*)?$/,
    patternText: 'WIDTHxHEIGHT such as 1280x720, or "" for the device default',
  },
  "camera.sources": { kind: "sources" },

  "external_streams.candidates": { kind: "list", item: "rtsp_url" },
  "external_streams.scan_interval": nonNegative,
  "external_streams.probe_timeout": positive,

  "ffmpeg.path": word,
  "ffmpeg.ffprobe_path": word,

  "recording.directory": path,
  "recording.format": { kind: "enum", values: ["fmp4", "mpegts"] },
  "recording.segment_duration": positive,
  "recording.max_duration": positive,
  "recording.disk_block_percent": { kind: "number", min: 0, max: 100 },
  "recording.disk_warn_percent": { kind: "number", min: 0, max: 100 },

  "snapshots.directory": path,
  "snapshots.format": { kind: "enum", values: ["jpg", "png"] },
  "snapshots.quality": { kind: "int", min: 1, max: 100 },
  "snapshots.timeout": positive,
  "snapshots.rtsp_transport": { kind: "enum", values: ["tcp", "udp"] },

  "retention.policy_type": { kind: "enum", values: ["age", "size", "manual"] },
  "retention.max_age_days": positive,
  "retention.max_size_gb": positive,
  "retention.cleanup_interval": positive,

  "logging.level": { kind: "enum", values: ["debug", "info", "warn", "error"] },
  "logging.format": { kind: "enum", values: ["json", "text"] },
};

/** The rule for `path`: the explicit one, else one inferred from the default value. */
export function ruleFor(path: string, defaultValue: unknown): Rule | undefined {
  const explicit = RULES[path];
  if (explicit) return explicit;
  if (typeof defaultValue === "boolean") return { kind: "bool" };
  if (typeof defaultValue === "number") return nonNegative;
  if (typeof defaultValue === "string") return { kind: "string" };
  if (Array.isArray(defaultValue)) return { kind: "list", item: "string" };
  return undefined;
}

/** True when the value at `path` is a secret (never shown). */
export function isSecret(path: string): boolean {
  const r = RULES[path];
  return r?.kind === "string" && r.secret === true;
}
