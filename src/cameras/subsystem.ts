/**
 * One place that builds the camera side for the service: registry (discovery, events, desired
 * paths), streaming keepalive, external streams, and their JSON-RPC methods.
 */
import {
  type CameraApiDeps,
  cameraMethods,
  type MediaMtxGate,
  type PathReader,
} from "../api/cameras.ts";
import { externalMethods } from "../api/external.ts";
import { streamMethods } from "../api/streams.ts";
import type { MethodDef } from "../api/types.ts";
import type { Config } from "../config/types.ts";
import type { EventBus } from "../core/events.ts";
import type { Logger } from "../observability/log.ts";
import { ExternalStreams } from "./external.ts";
import { StreamKeepalive } from "./keepalive.ts";
import type { PublishOptions } from "./publish.ts";
import { CameraRegistry } from "./registry.ts";
import { internalRtspUrl } from "./streams.ts";

export interface CameraSubsystemOptions {
  config: Config;
  events: EventBus;
  log: Logger;
  /** MediaMtxClient (getPath, listPaths). */
  mediamtx: PathReader;
  /** MediaMtxMonitor (require() throws -32050 while MediaMTX is down). */
  monitor: MediaMtxGate;
  /** Test/advanced: replaces the ffmpeg V4L2 input of publish commands. */
  publish?: PublishOptions;
  /** RTSP transport of the start_streaming keepalive reader (default tcp). */
  keepaliveTransport?: "tcp" | "udp";
}

/** The built camera side. */
export interface CameraSubsystem {
  registry: CameraRegistry;
  keepalive: StreamKeepalive;
  external: ExternalStreams;
  /** get_camera_*, get_stream*, start/stop_streaming, external stream methods. */
  methods: MethodDef[];
  /** Discovery (resolves after the first pass) and the external scan timer. */
  start(): Promise<void>;
  /** Stops watches, timers, keepalive readers. */
  stop(): Promise<void>;
}

/** Builds the camera subsystem; nothing runs until `start()`. */
export function createCameraSubsystem(opts: CameraSubsystemOptions): CameraSubsystem {
  const { config, log } = opts;
  const registry = new CameraRegistry({
    config,
    events: opts.events,
    log: log.child({ component: "cameras" }),
    mediamtx: opts.mediamtx,
    publish: opts.publish,
  });
  const keepalive = new StreamKeepalive({
    ffmpegPath: config.ffmpeg.path,
    keepaliveSec: config.mediamtx.stream_keepalive,
    urlFor: (id) => internalRtspUrl(id, config),
    rtspTransport: opts.keepaliveTransport,
    log: log.child({ component: "streams" }),
  });
  const external = new ExternalStreams({ config, log: log.child({ component: "external" }) });
  const deps: CameraApiDeps = {
    registry,
    mediamtx: opts.mediamtx,
    monitor: opts.monitor,
    config,
  };
  let unsubscribe: (() => void) | null = null;
  return {
    registry,
    keepalive,
    external,
    methods: [
      ...cameraMethods(deps),
      ...streamMethods({ ...deps, keepalive }),
      ...externalMethods({ external }),
    ],
    async start() {
      // A camera that goes away ends its streaming session (no reader retrying a dead path).
      unsubscribe = opts.events.on("camera_status_update", (e) => {
        if (e.status !== "CONNECTED" && keepalive.get(e.device)) {
          void keepalive.stop(e.device, "camera gone");
        }
      });
      await registry.start();
      external.start();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await Promise.all([registry.stop(), external.stop(), keepalive.stopAll()]);
    },
  };
}
