/**
 * The strict, resolved configuration: every field present, validated, defaults applied.
 * The loose input (YAML/env) is parsed and checked in `load.ts` and `schema.ts`.
 * Durations are in seconds (numbers), sizes in bytes unless the key says otherwise.
 */

export type VerifyMode = "CERT_NONE" | "CERT_OPTIONAL" | "CERT_REQUIRED";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Role = "viewer" | "operator" | "admin";

export interface SslConfig {
  enabled: boolean;
  /** PEM: certificate chain, or chain and key together (combined PEM). Empty = generate self-signed in data_dir. */
  cert_file: string;
  /** PEM private key; empty or same as cert_file when the cert file is combined. */
  key_file: string;
  /** Passphrase for an encrypted private key (or env CAMERA_SERVICE_SSL_KEY_PASSPHRASE). */
  key_passphrase: string;
  verify_mode: VerifyMode;
  /** CA bundle that signs client certificates (required for CERT_OPTIONAL / CERT_REQUIRED). */
  ca_file: string;
  /** "TLSv1.2" or "TLSv1.3". */
  min_version: "TLSv1.2" | "TLSv1.3";
  /** Watch the certificate files and reload on change (SIGHUP reloads too). */
  watch: boolean;
}

export interface IpCameraSource {
  /** camera<N>, outside the V4L2 device range. */
  id: string;
  name: string;
  /** rtsp:// or rtsps:// URL; may carry credentials (never logged or returned). */
  url: string;
  /** MediaMTX rtspTransport for the pull: automatic | udp | tcp | multicast. */
  rtsp_transport: "automatic" | "udp" | "tcp" | "multicast";
  /** Connect to the camera only while someone reads. */
  on_demand: boolean;
}

export interface EncoderConfig {
  /** ffmpeg video codec for USB cameras, e.g. libx264. */
  codec: string;
  preset: string;
  tune: string;
  /** H.264 profile: baseline | main | high. */
  profile: string;
  pix_fmt: string;
  bitrate: string;
  /** Longest keyframe interval in frames (-g). */
  gop: number;
  /** Seconds between forced keyframes whatever the frame rate; 0 = only `gop`. */
  keyframe_interval: number;
  /** V4L2 input format requested from the device ("" = device default), e.g. mjpeg. */
  input_format: string;
  /** "" = device default, else WIDTHxHEIGHT. */
  video_size: string;
  /** 0 = device default. */
  framerate: number;
}

export interface Config {
  /** Directory for generated state: certificates, secrets, api keys, retention policy. */
  data_dir: string;
  server: {
    host: string;
    port: number;
    websocket_path: string;
    max_connections: number;
    /** Host name placed in stream URLs. "" = the machine's host name. */
    public_host: string;
    /** Maximum WebSocket message size in bytes (close 1009 past it). */
    max_frame_bytes: number;
    max_batch_size: number;
    /** Requests per second per connection (token bucket refill), and burst size. */
    rate_limit_rps: number;
    rate_limit_burst: number;
    /** WebSocket ping interval in seconds; a peer that misses one pong is closed. */
    ping_interval: number;
    /** Addresses (exact IPs or CIDRs) of reverse proxies whose X-Forwarded-For is trusted. */
    trusted_proxies: string[];
    /** Per-session outbound queue bound (messages) before a slow client is dropped. */
    max_send_queue: number;
    /** Seconds allowed for graceful shutdown. */
    shutdown_timeout: number;
  };
  health: {
    host: string;
    port: number;
    /** Who may read /metrics: "open", "loopback" (others need a token), "token". */
    metrics_access: "open" | "loopback" | "token";
  };
  security: {
    ssl: SslConfig;
    /** HS256 secret. Empty = generated into data_dir on first start. */
    jwt_secret_key: string;
    /** Default token lifetime for `token create`, seconds. */
    jwt_expiry: number;
    /** JSON file of hashed API keys. Empty = <data_dir>/api-keys.json. */
    api_keys_file: string;
    /** Failed authentications per remote address before lockout, and the window/lockout in seconds. */
    auth_max_failures: number;
    auth_failure_window: number;
    auth_lockout: number;
    /** Lifetime of signed download URLs, seconds. */
    download_url_ttl: number;
  };
  mediamtx: {
    host: string;
    api_port: number;
    rtsp_port: number;
    hls_port: number;
    webrtc_port: number;
    /** Basic-auth credentials for the MediaMTX API ("" = none). */
    username: string;
    password: string;
    /** Per-request timeout, seconds. */
    api_timeout: number;
    /** Health check interval, seconds; backoff doubles up to backoff_max with jitter. */
    health_check_interval: number;
    backoff_max: number;
    /** How long start_streaming keeps an on-demand path alive, seconds. */
    stream_keepalive: number;
  };
  camera: {
    device_dir: string;
    sysfs_dir: string;
    /** Inclusive range of /dev/video<N> numbers. */
    device_range: [number, number];
    /** Reconcile poll interval, seconds (hotplug watch is the fast path). */
    poll_interval: number;
    v4l2ctl_path: string;
    probe_timeout: number;
    /** USB cameras publish on demand (first reader starts ffmpeg). */
    on_demand: boolean;
    encoder: EncoderConfig;
    sources: IpCameraSource[];
  };
  external_streams: {
    /** Candidate RTSP URLs probed by discover_external_streams. */
    candidates: string[];
    /** Seconds between automatic scans; 0 = on demand only. */
    scan_interval: number;
    probe_timeout: number;
  };
  ffmpeg: {
    path: string;
    ffprobe_path: string;
  };
  recording: {
    /** Where MediaMTX writes recordings (recordPath root, shared with this service). */
    directory: string;
    format: "fmp4" | "mpegts";
    /** Segment length, seconds. */
    segment_duration: number;
    /** Upper bound for start_recording.duration, seconds. */
    max_duration: number;
    /** Disk usage percent at which new recordings/snapshots are refused, and warned. */
    disk_block_percent: number;
    disk_warn_percent: number;
  };
  snapshots: {
    directory: string;
    format: "jpg" | "png";
    quality: number;
    /** Hard timeout for one ffmpeg snapshot, seconds. */
    timeout: number;
    /** RTSP transport of this service's own readers (snapshots, recording keepalive); default tcp. */
    rtsp_transport: "tcp" | "udp";
  };
  retention: {
    policy_type: "age" | "size" | "manual";
    enabled: boolean;
    max_age_days: number;
    max_size_gb: number;
    /** Seconds between automatic cleanups. */
    cleanup_interval: number;
  };
  logging: {
    level: LogLevel;
    format: "json" | "text";
  };
}
