import assert from "node:assert/strict";
import { MediaMtxClient } from "../src/mediamtx/client.ts";
import {
  differingKeys,
  PathReconciler,
  withPreservedRecording,
} from "../src/mediamtx/reconcile.ts";
import type { PathConf } from "../src/mediamtx/types.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { type MediaMtxSim, startMediaMtxSim } from "./support/mediamtx_sim.ts";

const CMD = "ffmpeg -f lavfi -i testsrc -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH";

async function setup(desired: Map<string, PathConf>) {
  const sim = await startMediaMtxSim({ rtspPort: 1, publishPort: 2, media: false });
  const client = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 2000 });
  const { log, lines } = memoryLogger();
  const rec = new PathReconciler({ client, desired: () => desired, log });
  return { sim, client, rec, lines };
}

/** Requests that change something (everything except GET). */
const writes = (sim: MediaMtxSim, from = 0) =>
  sim.requests.slice(from).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

Deno.test("mediamtx reconcile - creates missing paths, then makes no call when in step", async () => {
  const desired = new Map<string, PathConf>([
    ["camera0", {
      runOnDemand: CMD,
      runOnDemandRestart: true,
      runOnDemandCloseAfter: "10s",
      recordSegmentDuration: "1h",
      recordDeleteAfter: "0s",
      recordFormat: "fmp4",
    }],
    ["camera1", { source: "rtsp://10.0.0.5:554/live", rtspTransport: "tcp" }],
  ]);
  const { sim, rec } = await setup(desired);
  try {
    const r1 = await rec.reconcile();
    assert.deepEqual(r1.created.sort(), ["camera0", "camera1"]);
    assert.deepEqual(r1.errors, []);
    assert.deepEqual(writes(sim), [
      "POST /v3/config/paths/replace/camera0",
      "POST /v3/config/paths/replace/camera1",
    ]);
    assert.equal(sim.paths().get("camera0")?.runOnDemand, CMD);

    const n = sim.requests.length;
    const r2 = await rec.reconcile();
    assert.deepEqual(r2.unchanged.sort(), ["camera0", "camera1"]);
    assert.deepEqual([r2.created, r2.updated, r2.deleted], [[], [], []]);
    assert.deepEqual(writes(sim, n), [], "an unchanged path costs no write");
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx reconcile - replace on a real change, patch on record-only change", async () => {
  const desired = new Map<string, PathConf>([["camera0", { runOnDemand: CMD }]]);
  const { sim, rec } = await setup(desired);
  try {
    await rec.reconcile();
    desired.set("camera0", { runOnDemand: CMD + " -g 25" });
    let n = sim.requests.length;
    const r = await rec.reconcile();
    assert.deepEqual(r.updated, ["camera0"]);
    assert.deepEqual(writes(sim, n), ["POST /v3/config/paths/replace/camera0"]);

    desired.set("camera0", { runOnDemand: CMD + " -g 25", record: true, recordFormat: "mpegts" });
    n = sim.requests.length;
    await rec.reconcile();
    assert.deepEqual(writes(sim, n), ["PATCH /v3/config/paths/patch/camera0"]);
    assert.deepEqual(sim.requests.at(-1)?.body, { record: true, recordFormat: "mpegts" });
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx reconcile - a replace never turns off a recording started by patch", async () => {
  const desired = new Map<string, PathConf>([["camera0", { runOnDemand: CMD }]]);
  const { sim, client, rec } = await setup(desired);
  try {
    await rec.reconcile();
    await client.patchPathConfig("camera0", { record: true, recordFormat: "mpegts" });
    desired.set("camera0", { runOnDemand: CMD + " -an" });
    const r = await rec.reconcile();
    assert.deepEqual(r.updated, ["camera0"]);
    const conf = await client.getPathConfig("camera0");
    assert.equal(conf?.runOnDemand, CMD + " -an");
    assert.equal(conf?.record, true, "recording kept");
    assert.equal(conf?.recordFormat, "mpegts");
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx reconcile - deletes managed paths only, never foreign ones", async () => {
  const desired = new Map<string, PathConf>([["camera0", {}], ["camera1", {}]]);
  const { sim, client, rec } = await setup(desired);
  try {
    await client.replacePathConfig("other", {});
    await client.replacePathConfig("camera1x", {});
    await client.replacePathConfig("site/camera2", {});
    await rec.reconcile();
    desired.delete("camera1");
    const n = sim.requests.length;
    const r = await rec.reconcile();
    assert.deepEqual(r.deleted, ["camera1"]);
    assert.deepEqual(writes(sim, n), ["DELETE /v3/config/paths/delete/camera1"]);
    assert.deepEqual([...sim.paths().keys()].sort(), [
      "camera0",
      "camera1x",
      "other",
      "site/camera2",
    ]);
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx reconcile - a rejected path is reported, the others still applied", async () => {
  const desired = new Map<string, PathConf>([
    ["camera0", { recordFormat: "mkv" as never }],
    ["camera1", {}],
  ]);
  const { sim, rec, lines } = await setup(desired);
  try {
    const r = await rec.reconcile();
    assert.deepEqual(r.created, ["camera1"]);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].name, "camera0");
    assert.equal(r.errors[0].op, "create");
    assert.match(r.errors[0].error, /HTTP 400/);
    assert.ok(lines().some((l) => l.msg === "mediamtx path update failed"));
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx reconcile - unreachable MediaMTX rejects the pass", async () => {
  const { sim, rec } = await setup(new Map([["camera0", {}]]));
  await sim.close();
  await assert.rejects(rec.reconcile(), /unreachable|ECONNREFUSED|error/i);
});

Deno.test("mediamtx reconcile - differingKeys compares only our keys, durations normalised", () => {
  const live: PathConf = {
    name: "camera0",
    source: "publisher",
    recordSegmentDuration: "1h0m0s",
    recordDeleteAfter: "",
    runOnDemandCloseAfter: "10s",
    forward: [],
    runOnInit: "",
  };
  assert.deepEqual(
    differingKeys({
      recordSegmentDuration: "1h",
      recordDeleteAfter: "0s",
      runOnDemandCloseAfter: "10s",
      forward: [],
      name: "x",
    }, live),
    [],
  );
  assert.deepEqual(differingKeys({ runOnDemandCloseAfter: "11s", runOnInit: "x" }, live), [
    "runOnDemandCloseAfter",
    "runOnInit",
  ]);
  assert.deepEqual(differingKeys({ runOnDemand: "", runOnDemandRestart: false }, live), []);
});

Deno.test("mediamtx reconcile - withPreservedRecording carries live record settings", () => {
  const live: PathConf = { record: true, recordFormat: "mpegts", recordDeleteAfter: "" };
  assert.deepEqual(withPreservedRecording({ runOnInit: "x" }, live), {
    runOnInit: "x",
    record: true,
    recordFormat: "mpegts",
    recordDeleteAfter: "0s",
  });
  assert.deepEqual(withPreservedRecording({ runOnInit: "x", record: false }, live), {
    runOnInit: "x",
    record: false,
  });
  assert.deepEqual(withPreservedRecording({ runOnInit: "x" }, { record: false }), {
    runOnInit: "x",
  });
});
