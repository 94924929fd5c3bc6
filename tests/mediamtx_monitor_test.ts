import assert from "node:assert/strict";
import { MediaMtxClient } from "../src/mediamtx/client.ts";
import { mediamtxHealth } from "../src/mediamtx/health.ts";
import { backoffDelay, MediaMtxMonitor, type MediaMtxStatus } from "../src/mediamtx/monitor.ts";
import { PathReconciler } from "../src/mediamtx/reconcile.ts";
import type { PathConf } from "../src/mediamtx/types.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { startMediaMtxSim } from "./support/mediamtx_sim.ts";

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup() {
  const sim = await startMediaMtxSim({ rtspPort: 1, publishPort: 2, media: false });
  const client = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 500 });
  const { log, lines } = memoryLogger();
  const desired = new Map<string, PathConf>([["camera0", { runOnDemandCloseAfter: "30s" }]]);
  const reconciler = new PathReconciler({ client, desired: () => desired, log });
  const monitor = new MediaMtxMonitor({
    client,
    reconciler,
    intervalMs: 40,
    backoffMaxMs: 200,
    log,
  });
  const changes: MediaMtxStatus[] = [];
  monitor.onChange((s) => changes.push(s));
  return { sim, monitor, changes, lines };
}

Deno.test("mediamtx monitor - applies paths, detects a restart and re-applies them", async () => {
  const { sim, monitor, changes, lines } = await setup();
  try {
    assert.throws(() => monitor.require(), (e: unknown) => e instanceof RpcError);
    monitor.start();
    await monitor.firstCheck();
    await waitFor("first reconcile", () => monitor.status().paths_in_step);
    const s1 = monitor.status();
    assert.equal(s1.reachable, true);
    assert.equal(s1.version, "v1.20.1");
    assert.deepEqual(s1.last_reconcile?.created, ["camera0"]);
    assert.ok(sim.paths().has("camera0"));
    monitor.require();
    assert.equal(mediamtxHealth(s1).status, "healthy");

    const started = s1.started;
    await sim.restart();
    assert.equal(sim.paths().size, 0, "the restart forgot the API config");
    await waitFor("path re-applied", () => sim.paths().has("camera0"));
    await waitFor("restart seen", () => monitor.status().restarts_detected === 1);
    assert.notEqual(monitor.status().started, started);
    assert.ok(changes.some((c) => c.started !== started));
    assert.ok(lines().some((l) => l.msg === "mediamtx restart detected; re-applying paths"));
    // Steady state: polls go on, but no more writes.
    await waitFor("in step", () => monitor.status().paths_in_step);
    const n = sim.requests.length;
    await waitFor("a few polls", () => sim.requests.length > n + 6);
    assert.deepEqual(sim.requests.slice(n).filter((r) => r.method !== "GET"), []);
  } finally {
    await monitor.stop();
    await sim.close();
  }
});

Deno.test("mediamtx monitor - MediaMTX down: -32050 and degraded; recovers by itself", async () => {
  const { sim, monitor } = await setup();
  try {
    monitor.start();
    await waitFor("up", () => monitor.status().paths_in_step);
    await sim.stop();
    await waitFor("down", () => !monitor.status().reachable);
    await waitFor("backing off", () => monitor.status().consecutive_failures >= 2);
    assert.throws(() => monitor.require(), (e: unknown) => {
      assert.ok(e instanceof RpcError);
      assert.equal(e.code, -32050);
      assert.equal(e.data?.dependency, "mediamtx");
      assert.match(String(e.data?.detail), /unreachable|refused|connect/i);
      return true;
    });
    const h = mediamtxHealth(monitor.status());
    assert.equal(h.status, "degraded");
    assert.equal(h.reachable, false);
    assert.ok(h.last_error);
    assert.equal(h.paths_in_step, false);

    await sim.start();
    await waitFor("back up", () => monitor.status().reachable, 8000);
    await waitFor("paths back", () => sim.paths().has("camera0"), 8000);
    await waitFor("in step", () => monitor.status().paths_in_step);
    monitor.require();
    assert.equal(monitor.status().consecutive_failures, 0);
    assert.equal(mediamtxHealth(monitor.status()).status, "healthy");
  } finally {
    await monitor.stop();
    await sim.close();
  }
});

Deno.test("mediamtx monitor - stop() leaves no timer and checkNow works without polling", async () => {
  const { sim, monitor } = await setup();
  try {
    const s = await monitor.checkNow();
    assert.equal(s.reachable, true);
    assert.ok(sim.paths().has("camera0"));
    monitor.start();
    monitor.start();
    await monitor.stop();
    const n = sim.requests.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(sim.requests.length, n, "no polling after stop()");
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx monitor - backoff doubles up to the cap, with 50-100 % jitter", () => {
  const d = (failures: number, random: number) =>
    backoffDelay({ failures, intervalMs: 1000, maxMs: 30000, random });
  assert.equal(d(0, 0.3), 1000);
  assert.equal(d(1, 0.999999), 1000);
  assert.equal(d(2, 0.999999), 2000);
  assert.equal(d(3, 0), 2000);
  assert.equal(d(10, 0.999999), 30000);
  assert.equal(d(100, 0), 15000);
});

Deno.test("mediamtx health - not checked yet and paths not in step are degraded", () => {
  // What a monitor reports before its first check (never started: no poll, no client call).
  const base = new MediaMtxMonitor({
    client: { info: () => Promise.reject(new Error("not called")) },
    intervalMs: 1000,
    backoffMaxMs: 1000,
    log: memoryLogger().log,
  }).status();
  assert.equal(mediamtxHealth(base).reason, "MediaMTX not checked yet");
  const h = mediamtxHealth({
    ...base,
    reachable: true,
    version: "v1.20.1",
    last_check: new Date().toISOString(),
    last_error: "reconcile: HTTP 400",
    last_reconcile: { created: [], updated: [], deleted: [], unchanged: ["a"], errors: [] },
  });
  assert.equal(h.status, "degraded");
  assert.match(String(h.reason), /paths not in step/);
  assert.deepEqual(h.last_reconcile, {
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 1,
    errors: 0,
  });
});
