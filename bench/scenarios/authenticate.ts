/**
 * `authenticate` churn: each of C loops connects (full TLS handshake), authenticates, makes
 * one call (`method`, default get_camera_list), closes, and repeats. One cycle = one sample.
 */
import { RpcConnection } from "../lib/client.ts";
import { runClosedLoop } from "./closed_loop.ts";
import type { Scenario } from "./types.ts";

/** Runs the churn scenario. Needs `token`. */
export const authenticateChurn: Scenario = async (o) => {
  if (!o.token) throw new Error("authenticate needs --token");
  const token = o.token;
  const report = await runClosedLoop(async () => {
    const conn = await RpcConnection.open(o.target);
    try {
      const auth = await conn.request("authenticate", { auth_token: token });
      if (auth.error) return false;
      const m = await conn.request(o.method);
      return m.error === undefined;
    } finally {
      await conn.close();
    }
  }, { ...o, workers: o.connections, messagesPerStep: 1 });
  return {
    scenario: "authenticate",
    connections: o.connections,
    call: o.method,
    note: "one request = connect + TLS handshake + authenticate + one call + close",
    ...report,
  };
};
