/**
 * `idle`: hold N authenticated connections (or plain ones for the bare baselines, which have
 * no authenticate), check each is served with one ping, let the server settle, and read its
 * RSS before and after.
 */
import { openMany } from "../lib/client.ts";
import { memoryMB } from "../lib/procstat.ts";
import { authenticateAll } from "./get_camera_list.ts";
import { type Scenario, sleep } from "./types.ts";

/** Runs the idle scenario. Needs `serverPid` for RSS. */
export const idle: Scenario = async (o) => {
  const before = o.serverPid ? memoryMB(o.serverPid) : null;
  const t0 = performance.now();
  const conns = await openMany(o.target, o.connections);
  try {
    const connectS = (performance.now() - t0) / 1000;
    if (o.token) await authenticateAll(conns, o.token);
    const answers = await Promise.allSettled(conns.map((c) => c.request("ping")));
    const served = answers.filter((a) => a.status === "fulfilled" && a.value.result === "pong")
      .length;
    await sleep(Math.min(2000, o.durationS * 1000));
    const held = conns.filter((c) => c.closedWith === null).length;
    const after = o.serverPid ? memoryMB(o.serverPid) : null;
    return {
      scenario: "idle",
      connections: o.connections,
      authenticated: Boolean(o.token),
      connect_s: Math.round(connectS * 1000) / 1000,
      served,
      still_open: held,
      server_rss_before_mb: before?.rss_mb ?? null,
      server_rss_mb: after?.rss_mb ?? null,
      server_peak_rss_mb: after?.peak_mb ?? null,
    };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
};
