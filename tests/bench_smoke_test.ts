/**
 * Smoke test of the benchmark harness: the load generator, in its own process, drives the bare
 * node:https + ws baseline for about a second at C=2, reports a plausible count and latencies,
 * and stops by itself. No timed performance asserts.
 */
import assert from "node:assert/strict";
import { makeBenchCert } from "../bench/lib/certs.ts";
import { Histogram } from "../bench/lib/histogram.ts";
import { loadgenRuntime, runLoadgen } from "../bench/lib/loadgen_proc.ts";
import { parseLoadgenArgs } from "../bench/loadgen.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function startBaseline(dir: string) {
  const cert = makeBenchCert(dir);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/baselines/node_https_ws.mjs`,
      "--cert",
      cert.certFile,
      "--key",
      cert.keyFile,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  const port = JSON.parse(text.split("\n")[0]).ws_port as number;
  return {
    child,
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`bench loadgen - under ${runtime}, drives the bare baseline at C=2 and stops by itself`, async () => {
    const dir = await Deno.makeTempDir();
    const server = await startBaseline(dir);
    try {
      // "node" bundles bench/loadgen.ts with esbuild, as `deno task bench` does by default.
      const rt = loadgenRuntime(runtime, Deno.execPath());
      assert.equal(rt.name, runtime);
      const started = Date.now();
      const report = await runLoadgen(rt, [
        "--scenario",
        "ping",
        "--url",
        `wss://127.0.0.1:${server.port}/ws`,
        "--ca",
        `${dir}/cert.pem`,
        "--connections",
        "2",
        "--duration",
        "1",
        "--warmup",
        "0.2",
        "--server-pid",
        String(server.child.pid),
      ]);
      const wall = (Date.now() - started) / 1000;
      assert.equal(report.error, undefined, String(report.error));
      assert.equal(report.scenario, "ping");
      assert.equal(report.client_runtime, runtime);
      assert.equal(report.errors, 0);
      const requests = report.requests as number;
      assert.ok(requests > 10, `only ${requests} answers in a second`);
      assert.ok((report.rps as number) > 0);
      const lat = report.latency as Record<string, number>;
      assert.equal(lat.count, requests);
      assert.ok(
        lat.p50_ms > 0 && lat.p50_ms <= lat.p99_ms && lat.p99_ms <= lat.max_ms,
        JSON.stringify(lat),
      );
      assert.ok(lat.max_ms < 1000 * (report.elapsed_s as number));
      const srv = report.server as Record<string, number>;
      assert.ok(srv.rss_mb > 5, `server RSS ${srv.rss_mb}`);
      assert.ok(srv.cpu_us_per_msg >= 0);
      // It stopped by itself: bounded by warm-up + duration + process start, far below its
      // hard deadline (61 s here).
      assert.ok(wall < 45, `load generator took ${wall} s`);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("bench loadgen - refuses bad arguments", () => {
  assert.throws(() => parseLoadgenArgs(["--scenario", "ping"]), /--url/);
  assert.throws(
    () => parseLoadgenArgs(["--url", "wss://x/", "--scenario", "nope"]),
    /unknown scenario/,
  );
  assert.throws(
    () => parseLoadgenArgs(["--url", "wss://x/", "--connections", "0"]),
    /--connections/,
  );
  assert.throws(() => parseLoadgenArgs(["--url", "wss://x/", "--spawn", "[1]"]), /--spawn/);
  const ok = parseLoadgenArgs(["--url", "wss://x/", "--duration", "2", "--connections", "7"]);
  assert.equal(ok.opts.durationS, 2);
  assert.equal(ok.opts.connections, 7);
});

Deno.test("bench histogram - percentiles within bucket precision", () => {
  const h = new Histogram();
  for (let us = 1; us <= 10_000; us++) h.record(us);
  const near = (got: number, want: number) =>
    assert.ok(Math.abs(got - want) / want < 0.01, `${got} vs ${want}`);
  near(h.quantile(0.5), 5000);
  near(h.quantile(0.99), 9900);
  assert.equal(h.quantile(1), 10_000);
  assert.equal(h.summary().count, 10_000);
  // Below 1 ms buckets are 1 µs wide; the reported value is the bucket's upper edge.
  assert.ok(Math.abs(h.quantile(0.001) - 10) <= 1, String(h.quantile(0.001)));
});
