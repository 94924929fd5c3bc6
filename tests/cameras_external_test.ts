import assert from "node:assert/strict";
import { externalMethods } from "../src/api/external.ts";
import type { MethodContext, MethodDef } from "../src/api/types.ts";
import {
  classify,
  ExternalStreams,
  ffprobeProbe,
  type StreamProbe,
} from "../src/cameras/external.ts";
import { defaultConfig } from "../src/config/defaults.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { assertContractResult, waitFor } from "./cameras_helpers.ts";

const SKYDIO = "rtsp://192.168.42.1:5554/subject";
const GENERIC_OK = "rtsp://user:pw@10.1.1.2:554/live";
const GENERIC_DOWN = "rtsp://10.1.1.3:554/live";

const ctx = { log: memoryLogger().log, request_id: "t" } as unknown as MethodContext;
async function call(methods: MethodDef[], name: string, params: unknown = {}) {
  const m = methods.find((x) => x.name === name)!;
  return await m.handler(m.params.parse(params, ""), ctx) as Record<string, unknown>;
}
async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RpcError);
    return err;
  }
  throw new Error("expected an error");
}

function setup(scanInterval = 0) {
  const config = defaultConfig();
  config.external_streams.candidates = [SKYDIO, GENERIC_OK, GENERIC_DOWN];
  config.external_streams.scan_interval = scanInterval;
  const probed: string[] = [];
  const probe = (url: string): Promise<StreamProbe> => {
    probed.push(url);
    return Promise.resolve(
      url === GENERIC_DOWN
        ? { ok: false, error: "Connection refused" }
        : { ok: true, capabilities: { codec: "h264", width: 1280, height: 720, fps: 30 } },
    );
  };
  const external = new ExternalStreams({ config, log: memoryLogger().log, probe });
  return { external, probed, methods: externalMethods({ external }) };
}

Deno.test("external - classify by the Skydio RTSP layout", () => {
  assert.equal(classify(SKYDIO), "skydio");
  assert.equal(classify("rtsp://192.168.42.1:5554/infrared"), "skydio");
  assert.equal(classify(GENERIC_OK), "generic_rtsp");
  assert.equal(classify("not a url"), "generic_rtsp");
});

Deno.test("external - discover honours the type switches, offline and the contract", async () => {
  const t = setup();
  const d1 = await call(t.methods, "discover_external_streams");
  assertContractResult("discover_external_streams", d1);
  assert.deepEqual(t.probed, [SKYDIO], "defaults: skydio on, generic off");
  assert.equal(d1.total_found, 1);
  assert.deepEqual((d1.skydio_streams as { url: string }[]).map((s) => s.url), [SKYDIO]);

  const d2 = await call(t.methods, "discover_external_streams", {
    generic_enabled: true,
    skydio_enabled: null,
    include_offline: true,
  });
  assertContractResult("discover_external_streams", d2);
  assert.deepEqual(t.probed, [SKYDIO, GENERIC_OK, GENERIC_DOWN], "recent results reused");
  assert.equal(d2.total_found, 2);
  const urls = d2.discovered_streams as { url: string; status: string }[];
  assert.deepEqual(urls.map((s) => [s.url, s.status]), [
    [SKYDIO, "DISCOVERED"],
    ["rtsp://***@10.1.1.2:554/live", "DISCOVERED"],
    [GENERIC_DOWN, "ERROR"],
  ]);
  assert.deepEqual(d2.errors, [`${GENERIC_DOWN}: Connection refused`]);
  assert.ok(!JSON.stringify(d2).includes("pw@"), "credentials shown");

  await call(t.methods, "discover_external_streams", { force_rescan: true });
  assert.equal(t.probed.length, 4, "force_rescan probes again");

  const list = await call(t.methods, "get_external_streams");
  assertContractResult("get_external_streams", list);
  assert.equal(list.total_count, 2, "never-reachable candidates are not listed");
  const bad = await rpcError(call(t.methods, "discover_external_streams", { force_rescan: "yes" }));
  assert.equal(bad.code, -32602);
});

