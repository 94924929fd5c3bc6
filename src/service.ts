/**
 * The service: builds every subsystem from the resolved config, wires them together and runs
 * the two listeners (WSS JSON-RPC + downloads on server.port, HTTPS health/metrics on
 * health.port). `createService()` is the public entry (mod.ts re-exports it).
 */
import { mkdir } from "node:fs/promises";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { createAuth } from "./auth/setup.ts";
import type { PublishOptions } from "./cameras/publish.ts";
import type { Config } from "./config/types.ts";
import { EventBus } from "./core/events.ts";
import { type IdleGcHandle, type IdleGcResult, scheduleIdleGc } from "./core/idle_gc.ts";
import { type ComponentHealth, healthApp, systemFacts } from "./http/health.ts";
import { Logger } from "./observability/log.ts";
import { RpcEngine } from "./rpc/engine.ts";
import { NotificationHub } from "./rpc/hub.ts";
import { Listener, type RequestHandler } from "./server/listener.ts";
import { attachRpcSocket } from "./server/rpc_socket.ts";
import { ServiceMetrics } from "./observability/service_metrics.ts";
import { TlsRuntime } from "./server/tls_runtime.ts";
import { buildSubsystems, type Subsystems } from "./subsystems.ts";
import { systemMethods } from "./api/system.ts";

export interface ServiceOptions {
  config: Config;
  /** Defaults to a logger built from config.logging. */
  log?: Logger;
  /**
   * Advanced/test: replaces the ffmpeg V4L2 input of USB publish commands, e.g.
   * `{ inputOverride: "-re -f lavfi -i testsrc=size=640x480:rate=25" }` on a box without cameras.
   */
  publish?: PublishOptions;
}

/** Where the service listens once started. */
export interface ServiceAddresses {
  ws_port: number;
  health_port: number;
  ws_url: string;
  health_url: string;
  tls: boolean;
}

export class Service {
  readonly config: Config;
  readonly log: Logger;
  readonly bus: EventBus;
  readonly startedAt = new Date();
  readonly metrics: ServiceMetrics;
  #hub: NotificationHub;
  #tls: TlsRuntime | null = null;
  #ws: Listener | null = null;
  #health: Listener | null = null;
  #subsystems: Subsystems | null = null;
  #stopping: Promise<void> | null = null;
  #publish?: PublishOptions;
  #started: Promise<void> = Promise.resolve();
  /** Connections, calls and HTTP requests seen: the idle GC waits for it to stand still. */
  #activity = 0;
  #idleGc: IdleGcHandle | null = null;

  constructor(opts: ServiceOptions) {
    this.#publish = opts.publish;
    this.config = opts.config;
    this.log = opts.log ??
      new Logger({ level: opts.config.logging.level, format: opts.config.logging.format });
    this.bus = new EventBus((err) =>
      this.log.error("event listener failed", { error: String(err) })
    );
    this.#hub = new NotificationHub(this.bus);
    this.metrics = new ServiceMetrics(this.#hub);
  }

  /** The notification hub (sessions, stats). */
  get hub(): NotificationHub {
    return this.#hub;
  }

  /** Start everything; throws (with a precise message) when config or certificates are broken. */
  async start(): Promise<ServiceAddresses> {
    const { config, log } = this;
    await mkdir(config.data_dir, { recursive: true, mode: 0o700 });
    const auth = await createAuth(config, log);
    if (auth.secretProblem) log.warn(`JWT secret: ${auth.secretProblem}`);

    if (config.security.ssl.enabled) {
      this.#tls = await TlsRuntime.create(config, log, this.metrics);
    } else {
      log.warn(
        "TLS is disabled (security.ssl.enabled: false): serving plain WS/HTTP; use this only behind a TLS-terminating reverse proxy",
      );
    }

    const subs = await buildSubsystems({
      config,
      log,
      bus: this.bus,
      auth,
      metrics: this.metrics,
      publish: this.#publish,
    });
    this.#subsystems = subs;

    const methods = [
      ...systemMethods({
        auth: auth.authenticator,
        hub: this.#hub,
        startedAt: this.startedAt,
        maxCameras: subs.maxCameras,
        supportedFormats: subs.supportedFormats,
        capabilities: subs.capabilities,
        components: async () => ({
          websocket_server: this.#ws ? "healthy" : "unhealthy",
          camera_monitor: (await subs.cameraHealth()).status,
          mediamtx: (await subs.mediamtxHealth()).status,
        }),
        metrics: () => subs.metricsSnapshot(),
        tls: () => {
          const h = this.#tls?.health();
          return h
            ? {
              subject: String(h.subject),
              not_after: String(h.not_after),
              days_left: Number(h.days_left),
              warning: (h.warning as string | null) ?? null,
            }
            : null;
        },
      }),
      ...subs.methods,
    ];
    const engine = new RpcEngine({
      methods,
      auth: auth.authenticator,
      log,
      maxBatch: config.server.max_batch_size,
      observe: (m, code, s) => {
        this.#activity++;
        this.metrics.observeCall(m, code, s);
      },
    });

    const tlsOptions = this.#tls?.serverOptions() ?? null;
    const hooks = this.#tls?.hooks();

    // Server port: WebSocket JSON-RPC, file downloads (and the console, when built).
    const app = new Hono();
    subs.mountHttp(app);
    app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
    this.#ws = new Listener({
      name: "wss",
      host: config.server.host,
      port: config.server.port,
      tls: tlsOptions,
      hooks,
      handler: this.#counted(getRequestListener(app.fetch)),
      log,
      ws: {
        path: config.server.websocket_path,
        maxPayload: config.server.max_frame_bytes,
        maxConnections: config.server.max_connections,
        pingIntervalMs: config.server.ping_interval * 1000,
        onConnection: (ws, info) =>
          attachRpcSocket(ws, info, {
            engine,
            hub: this.#hub,
            log,
            trustedProxies: config.server.trusted_proxies,
            maxSendQueue: config.server.max_send_queue,
            rateLimitRps: config.server.rate_limit_rps,
            rateLimitBurst: config.server.rate_limit_burst,
            onOpen: () => {
              this.#activity++;
              this.metrics.wsOpened();
            },
            onClose: () => this.metrics.wsClosed(),
          }),
      },
    });

