/**
 * `fanout`: N authenticated sessions subscribed to camera_status_update; a trigger makes the
 * server emit one camera event; per round we time, three ways:
 * - trigger → first / last session holding it, on the client (includes, for the service, the
 *   discovery watch and probe before the emit);
 * - emit → last frame written, from the server itself (the service's
 *   camera_service_notification_last_fanout_* metrics, or the bare baseline's broadcast answer);
 * - emit → last frame received, the client's arrival clock against the server's emit time
 *   (wall clocks of two processes on one machine: about ±1 ms). The client reads all N sockets
 *   on one core, so this includes its own reading time.
 * The default trigger creates (then, next round, removes) a fake device file /dev/videoK in
 * the service's device_dir, which discovery announces as cameraK.
 */
import { rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fetchText, openMany, RpcConnection } from "../lib/client.ts";
import { Histogram } from "../lib/histogram.ts";
import { authenticateAll } from "./get_camera_list.ts";
import { type Scenario, sleep } from "./types.ts";

/** The server's own account of one fan-out (ms; `emitted_at_unix_ms` is wall clock). */
export interface ServerFanout {
  emitted_at_unix_ms: number;
  queued_ms: number;
  written_ms: number;
  recipients: number;
}

/** Makes the server emit one event for `device`, differently each round. */
export interface Trigger {
  device: string;
  fire(round: number): Promise<void>;
  /** The server's timing of the fan-out the last `fire` caused, once delivered; null if none. */
  timing(): Promise<ServerFanout | null>;
  cleanup(): void;
}

