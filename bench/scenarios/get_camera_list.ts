/**
 * `get_camera_list`: C authenticated connections calling get_camera_list in a closed loop.
 * Reports the camera count seen, so a run against an empty registry is visible.
 */
import { openMany, type RpcConnection } from "../lib/client.ts";
import { runClosedLoop } from "./closed_loop.ts";
import type { Scenario } from "./types.ts";

/** Authenticates every connection with `token`; throws on the first failure. */
export async function authenticateAll(conns: RpcConnection[], token: string): Promise<void> {
  const batch = 64;
  for (let i = 0; i < conns.length; i += batch) {
    await Promise.all(
      conns.slice(i, i + batch).map((c) => c.call("authenticate", { auth_token: token })),
    );
  }
}

/** Runs the get_camera_list scenario. Needs `token`. */
export const getCameraList: Scenario = async (o) => {
  if (!o.token) throw new Error("get_camera_list needs --token");
  const conns = await openMany(o.target, o.connections);
  try {
    await authenticateAll(conns, o.token);
    const first = await conns[0].call("get_camera_list") as { cameras?: unknown[]; total?: number };
    const cameras = Array.isArray(first?.cameras) ? first.cameras.length : null;
    const report = await runClosedLoop(async (i) => {
      const m = await conns[i].request("get_camera_list");
      return m.error === undefined && m.result !== undefined;
    }, { ...o, workers: conns.length });
    return { scenario: "get_camera_list", connections: o.connections, cameras, ...report };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
};
