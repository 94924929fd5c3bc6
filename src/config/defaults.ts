/**
 * The built-in defaults: the single place where default values live.
 *
 * `defaultConfig()` returns the values exactly as written in `config/camera-service.yaml`
 * (the embedded default), i.e. BEFORE path resolution: `data_dir` is the relative "./data",
 * and the derived paths (`recording.directory`, `snapshots.directory`,
 * `security.api_keys_file`, `security.ssl.cert_file`, ...) are "" meaning "derive it from
 * data_dir" (or "generate it", for the certificate). `loadConfig()` returns a config whose
 * paths are absolute and derived ones filled in (see `resolveConfigPaths` in `paths.ts`).
 *
 * Adding a key: add it to `types.ts`, here, to `config/camera-service.yaml` (commented), then
 * run `deno run --allow-read --allow-write --allow-env scripts/gen-embedded-config.ts`.
 */
import type { Config } from "./types.ts";

/** A fresh copy of the default configuration (unresolved paths; see the module doc). */
export function defaultConfig(): Config {
  return {
    data_dir: "./data",
    server: {
      host: "0.0.0.0",
      port: 8002,
      websocket_path: "/ws",
      max_connections: 1000,
      public_host: "",
      max_frame_bytes: 1048576,
      max_batch_size: 50,
      rate_limit_rps: 100,
      rate_limit_burst: 200,
      ping_interval: 30,
      trusted_proxies: [],
      max_send_queue: 1000,
      shutdown_timeout: 10,
    },
    health: {
      host: "0.0.0.0",
      port: 8003,
      metrics_access: "loopback",
    },
    security: {
      ssl: {
        enabled: true,
        cert_file: "",
        key_file: "",
        key_passphrase: "",
        verify_mode: "CERT_NONE",
        ca_file: "",
        min_version: "TLSv1.2",
        watch: true,
      },
      jwt_secret_key: "",
      jwt_expiry: 86400,
      api_keys_file: "",
      auth_max_failures: 5,
      auth_failure_window: 60,
      auth_lockout: 300,
      download_url_ttl: 300,
    },
    mediamtx: {
      host: "127.0.0.1",
      api_port: 9997,
      rtsp_port: 8554,
      hls_port: 8888,
      webrtc_port: 8889,
      username: "",
      password: "",
      api_timeout: 5,
      health_check_interval: 5,
      backoff_max: 60,
      stream_keepalive: 300,
    },
    camera: {
      device_dir: "/dev",
      sysfs_dir: "/sys/class/video4linux",
      device_range: [0, 9],
      poll_interval: 5,
      v4l2ctl_path: "v4l2-ctl",
      probe_timeout: 5,
      on_demand: true,
      encoder: {
        codec: "libx264",
        preset: "ultrafast",
        tune: "zerolatency",
        profile: "baseline",
        pix_fmt: "yuv420p",
        bitrate: "2M",
        gop: 25,
        keyframe_interval: 0.5,
        input_format: "",
        video_size: "",
        framerate: 0,
      },
      sources: [],
    },
    external_streams: {
      candidates: [],
      scan_interval: 0,
      probe_timeout: 5,
    },
    ffmpeg: {
      path: "ffmpeg",
      ffprobe_path: "ffprobe",
    },
    recording: {
      directory: "",
      format: "fmp4",
      segment_duration: 3600,
      max_duration: 86400,
      disk_block_percent: 95,
      disk_warn_percent: 85,
    },
    snapshots: {
      directory: "",
      format: "jpg",
      quality: 85,
      timeout: 10,
      rtsp_transport: "tcp",
    },
    retention: {
      policy_type: "age",
      enabled: false,
      max_age_days: 30,
      max_size_gb: 10,
      cleanup_interval: 3600,
    },
    logging: {
      level: "info",
      format: "json",
    },
  };
}