/** Wall clock in ms with sub-ms precision (comparable across processes of one machine). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** Reads the `camera_service_notification_last_fanout_*` gauges from a Prometheus text body. */
export function parseLastFanout(text: string): ServerFanout | null {
  const get = (suffix: string) => {
    const m = text.match(
      new RegExp(`^camera_service_notification_last_fanout_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, "m"),
    );
    return m ? Number(m[1]) : NaN;
  };
  const t = {
    emitted_at_unix_ms: get("timestamp_seconds") * 1000,
    queued_ms: get("queued_seconds") * 1000,
    written_ms: get("seconds") * 1000,
    recipients: get("recipients"),
  };
  return Object.values(t).every(Number.isFinite) ? t : null;
}

/** The default trigger: toggles a fake /dev/videoK file (create on even rounds, remove on odd). */
export function deviceFileTrigger(
  path: string,
  metrics?: { url: string; caFile?: string },
): Trigger {
  const m = basename(path).match(/^video(\d+)$/);
  if (!m) throw new Error(`trigger file must be named videoN: ${path}`);
  return {
    device: `camera${m[1]}`,
    fire: (round) => {
      if (round % 2 === 0) writeFileSync(path, "");
      else rmSync(path, { force: true });
      return Promise.resolve();
    },
    timing: async () =>
      metrics ? parseLastFanout(await fetchText(metrics.url, metrics.caFile)) : null,
    cleanup: () => rmSync(path, { force: true }),
  };
}

/**
 * A trigger for the bare baseline: one extra connection asks it to broadcast (method
 * `bench_broadcast`); it answers once the broadcast is written, with its timing.
 */
export function rpcTrigger(conn: RpcConnection, method: string): Trigger {
  let answer: Promise<ServerFanout | null> = Promise.resolve(null);
  return {
    device: "camera20",
    fire: () => {
      answer = conn.request(method).then((m) => {
        const r = m.result as ServerFanout | undefined;
        return r && typeof r.written_ms === "number" ? r : null;
      }, () => null);
      return Promise.resolve();
    },
    timing: () => answer,
    cleanup: () => {},
  };
}

/** Waits until every connection saw an update for `device`, or `timeoutMs`; wall-clock times. */
function collect(conns: RpcConnection[], device: string, timeoutMs: number) {
  const arrivals: number[] = [];
  let statuses = new Set<string>();
  return {
    arm(): Promise<number[]> {
      arrivals.length = 0;
      statuses = new Set();
      const seen = new Set<number>();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          for (const c of conns) c.onNotification = () => {};
          resolve([...arrivals]);
        };
        const timer = setTimeout(done, timeoutMs);
        conns.forEach((c, i) => {
          c.onNotification = (m) => {
            if (m.method !== "camera_status_update" || m.params?.device !== device) return;
            if (seen.has(i)) return;
            seen.add(i);
            statuses.add(String(m.params?.status));
            arrivals.push(wallMs());
            if (seen.size === conns.length) done();
          };
        });
      });
    },
    statuses: () => [...statuses],
  };
}

const r3 = (ms: number) => Math.round(ms * 1000) / 1000;

/** Runs the fan-out scenario. Needs `token` + `triggerFile`, or `triggerRpc` (baselines). */
export const fanout: Scenario = async (o) => {
  if (!o.triggerFile && !o.triggerRpc) {
    throw new Error("fanout needs --trigger-file or --trigger-rpc");
  }
  const control = o.triggerRpc ? await RpcConnection.open(o.target) : null;
  const metrics = o.metricsUrl ? { url: o.metricsUrl, caFile: o.target.caFile } : undefined;
  const trigger = control
    ? rpcTrigger(control, o.triggerRpc!)
    : deviceFileTrigger(o.triggerFile!, metrics);
  trigger.cleanup();
  const conns = await openMany(o.target, o.connections);
  try {
    if (o.token) await authenticateAll(conns, o.token);
    let subscribed = true;
    await Promise.all(
      conns.map((c) =>
        c.call("subscribe_events", { topics: ["camera_status_update"] }).catch(() => {
          subscribed = false; // fall back on the default subscription of authenticated sessions
        })
      ),
    );
    const h = {
      trigger_to_first: new Histogram(),
      trigger_to_last: new Histogram(),
      first_to_last: new Histogram(),
      emit_to_queued: new Histogram(),
      emit_to_written: new Histogram(),
      emit_to_last_received: new Histogram(),
    };
    const us = (ms: number) => ms * 1000;
    const rounds: unknown[] = [];
    let unmatched = 0;
    const waiter = collect(conns, trigger.device, 5000);
    for (let r = 0; r < o.rounds; r++) {
      const pending = waiter.arm();
      const t0 = wallMs();
      await trigger.fire(r);
      const arrivals = await pending;
      const server = await trigger.timing().catch(() => null);
      if (arrivals.length === 0) {
        rounds.push({ delivered: 0 });
        continue;
      }
      const first = arrivals[0];
      const last = arrivals[arrivals.length - 1];
      const complete = arrivals.length === conns.length;
      h.trigger_to_first.record(us(first - t0));
      h.first_to_last.record(us(last - first));
      if (complete) h.trigger_to_last.record(us(last - t0));
      // The server's figures count only when they are this round's fan-out: emitted after the
      // trigger, before the first arrival, to at least every session of ours.
      const emit = server?.emitted_at_unix_ms ?? NaN;
      const matched = server !== null && emit >= t0 - 1 && emit <= first + 1 &&
        server.recipients >= conns.length;
      if (server && !matched) unmatched++;
      if (matched) {
        h.emit_to_queued.record(us(server.queued_ms));
        h.emit_to_written.record(us(server.written_ms));
        if (complete) h.emit_to_last_received.record(us(last - emit));
      }
      rounds.push({
        delivered: arrivals.length,
        status: waiter.statuses().join(","),
        first_ms: r3(first - t0),
        last_ms: r3(last - t0),
        ...(matched
          ? {
            trigger_to_emit_ms: r3(emit - t0),
            emit_to_written_ms: r3(server.written_ms),
            emit_to_queued_ms: r3(server.queued_ms),
            emit_to_last_received_ms: r3(last - emit),
            recipients: server.recipients,
          }
          : {}),
      });
      await sleep(200); // let late duplicates drain before the next round
    }
    return {
      scenario: "fanout",
      trigger: o.triggerRpc ? `rpc ${o.triggerRpc}` : `file ${basename(o.triggerFile!)}`,
      connections: o.connections,
      subscribed_explicitly: subscribed,
      device: trigger.device,
      rounds_run: o.rounds,
      rounds_complete: h.trigger_to_last.count,
      rounds_server_timed: h.emit_to_written.count,
      rounds_server_unmatched: unmatched,
      trigger_to_first: h.trigger_to_first.summary(),
      trigger_to_last: h.trigger_to_last.summary(),
      first_to_last: h.first_to_last.summary(),
      emit_to_queued: h.emit_to_queued.summary(),
      emit_to_written: h.emit_to_written.summary(),
      emit_to_last_received: h.emit_to_last_received.summary(),
      rounds,
    };
  } finally {
    trigger.cleanup();
    await Promise.all(conns.map((c) => c.close()));
    await control?.close();
  }
};
