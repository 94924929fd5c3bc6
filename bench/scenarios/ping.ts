/** `ping`: C connections, each sending ping and waiting for "pong", closed loop. */
import { openMany } from "../lib/client.ts";
import { runClosedLoop } from "./closed_loop.ts";
import type { Scenario } from "./types.ts";

/** Runs the ping scenario (no authentication: ping needs no role). */
export const ping: Scenario = async (o) => {
  const conns = await openMany(o.target, o.connections);
  try {
    const report = await runClosedLoop(async (i) => {
      const m = await conns[i].request("ping");
      return m.result === "pong";
    }, { ...o, workers: conns.length });
    return { scenario: "ping", connections: o.connections, ...report };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
};
