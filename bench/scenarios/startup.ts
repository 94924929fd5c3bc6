/**
 * `startup`: spawn the server command, poll its WSS URL every 5 ms, and time until the first
 * WebSocket is accepted and until its `ping` is answered. One second later, read the server's
 * RSS (idle RSS after start). Then SIGTERM it and repeat `rounds` times.
 */
import { spawn } from "node:child_process";
import { RpcConnection } from "../lib/client.ts";
import { Histogram } from "../lib/histogram.ts";
import { memoryMB } from "../lib/procstat.ts";
import { type Scenario, sleep } from "./types.ts";

const GIVE_UP_MS = 15_000;

/** Runs the start-up scenario. Needs `spawnArgv`; the URL's port must be the one it binds. */
export const startup: Scenario = async (o) => {
  if (!o.spawnArgv?.length) throw new Error("startup needs --spawn");
  const [cmd, ...args] = o.spawnArgv;
  const toAccept = new Histogram();
  const toPong = new Histogram();
  const rss: number[] = [];
  const failures: string[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let stderr = "";
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (d) => stderr = (stderr + d.toString()).slice(-2000));
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    let exitedEarly = false;
    exited.then(() => exitedEarly = true);
    try {
      let conn: RpcConnection | null = null;
      while (!conn && !exitedEarly && performance.now() - t0 < GIVE_UP_MS) {
        try {
          conn = await RpcConnection.open(o.target, 2000);
        } catch {
          await sleep(5);
        }
      }
      if (!conn) {
        failures.push(
          `round ${r}: no connection (${exitedEarly ? "exited" : "timeout"}) ${stderr}`,
        );
        continue;
      }
      const accepted = performance.now();
      const pong = await conn.request("ping");
      const answered = performance.now();
      await conn.close();
      if (pong.result !== "pong") {
        failures.push(`round ${r}: ping answered ${JSON.stringify(pong)}`);
        continue;
      }
      toAccept.record((accepted - t0) * 1000);
      toPong.record((answered - t0) * 1000);
      await sleep(1000);
      const mem = child.pid ? memoryMB(child.pid) : null;
      if (mem) rss.push(mem.rss_mb);
    } finally {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
  }
  rss.sort((a, b) => a - b);
  return {
    scenario: "startup",
    command: o.spawnArgv.join(" "),
    rounds_run: o.rounds,
    rounds_ok: toPong.count,
    to_first_accept: toAccept.summary(),
    to_first_pong: toPong.summary(),
    idle_rss_after_1s_mb: rss.length ? rss[Math.floor(rss.length / 2)] : null,
    failures,
  };
};
