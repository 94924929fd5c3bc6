/** The service's Prometheus series (issue 5's list), on one registry. */
import type { TLSSocket } from "node:tls";
import type { FanoutTiming, NotificationHub } from "../rpc/hub.ts";
import { type Gauge, MetricsRegistry } from "./metrics.ts";

type Rows = { labels?: Record<string, string>; value: number }[];

/** Sources read at scrape time, set by the subsystems once they exist. */
export interface MetricSources {
  camerasByStatus?: () => Record<string, number>;
  activeRecordings?: () => number;
  mediamtxUp?: () => boolean;
  certExpiry?: () => { not_after_seconds: number; days_left: number } | null;
}

export class ServiceMetrics {
  readonly registry = new MetricsRegistry();
  #sources: MetricSources = {};
  #wsOpen = 0;
  readonly #requests;
  readonly #latency;
  readonly #handshakes;
  readonly #handshakeFailures;
  readonly #clientCertFailures;
  readonly #wsTotal;
  readonly #reloads;

  constructor(hub: NotificationHub) {
    const r = this.registry;
    this.#requests = r.counter(
      "camera_service_rpc_requests_total",
      "JSON-RPC calls by method and result code (ok or the error code).",
    );
    this.#latency = r.histogram(
      "camera_service_rpc_duration_seconds",
      "JSON-RPC call latency by method.",
    );
    this.#handshakes = r.counter(
      "camera_service_tls_handshakes_total",
      "Completed TLS handshakes by protocol version.",
    );
    this.#handshakeFailures = r.counter(
      "camera_service_tls_handshake_failures_total",
      "Failed TLS handshakes by reason.",
    );
    this.#clientCertFailures = r.counter(
      "camera_service_tls_client_cert_failures_total",
      "Client certificates refused by reason.",
    );
    this.#wsTotal = r.counter(
      "camera_service_websocket_connections_total",
      "WebSocket connections accepted since start.",
    );
    this.#reloads = r.counter("camera_service_tls_reloads_total", "Certificate reloads by result.");
    r.gauge(
      "camera_service_websocket_connections",
      "Open WebSocket connections.",
      () => [{ value: this.#wsOpen }],
    );
    r.gauge("camera_service_authenticated_sessions", "Open authenticated sessions.", () => {
      let n = 0;
      for (const s of hub.sessions()) if (s.identity) n++;
      return [{ value: n }];
    });
    r.gauge(
      "camera_service_notifications_sent_total",
      "Notifications delivered to sessions since start.",
      () => [{ value: hub.delivered }],
    );
    this.#sourced(
      "camera_service_cameras",
      "Cameras by status.",
      () =>
        Object.entries(this.#sources.camerasByStatus?.() ?? {}).map(([status, value]) => ({
          labels: { status },
          value,
        })),
    );
    this.#sourced(
      "camera_service_recordings_active",
      "Recordings in progress.",
      () => this.#sources.activeRecordings ? [{ value: this.#sources.activeRecordings() }] : [],
    );
    this.#sourced(
      "camera_service_mediamtx_up",
      "1 when the MediaMTX API answers.",
      () => this.#sources.mediamtxUp ? [{ value: this.#sources.mediamtxUp() ? 1 : 0 }] : [],
    );
    this.#sourced(
      "camera_service_tls_certificate_expiry_timestamp_seconds",
      "notAfter of the served certificate (Unix time).",
      () => {
        const e = this.#sources.certExpiry?.();
        return e ? [{ value: e.not_after_seconds }] : [];
      },
    );
    this.#sourced(
      "camera_service_tls_certificate_days_left",
      "Days until the served certificate expires.",
      () => {
        const e = this.#sources.certExpiry?.();
        return e ? [{ value: e.days_left }] : [];
      },
    );
    this.#fanout(hub);
    r.gauge(
      "camera_service_process_resident_memory_bytes",
      "Resident memory of this process.",
      () => [{ value: process.memoryUsage().rss }],
    );
  }

  /** Notification fan-out timing: per fan-out histograms, and the last one exactly. */
  #fanout(hub: NotificationHub): void {
    const r = this.registry;
    const seconds = r.histogram(
      "camera_service_notification_fanout_seconds",
      "Notification fan-out: from the event's emit until the last recipient session's frame " +
        "was written to its socket (write callback), by event.",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5],
    );
    const recipients = r.histogram(
      "camera_service_notification_fanout_recipients",
      "Sessions one notification was written to, by event.",
      [1, 10, 100, 250, 500, 1000, 2500, 5000],
    );
    let last: FanoutTiming | null = null;
    const lastRow = (pick: (t: FanoutTiming) => number) => () =>
      last ? [{ labels: { event: last.event }, value: pick(last) }] : [];
    r.gauge(
      "camera_service_notification_last_fanout_timestamp_seconds",
      "Unix time of the last fan-out's emit.",
      lastRow((t) => t.emittedAtUnixMs / 1000),
    );
    r.gauge(
      "camera_service_notification_last_fanout_queued_seconds",
      "Last fan-out: emit until the last recipient's frame was handed to its socket (loop end).",
      lastRow((t) => t.queuedMs / 1000),
    );
    r.gauge(
      "camera_service_notification_last_fanout_seconds",
      "Last fan-out: emit until the last recipient's frame was written (write callback).",
      lastRow((t) => t.writtenMs / 1000),
    );
    r.gauge(
      "camera_service_notification_last_fanout_recipients",
      "Last fan-out: sessions it was written to.",
      lastRow((t) => t.recipients),
    );
    hub.onFanout((t) => {
      last = t;
      const labels = { event: t.event };
      seconds.observe(t.writtenMs / 1000, labels);
      recipients.observe(t.recipients, labels);
    });
  }

  #sourced(name: string, help: string, rows: () => Rows): Gauge {
    return this.registry.gauge(name, help, rows);
  }

  /** Plug in scrape-time sources (merged). */
  setSources(sources: MetricSources): void {
    this.#sources = { ...this.#sources, ...sources };
  }

  observeCall(method: string, code: number | null, seconds: number): void {
    this.#requests.inc({ method, code: code === null ? "ok" : String(code) });
    this.#latency.observe(seconds, { method });
  }
  wsOpened(): void {
    this.#wsOpen++;
    this.#wsTotal.inc();
  }
  wsClosed(): void {
    this.#wsOpen--;
  }
  get wsOpen(): number {
    return this.#wsOpen;
  }
  handshake(socket: TLSSocket): void {
    this.#handshakes.inc({ protocol: socket.getProtocol() ?? "unknown" });
  }
  handshakeFailed(reason: string): void {
    this.#handshakeFailures.inc({ reason });
  }
  clientCertRejected(reason: string): void {
    this.#clientCertFailures.inc({ reason });
  }
  reloaded(result: "ok" | "failed"): void {
    this.#reloads.inc({ result });
  }

  render(): string {
    return this.registry.render();
  }
}
