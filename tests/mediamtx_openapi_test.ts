import assert from "node:assert/strict";
import { MediaMtxClient } from "../src/mediamtx/client.ts";
import { startApiOnlySim, startMediaMtxSim } from "./support/mediamtx_sim.ts";
import { OpenApiValidator } from "./support/sim_openapi.ts";

interface Exchange {
  method: string;
  path: string;
  reqBody: unknown;
  status: number;
  resBody: unknown;
  contentType: string;
}

/** A fetch that records every request/response pair at the wire. */
function recordingFetch(log: Exchange[]): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const res = await fetch(input, init);
    const text = await res.clone().text();
    let resBody: unknown = text;
    try {
      resBody = JSON.parse(text);
    } catch { /* plain text */ }
    log.push({
      method: init?.method ?? "GET",
      path: url.pathname + url.search,
      reqBody: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
      status: res.status,
      resBody,
      contentType: res.headers.get("content-type") ?? "",
    });
    return res;
  }) as typeof fetch;
}

const validator = new OpenApiValidator();

Deno.test("mediamtx openapi - client requests and simulator answers follow the spec", async () => {
  const sim = await startApiOnlySim();
  const root = sim.recordRoot;
  const log: Exchange[] = [];
  const c = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 2000, fetch: recordingFetch(log) });
  try {
    await c.info();
    await c.addPathConfig("camera0", {
      runOnDemand: "ffmpeg -f lavfi -i testsrc -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH",
      runOnDemandRestart: true,
      runOnDemandCloseAfter: "15s",
      recordFormat: "fmp4",
      recordSegmentDuration: "1h",
    });
    await c.addPathConfig("camera0", {}).catch(() => {});
    await c.replacePathConfig("camera1", { source: "rtsp://10.0.0.9:554/s", rtspTransport: "tcp" });
    await c.patchPathConfig("camera1", { record: true, recordPath: `${root}/%path/%s` });
    await c.patchPathConfig("camera7", { record: true }).catch(() => {});
    await c.getPathConfig("camera0");
    await c.getPathConfig("camera7");
    await c.listPathConfigs();
    await c.listPaths();
    await c.getPath("camera0");
    await c.getPath("camera7");
    await c.listRecordings();
    await c.getRecording("camera1");
    await c.getRecording("camera7");
    await c.deleteRecordingSegment("camera1", "2026-01-01T00:00:00Z").catch(() => {});
    await c.deletePathConfig("camera1");
    await c.deletePathConfig("camera1");
    await c.addPathConfig("camera2", { bogus: true } as never).catch(() => {});

    assert.ok(log.length >= 19);
    const statuses = new Set(log.map((x) => x.status));
    for (const s of [200, 400, 404]) assert.ok(statuses.has(s), `exercised status ${s}`);
    for (const x of log) {
      const what = `${x.method} ${x.path} → ${x.status}`;
      const reqErrors = validator.validateRequest(x.method, x.path, x.reqBody);
      if (x.path.endsWith("/camera2")) assert.ok(reqErrors.length > 0, "bogus field is invalid");
      else assert.deepEqual(reqErrors, [], what);
      assert.match(x.contentType, /^application\/json/, what);
      assert.deepEqual(validator.validateResponse(x.method, x.path, x.status, x.resBody), [], what);
    }
    // The simulator saw exactly what the client sent.
    assert.deepEqual(
      sim.requests.map((r) => [r.method, r.path, r.body]),
      log.map((x) => [x.method, x.path, x.reqBody]),
    );
  } finally {
    await sim.close();
  }
});

Deno.test("mediamtx openapi - simulator answers carry every current field of the schemas", async () => {
  const sim = await startMediaMtxSim({ rtspPort: 1, publishPort: 2, media: false });
  try {
    const c = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 2000 });
    await c.replacePathConfig("camera0", {});
    const get = (p: string) => fetch(sim.url + p).then((r) => r.json());
    const conf = await get("/v3/config/paths/get/camera0");
    const path = await get("/v3/paths/get/camera0");
    const info = await get("/v3/info");
    for (const [component, body] of [["PathConf", conf], ["Path", path], ["Info", info]]) {
      const missing = validator.currentProperties(component).filter((k) => !(k in body));
      assert.deepEqual(missing, [], `${component} fields missing from the answer`);
    }
    assert.deepEqual(validator.validateResponse("GET", "/v3/info", 200, info), []);
    assert.deepEqual(validator.validateResponse("GET", "/v3/paths/get/camera0", 200, path), []);
    assert.deepEqual(
      validator.validateResponse("GET", "/v3/config/paths/get/camera0", 200, conf),
      [],
    );
    // A wrong shape is caught (the validator can fail).
    const broken = { ...path, available: "yes", extra: 1 };
    assert.ok(validator.validateResponse("GET", "/v3/paths/get/camera0", 200, broken).length >= 2);
  } finally {
    await sim.close();
  }
});
