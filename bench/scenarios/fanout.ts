/**
 * `fanout`: N authenticated sessions subscribed to camera_status_update; a trigger makes the
 * service emit one camera event; we time, per round, from the trigger to the first and to the
 * last session holding it. The trigger is pluggable; the default one creates (then, next round,
 * removes) a fake device file /dev/videoK in the service's device_dir, which discovery
 * announces as cameraK. Trigger-to-first includes discovery's own detection delay; first-to-last
 * is the hub's fan-out proper (plus this client reading N frames on one core).
 */
import { rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { openMany, RpcConnection } from "../lib/client.ts";
import { Histogram } from "../lib/histogram.ts";
import { authenticateAll } from "./get_camera_list.ts";
import { type Scenario, sleep } from "./types.ts";

/** Makes the service emit one event for `device`, differently each round. */
export interface Trigger {
  device: string;
  fire(round: number): Promise<void>;
  cleanup(): void;
}

/** The default trigger: toggles a fake /dev/videoK file (create on even rounds, remove on odd). */
export function deviceFileTrigger(path: string): Trigger {
  const m = basename(path).match(/^video(\d+)$/);
  if (!m) throw new Error(`trigger file must be named videoN: ${path}`);
  return {
    device: `camera${m[1]}`,
    fire: (round) => {
      if (round % 2 === 0) writeFileSync(path, "");
      else rmSync(path, { force: true });
      return Promise.resolve();
    },
    cleanup: () => rmSync(path, { force: true }),
  };
}

/**
 * A trigger for the bare baseline: one extra connection asks it to broadcast (method
 * `bench_broadcast`); the same measurement then gives the stack's fan-out floor.
 */
export function rpcTrigger(conn: RpcConnection, method: string): Trigger {
  return {
    device: "camera20",
    fire: async () => {
      conn.request(method).catch(() => {});
      await Promise.resolve();
    },
    cleanup: () => {},
  };
}

/** Waits until every connection saw an update for `device` after `since`, or `timeoutMs`. */
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
            arrivals.push(performance.now());
            if (seen.size === conns.length) done();
          };
        });
      });
    },
    statuses: () => [...statuses],
  };
}

/** Runs the fan-out scenario. Needs `token` + `triggerFile`, or `triggerRpc` (baselines). */
export const fanout: Scenario = async (o) => {
  if (!o.triggerFile && !o.triggerRpc) {
    throw new Error("fanout needs --trigger-file or --trigger-rpc");
  }
  const control = o.triggerRpc ? await RpcConnection.open(o.target) : null;
  const trigger = control ? rpcTrigger(control, o.triggerRpc!) : deviceFileTrigger(o.triggerFile!);
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
    const toLast = new Histogram();
    const toFirst = new Histogram();
    const spread = new Histogram();
    const rounds: unknown[] = [];
    const waiter = collect(conns, trigger.device, 5000);
    for (let r = 0; r < o.rounds; r++) {
      const pending = waiter.arm();
      const t0 = performance.now();
      await trigger.fire(r);
      const arrivals = await pending;
      const ms = (t: number) => Math.round((t - t0) * 1000) / 1000;
      if (arrivals.length > 0) {
        const first = arrivals[0];
        const last = arrivals[arrivals.length - 1];
        toFirst.record((first - t0) * 1000);
        spread.record((last - first) * 1000);
        if (arrivals.length === conns.length) toLast.record((last - t0) * 1000);
        rounds.push({
          delivered: arrivals.length,
          status: waiter.statuses().join(","),
          first_ms: ms(first),
          last_ms: ms(last),
        });
      } else rounds.push({ delivered: 0 });
      await sleep(300); // let late duplicates drain before the next round
    }
    return {
      scenario: "fanout",
      trigger: o.triggerRpc ? `rpc ${o.triggerRpc}` : `file ${basename(o.triggerFile!)}`,
      connections: o.connections,
      subscribed_explicitly: subscribed,
      device: trigger.device,
      rounds_run: o.rounds,
      rounds_complete: toLast.count,
      trigger_to_first: toFirst.summary(),
      trigger_to_last: toLast.summary(),
      first_to_last: spread.summary(),
      rounds,
    };
  } finally {
    trigger.cleanup();
    await Promise.all(conns.map((c) => c.close()));
    await control?.close();
  }
};