Deno.test("external - add, list, remove, with -32602 and -32010", async () => {
  const t = setup();
  const added = await call(t.methods, "add_external_stream", {
    stream_url: "rtsp://op:secret@10.9.9.9:8554/drone",
    stream_name: "Drone 1",
  });
  assertContractResult("add_external_stream", added);
  assert.equal(added.status, "ADDED");
  assert.equal(added.stream_type, "generic_rtsp");
  assert.equal(added.stream_url, "rtsp://***@10.9.9.9:8554/drone");

  const list = await call(t.methods, "get_external_streams");
  assertContractResult("get_external_streams", list);
  assert.deepEqual(list.external_streams, [{
    url: "rtsp://***@10.9.9.9:8554/drone",
    type: "generic_rtsp",
    name: "Drone 1",
  }]);
  // A discover also probes registered streams.
  await call(t.methods, "discover_external_streams");
  assert.ok(t.probed.includes("rtsp://op:secret@10.9.9.9:8554/drone"));

  for (
    const bad of [
      { stream_url: "http://x/y", stream_name: "n" },
      { stream_url: "rtsp://", stream_name: "n" },
      { stream_url: "rtsp://h/p" },
      { stream_url: "rtsp://h/p", stream_name: "n", stream_type: "Bad Type" },
    ]
  ) {
    const e = await rpcError(call(t.methods, "add_external_stream", bad));
    assert.equal(e.code, -32602, JSON.stringify(bad));
  }

  const removed = await call(t.methods, "remove_external_stream", {
    stream_url: "rtsp://***@10.9.9.9:8554/drone",
  });
  assertContractResult("remove_external_stream", removed);
  assert.equal(removed.status, "REMOVED");
  const e = await rpcError(
    call(t.methods, "remove_external_stream", {
      stream_url: "rtsp://op:secret@10.9.9.9:8554/drone",
    }),
  );
  assert.equal(e.code, -32010);
  assert.deepEqual(e.data, { resource: "external_stream", id: "rtsp://***@10.9.9.9:8554/drone" });
});

Deno.test("external - set_discovery_interval restarts the periodic scan; 0 stops it", async () => {
  const t = setup(0);
  t.external.start();
  try {
    const r = await call(t.methods, "set_discovery_interval", { scan_interval: 1 });
    assertContractResult("set_discovery_interval", r);
    assert.equal(r.scan_interval, 1);
    assert.equal(r.status, "UPDATED");
    await waitFor(() => t.probed.length >= 3, 2500, "periodic scan");
    const off = await call(t.methods, "set_discovery_interval", { scan_interval: 0 });
    assertContractResult("set_discovery_interval", off);
    await new Promise((res) => setTimeout(res, 50));
    const n = t.probed.length;
    await new Promise((res) => setTimeout(res, 1300));
    assert.equal(t.probed.length, n, "no scans after interval 0");
    for (const bad of [{ scan_interval: -1 }, { scan_interval: "5" }, { scan_interval: 1.5 }, {}]) {
      const e = await rpcError(call(t.methods, "set_discovery_interval", bad));
      assert.equal(e.code, -32602, JSON.stringify(bad));
    }
  } finally {
    await t.external.stop();
  }
});

Deno.test("external - ffprobe probe: unreachable URL and missing binary are errors in bounded time", async () => {
  const missing = await ffprobeProbe("/nonexistent/ffprobe")("rtsp://127.0.0.1:1/x", 2);
  assert.equal(missing.ok, false);
  assert.match(missing.error!, /ffprobe not found/);
  const t0 = Date.now();
  const refused = await ffprobeProbe("ffprobe")("rtsp://127.0.0.1:1/x", 3);
  assert.equal(refused.ok, false);
  assert.ok(refused.error);
  assert.ok(Date.now() - t0 < 4000);
});

Deno.test("contract validator - rejects a wrong shape (the checks above can fail)", () => {
  assert.throws(() =>
    assertContractResult("get_camera_list", {
      cameras: [{ device: "camera0", status: "CONNECTED", streams: { rtsp: "x", dash: "y" } }],
      total: 1,
      connected: 1,
    })
  );
  assert.throws(() => assertContractResult("get_camera_status", { device: "cam0", status: "OK" }));
  assert.throws(() =>
    assertContractResult("start_streaming", {
      device: "camera0",
      status: "STARTED",
      stream_url: "rtsp://h/camera0",
      start_time: "yesterday",
    })
  );
});
