/**
 * The domain subsystems behind the API: MediaMTX (client, reconciler, monitor), cameras
 * (registry, streams, external streams) and media (snapshots, recordings, files, storage).
 * Built from the config; the service mounts their methods and HTTP routes.
 */
import type { Hono } from "hono";
import type { MethodDef } from "./api/types.ts";
import type { AuthSetup } from "./auth/setup.ts";
import type { PublishOptions } from "./cameras/publish.ts";
import type { CameraRegistry } from "./cameras/registry.ts";
import { createCameraSubsystem } from "./cameras/subsystem.ts";
import { authority, publicHost } from "./cameras/streams.ts";
import { storageInfo } from "./media/storage.ts";
import { createMediaSubsystem, type MediaSubsystem } from "./media/subsystem.ts";
import type { Config } from "./config/types.ts";
import type { EventBus } from "./core/events.ts";
import { consoleOptions, mountConsole } from "./http/console.ts";
import type { ComponentHealth } from "./http/health.ts";
import { MediaMtxClient } from "./mediamtx/client.ts";
import { mediamtxHealth } from "./mediamtx/health.ts";
import { MediaMtxMonitor } from "./mediamtx/monitor.ts";
import { PathReconciler } from "./mediamtx/reconcile.ts";
import type { PathConf } from "./mediamtx/types.ts";
import type { Logger } from "./observability/log.ts";
import type { ServiceMetrics } from "./observability/service_metrics.ts";
import { CpuSampler, metricsSnapshot } from "./observability/snapshot.ts";

export interface SubsystemDeps {
  config: Config;
  log: Logger;
  bus: EventBus;
  auth: AuthSetup;
  metrics: ServiceMetrics;
  /** Advanced/test: replaces the ffmpeg V4L2 input of USB publish commands. */
  publish?: PublishOptions;
}

export interface Subsystems {
  methods: MethodDef[];
  maxCameras: number;
  supportedFormats: string[];
  capabilities: string[];
  mediamtx: MediaMtxClient;
  monitor: MediaMtxMonitor;
  cameras: CameraRegistry;
  media: MediaSubsystem;
  mountHttp(app: Hono): void;
  discoveryReady(): boolean;
  cameraHealth(): Promise<ComponentHealth>;
  mediamtxHealth(): Promise<ComponentHealth>;
  storageHealth(): Promise<ComponentHealth>;
  metricsSnapshot(): Promise<Record<string, unknown>>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildSubsystems(deps: SubsystemDeps): Promise<Subsystems> {
  const { config, log, bus, metrics } = deps;
  const m = config.mediamtx;
  const mediamtx = new MediaMtxClient({
    baseUrl: `http://${m.host}:${m.api_port}`,
    timeoutMs: m.api_timeout * 1000,
    username: m.username || undefined,
    password: m.password || undefined,
  });
  let monitorRef: MediaMtxMonitor | null = null;
  const cameraSub = createCameraSubsystem({
    config,
    events: bus,
    log,
    mediamtx,
    monitor: { require: () => monitorRef!.require() },
    publish: deps.publish,
    keepaliveTransport: config.snapshots.rtsp_transport,
  });
  const cameras = cameraSub.registry;
  const scheme = config.security.ssl.enabled ? "https" : "http";
  const media = createMediaSubsystem({
    config,
    events: bus,
    log,
    cameras,
    mediamtx,
    monitor: { require: () => monitorRef!.require() },
    secret: deps.auth.secret.secret,
    authorize: (headers, remote) => deps.auth.authenticator.authFromHttpHeaders(headers, remote),
    publicBaseUrl: config.server.port === 0
      ? undefined
      : `${scheme}://${authority(publicHost(config), config.server.port)}`,
    trustedProxies: config.server.trusted_proxies,
  });
  /** Cameras' paths, with the record fields of active recordings on top (never undone). */
  const desired = (): Map<string, PathConf> => {
    const paths = cameras.desiredPaths();
    for (const [id, extra] of media.recordingOverrides()) {
      const base = paths.get(id);
      if (base) paths.set(id, { ...base, ...extra });
    }
    return paths;
  };
  const reconciler = new PathReconciler({
    client: mediamtx,
    desired,
    log: log.child({ component: "mediamtx" }),
  });
  const monitor = new MediaMtxMonitor({
    client: mediamtx,
    reconciler,
    intervalMs: m.health_check_interval * 1000,
    backoffMaxMs: m.backoff_max * 1000,
    log: log.child({ component: "mediamtx" }),
  });
  monitorRef = monitor;
  cameras.onChange(() => {
    if (monitor.status().reachable) {
      reconciler.reconcile().catch((e) => log.warn("reconcile failed", { error: String(e) }));
    }
  });
  metrics.setSources({
    camerasByStatus: () => {
      const counts: Record<string, number> = { CONNECTED: 0, DISCONNECTED: 0, ERROR: 0 };
      for (const c of cameras.list()) counts[c.status]++;
      return counts;
    },
    mediamtxUp: () => monitor.status().reachable,
    activeRecordings: () => media.recordings.active().length,
  });

  const cpu = new CpuSampler();
  const [lo, hi] = config.camera.device_range;
  const subs: Subsystems = {
    methods: [...cameraSub.methods, ...media.methods],
    maxCameras: hi - lo + 1 + config.camera.sources.length,
    supportedFormats: ["fmp4", "mp4", "mpegts", "jpg", "png"],
    capabilities: ["snapshots", "recordings", "streaming", "events", "batches", "api_keys"],
    mediamtx,
    monitor,
    cameras,
    media,
    mountHttp: (app) => {
      app.route("/", media.routes);
      mountConsole(app, consoleOptions(config));
    },
    discoveryReady: () => cameras.isReady,
    cameraHealth: () => Promise.resolve(cameras.health() as unknown as ComponentHealth),
    mediamtxHealth: () =>
      Promise.resolve(mediamtxHealth(monitor.status()) as unknown as ComponentHealth),
    storageHealth: () => media.storageHealth(),
    metricsSnapshot: () =>
      metricsSnapshot({
        cameras: () => cameras.list(),
        activeRecordings: () => media.recordings.active(),
        paths: () => mediamtx.listPaths(),
        diskUsagePercent: async () =>
          (await storageInfo({ config, files: media.files })).usage_percentage,
      }, cpu),
    start: async () => {
      await cameraSub.start();
      monitor.start();
      await media.start();
    },
    stop: async () => {
      await media.stop();
      monitor.stop();
      await cameraSub.stop();
    },
  };
  return Promise.resolve(subs);
}
