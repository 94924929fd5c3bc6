/**
 * `startup`: spawn the server command, poll its port with plain TCP connects every 5 ms (cheap,
 * so the poller does not steal CPU from the starting server), then open the WSS connection and
 * send `ping`. Times spawn → TCP accept, → WebSocket accepted (TLS + upgrade done), → pong.
 * One second later, read the server's RSS (idle RSS after start). SIGTERM, repeat `rounds` times.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { RpcConnection } from "../lib/client.ts";
import { Histogram } from "../lib/histogram.ts";
import { memoryMB } from "../lib/procstat.ts";
import { type Scenario, sleep } from "./types.ts";

const GIVE_UP_MS = 15_000;

/** Resolves true when a TCP connection to host:port is accepted, false when refused. */
function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** Runs the start-up scenario. Needs `spawnArgv`; the URL's port must be the one it binds. */
export const startup: Scenario = async (o) => {
  if (!o.spawnArgv?.length) throw new Error("startup needs --spawn");
  const [cmd, ...args] = o.spawnArgv;
  const url = new URL(o.target.url);
  const host = url.hostname;
  const port = Number(url.port || 443);
  const toTcp = new Histogram();
  const toAccept = new Histogram();
  const toPong = new Histogram();
  const rss: number[] = [];
  const acceptByRound: (number | null)[] = [];
  const rssByRound: (number | null)[] = [];
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
      let tcp = false;
      while (!tcp && !exitedEarly && performance.now() - t0 < GIVE_UP_MS) {
        tcp = await tcpAccepts(host, port);
        if (!tcp) await sleep(5);
      }
      const tcpAt = performance.now();
      let conn: RpcConnection | null = null;
      while (tcp && !conn && !exitedEarly && performance.now() - t0 < GIVE_UP_MS) {
        try {
          conn = await RpcConnection.open(o.target, 2000);
        } catch {
          await sleep(5); // listening, but not yet upgrading (e.g. still wiring the engine)
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
      acceptByRound[r] = Math.round(accepted - t0);
      toTcp.record((tcpAt - t0) * 1000);
      toAccept.record((accepted - t0) * 1000);
      toPong.record((answered - t0) * 1000);
      await sleep(1000);
      const mem = child.pid ? memoryMB(child.pid) : null;
      if (mem) rss.push(mem.rss_mb);
      rssByRound[r] = mem?.rss_mb ?? null;
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
    to_tcp_accept: toTcp.summary(),
    to_first_accept: toAccept.summary(),
    to_first_pong: toPong.summary(),
    /** Round 0 of a service starts on an empty data dir (generates its certificate, secret). */
    accept_ms_by_round: Array.from({ length: o.rounds }, (_, i) => acceptByRound[i] ?? null),
    idle_rss_after_1s_mb: rss.length ? rss[Math.floor(rss.length / 2)] : null,
    idle_rss_mb_by_round: Array.from({ length: o.rounds }, (_, i) => rssByRound[i] ?? null),
    failures,
  };
};