    // Health port: probes and metrics.
    const health = healthApp({
      startedAt: this.startedAt,
      readiness: async () => ({
        config: { status: "healthy", ready: true },
        discovery: { ...(await subs.cameraHealth()), ready: subs.discoveryReady() },
        tls: this.#tls ? this.#tls.health() : { status: "healthy", enabled: false },
        mediamtx: await subs.mediamtxHealth(),
      }),
      cameras: () => subs.cameraHealth(),
      mediamtx: () => subs.mediamtxHealth(),
      system: async (): Promise<ComponentHealth> => ({
        ...(await subs.storageHealth()),
        ...systemFacts(),
        tls: this.#tls ? this.#tls.health() : { enabled: false },
      }),
      metrics: () => this.metrics.render(),
      metricsAccess: config.health.metrics_access,
      trustedProxies: config.server.trusted_proxies,
      authorize: (headers, remote) => auth.authenticator.authFromHttpHeaders(headers, remote),
    });
    this.#health = new Listener({
      name: "health",
      host: config.health.host,
      port: config.health.port,
      tls: tlsOptions,
      hooks,
      handler: this.#counted(getRequestListener(health.fetch)),
      log,
    });

    const wsPort = await this.#ws.listen();
    const healthPort = await this.#health.listen();
    this.#tls?.attach([this.#ws, this.#health]);
    // Discovery (and then MediaMTX reconciliation, recording adoption) runs after the ports
    // accept connections: a box with many cameras answers at once, and /health/ready says
    // 503 until the first discovery pass is done.
    this.#started = subs.start().catch((err) => {
      log.error("subsystem start failed", {
        error: err instanceof Error ? err.message : String(err),
      });
    });
    // Then, once the first MediaMTX check is done too and no client is busy, one full GC takes
    // start-up's garbage (discovery, probing, TLS set-up) out of the heap and the RSS.
    this.#idleGc = scheduleIdleGc({
      afterStartup: this.#started.then(() => subs.monitor.firstCheck()),
      activity: () => this.#activity,
      log,
    });

    const scheme = config.security.ssl.enabled ? ["wss", "https"] : ["ws", "http"];
    const shown = config.server.host === "0.0.0.0" || config.server.host === "::"
      ? "localhost"
      : config.server.host;
    const addresses: ServiceAddresses = {
      ws_port: wsPort,
      health_port: healthPort,
      ws_url: `${scheme[0]}://${shown}:${wsPort}${config.server.websocket_path}`,
      health_url: `${scheme[1]}://${shown}:${healthPort}/health/ready`,
      tls: config.security.ssl.enabled,
    };
    log.info("listening", { ...addresses });
    return addresses;
  }

  /** Resolves when discovery's first pass, MediaMTX monitoring and recording adoption started. */
  whenReady(): Promise<void> {
    return this.#started;
  }

  /** What the one idle GC after start-up did, once it ran (or was cancelled by stop). */
  idleGcDone(): Promise<IdleGcResult | "not started"> {
    return this.#idleGc?.done ?? Promise.resolve("not started");
  }

  /** Re-read certificates (SIGHUP). Broken new files keep the old certificate in service. */
  async reload(): Promise<void> {
    await this.#tls?.reload("signal");
  }

  /** `handler`, counting each request as activity (see #activity). */
  #counted(handler: RequestHandler): RequestHandler {
    return (req, res) => {
      this.#activity++;
      handler(req, res);
    };
  }

  /** Graceful stop: recordings finalised, sockets closed, timers and children gone. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.log.info("stopping");
      this.#idleGc?.cancel();
      await this.#started;
      await this.#subsystems?.stop();
      await Promise.all([this.#ws?.close(), this.#health?.close()]);
      await this.#tls?.close();
      this.#hub.close();
      this.log.info("stopped");
    })();
    return this.#stopping;
  }
}

/** Build a service from a resolved config (see loadConfig). Call `start()` to listen. */
export function createService(opts: ServiceOptions): Service {
  return new Service(opts);
}
