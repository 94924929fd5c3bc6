/**
 * One place that builds the media side for the service: snapshots, recordings, files,
 * storage, retention, signed download URLs, their JSON-RPC methods and the download routes.
 * Nothing runs until `start()`.
 */
import { Hono } from "hono";
import { mediaMethods } from "../api/media.ts";
import type { Identity, MethodDef } from "../api/types.ts";
import type { Config } from "../config/types.ts";
import type { EventBus } from "../core/events.ts";
import type { ComponentHealth } from "../http/health.ts";
import { fileRoutes } from "../http/files.ts";
import type { PathConf } from "../mediamtx/types.ts";
import type { Logger } from "../observability/log.ts";
import { RpcError } from "../rpc/errors.ts";
import { FileService } from "./files.ts";
import type { RecordingMediaMtx } from "./recording_types.ts";
import { RecordingService } from "./recordings.ts";
import { RetentionService } from "./retention.ts";
import { UrlSigner } from "./signing.ts";
import { type CameraLookup, SnapshotService } from "./snapshots.ts";
import { storageInfo } from "./storage.ts";

/** Options of {@link createMediaSubsystem}. */
export interface MediaSubsystemOptions {
  config: Config;
  events: EventBus;
  log: Logger;
  /** The camera registry (get(id) → {status}). */
  cameras: CameraLookup;
  /** MediaMtxClient. */
  mediamtx: RecordingMediaMtx;
  /** MediaMtxMonitor: require() throws -32050 while MediaMTX is down. */
  monitor: { require(): void };
  /** The resolved JWT secret: download URLs are signed with a key derived from it. */
  secret: string;
  /** Identity from Authorization / X-API-Key headers (downloads). */
  authorize(headers: Headers, remote: string): Promise<Identity | null>;
  /** Prefix of download URLs, e.g. `https://box:8002`; "" (default) gives path-only URLs. */
  publicBaseUrl?: string;
  /** server.trusted_proxies, for the client address of downloads. */
  trustedProxies?: readonly string[];
  /** Delay between recoverState attempts while MediaMTX is unreachable (ms, default 5000). */
  recoverRetryMs?: number;
}

/** The built media side. */
export interface MediaSubsystem {
  snapshots: SnapshotService;
  recordings: RecordingService;
  files: FileService;
  retention: RetentionService;
  signer: UrlSigner;
  methods: MethodDef[];
  /** `/files/recordings/:name`, `/files/snapshots/:name` (mount with `app.route("/", routes)`). */
  routes: Hono;
  /** Record fields of active recordings, to merge into the reconciler's desired paths. */
  recordingOverrides(): Map<string, Partial<PathConf>>;
  /** Disk health: degraded at recording.disk_warn_percent, unhealthy at disk_block_percent. */
  storageHealth(): Promise<ComponentHealth>;
  /** Load the retention policy, start its job, adopt recordings (retried until MediaMTX answers). */
  start(): Promise<void>;
  /** SIGTERM: stop recordings (files finalised), persist state, stop timers. */
  stop(): Promise<void>;
}

/** Builds the media subsystem. */
export function createMediaSubsystem(opts: MediaSubsystemOptions): MediaSubsystem {
  const { config, events } = opts;
  const log = opts.log.child({ component: "media" });
  const signer = new UrlSigner({
    secret: opts.secret,
    ttlSeconds: config.security.download_url_ttl,
    baseUrl: opts.publicBaseUrl ?? "",
  });
  const snapshots = new SnapshotService({
    config,
    cameras: opts.cameras,
    events,
    monitor: opts.monitor,
    signer,
    mediamtx: opts.mediamtx,
  });
  const recordings = new RecordingService({
    config,
    cameras: opts.cameras,
    mediamtx: opts.mediamtx,
    events,
    monitor: opts.monitor,
    log,
  });
  const files = new FileService({ config, signer, recordings });
  const retention = new RetentionService({ config, files, log });
  const storage = () => storageInfo({ config, files });
  const methods = mediaMethods({ snapshots, recordings, files, retention, storage });
  const routes = new Hono();
  routes.route(
    "/",
    fileRoutes({ files, signer, authorize: opts.authorize, trustedProxies: opts.trustedProxies }),
  );
  let retry: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  let failures = 0;
  const recover = async (): Promise<void> => {
    retry = null;
    if (stopped) return;
    try {
      await recordings.recoverState();
      if (failures > 0) log.info("recordings adopted", { attempts: failures + 1 });
    } catch (e) {
      // Warn once; while MediaMTX stays down the retries are debug lines, not a line every 5 s.
      const detail = e instanceof RpcError && e.data ? { error: e.message, ...e.data } : {
        error: (e as Error).message,
      };
      if (failures++ === 0) {
        log.warn("cannot adopt recordings yet (MediaMTX unreachable?); retrying", detail);
      } else log.debug("recordings adoption retry failed", { attempt: failures, ...detail });
      retry = setTimeout(recover, opts.recoverRetryMs ?? 5000);
      (retry as { unref?: () => void }).unref?.();
    }
  };

  return {
    snapshots,
    recordings,
    files,
    retention,
    signer,
    methods,
    routes,
    recordingOverrides: () => recordings.recordingOverrides(),
    storageHealth: async () => {
      try {
        const s = await storage();
        const status = s.storage_blocked
          ? "unhealthy"
          : s.low_space_warning
          ? "degraded"
          : "healthy";
        return {
          status,
          usage_percentage: s.usage_percentage,
          available_space: s.available_space,
          warn_percent: s.warn_percent,
          block_percent: s.block_percent,
        };
      } catch (e) {
        return { status: "unhealthy", error: (e as Error).message };
      }
    },
    start: async () => {
      await snapshots.removeStaleTemps().catch(() => 0);
      await retention.load();
      retention.start();
      await recover();
    },
    stop: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await retention.stop();
      await recordings.shutdown();
    },
  };
}
