import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { MediaMtxClient, MediaMtxError } from "../src/mediamtx/client.ts";
import { type MediaMtxSim, startApiOnlySim } from "./support/mediamtx_sim.ts";
import { freePort } from "./support/rtsp.ts";

/** API-only simulator: no path here has a command or source, so no media process starts. */
async function withSim(fn: (sim: MediaMtxSim, c: MediaMtxClient) => Promise<void>) {
  const sim = await startApiOnlySim();
  try {
    await fn(sim, new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 2000 }));
  } finally {
    await sim.close();
  }
}

async function rejectsWith(p: Promise<unknown>, kind: string, status?: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MediaMtxError, `expected MediaMtxError, got ${e}`);
    assert.equal(e.kind, kind);
    if (status !== undefined) assert.equal(e.status, status);
    return true;
  });
}

Deno.test("mediamtx client - info returns version and started", async () => {
  await withSim(async (_sim, c) => {
    const info = await c.info();
    assert.equal(info.version, "v1.20.1");
    assert.ok(!Number.isNaN(Date.parse(info.started)));
  });
});

Deno.test("mediamtx client - path config add/get/patch/replace/delete", async () => {
  await withSim(async (sim, c) => {
    assert.equal(await c.getPathConfig("camera0"), null);
    await c.addPathConfig("camera0", { runOnDemandCloseAfter: "1h", record: false });
    const got = await c.getPathConfig("camera0");
    assert.equal(got?.name, "camera0");
    assert.equal(got?.runOnDemandCloseAfter, "1h0m0s", "durations come back normalised");
    assert.equal(got?.source, "publisher", "defaults are merged in");
    await rejectsWith(c.addPathConfig("camera0", {}), "http", 400);

    await c.patchPathConfig("camera0", { recordDeleteAfter: "0s" });
    assert.equal((await c.getPathConfig("camera0"))?.recordDeleteAfter, "");
    assert.equal((await c.getPathConfig("camera0"))?.runOnDemandCloseAfter, "1h0m0s");

    await c.replacePathConfig("camera0", { record: true });
    const replaced = await c.getPathConfig("camera0");
    assert.equal(replaced?.record, true);
    assert.equal(replaced?.runOnDemandCloseAfter, "10s", "replace drops earlier overrides");
    assert.equal(sim.paths().get("camera0")?.record, true);

    assert.equal(await c.deletePathConfig("camera0"), true);
    assert.equal(await c.deletePathConfig("camera0"), false);
    await rejectsWith(c.patchPathConfig("camera0", { record: true }), "http", 404);
  });
});

Deno.test("mediamtx client - replace is an upsert; names with '/' stay path segments", async () => {
  await withSim(async (sim, c) => {
    await c.replacePathConfig("site1/cam2", { record: false });
    assert.ok(sim.paths().has("site1/cam2"));
    assert.equal((await c.getPathConfig("site1/cam2"))?.name, "site1/cam2");
    const req = sim.requests.find((r) => r.method === "POST");
    assert.equal(req?.path, "/v3/config/paths/replace/site1/cam2");
    const state = await c.getPath("site1/cam2");
    assert.equal(state?.available, false, "a configured static path exists, not available");
    assert.equal(state?.inboundBytes, 0);
    assert.deepEqual(state?.readers, []);
  });
});

Deno.test("mediamtx client - validation errors are http 400 with the server message", async () => {
  await withSim(async (_sim, c) => {
    const unknown = c.addPathConfig("camera1", { notAField: 1 } as never);
    await assert.rejects(unknown, (e: unknown) => {
      assert.ok(e instanceof MediaMtxError && e.status === 400);
      assert.match(e.message, /unknown field "notAField"/);
      return true;
    });
    await rejectsWith(
      c.addPathConfig("camera1", { source: "rtsp://x/y", runOnDemand: "x" }),
      "http",
      400,
    );
    await rejectsWith(c.addPathConfig("camera1", { recordFormat: "mkv" as never }), "http", 400);
    await rejectsWith(c.addPathConfig("bad..name/", {}), "http", 400);
    assert.equal(await c.getPathConfig("camera1"), null, "nothing was created");
  });
});

Deno.test("mediamtx client - listPathConfigs and listPaths read every page", async () => {
  await withSim(async (sim, c) => {
    const names = Array.from({ length: 105 }, (_, i) => `camera${i}`);
    for (const n of names) await c.replacePathConfig(n, {});
    const confs = await c.listPathConfigs();
    assert.deepEqual(confs.map((x) => x.name).sort(), [...names].sort());
    const lists = sim.requests.filter((r) => r.path.startsWith("/v3/config/paths/list"));
    assert.deepEqual(lists.map((r) => r.path), [
      "/v3/config/paths/list?itemsPerPage=100&page=0",
      "/v3/config/paths/list?itemsPerPage=100&page=1",
    ]);
    assert.equal((await c.listPaths()).length, 105);
  });
});

Deno.test("mediamtx sim - pagination rules", async () => {
  await withSim(async (sim, c) => {
    for (const n of ["camera2", "camera0", "camera1"]) await c.replacePathConfig(n, {});
    const get = async (q: string) => {
      const r = await fetch(`${sim.url}/v3/config/paths/list${q}`);
      return { status: r.status, body: await r.json() };
    };
    const p1 = await get("?itemsPerPage=2&page=1");
    assert.equal(p1.status, 200);
    assert.equal(p1.body.itemCount, 3);
    assert.equal(p1.body.pageCount, 2);
    assert.deepEqual(p1.body.items.map((x: { name: string }) => x.name), ["camera2"]);
    const past = await get("?itemsPerPage=2&page=9");
    assert.deepEqual([past.status, past.body.items], [200, []]);
    for (const q of ["?itemsPerPage=0", "?itemsPerPage=-1", "?page=x"]) {
      const r = await get(q);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.status, "error");
    }
    const empty = await fetch(`${sim.url}/v3/recordings/list`).then((r) => r.json());
    assert.deepEqual(empty, { itemCount: 0, pageCount: 0, items: [] });
  });
});

Deno.test("mediamtx client - plain-text 404 of unknown routes maps to an http error", async () => {
  await withSim(async (sim, c) => {
    const r = await fetch(`${sim.url}/v3/nope`);
    assert.equal(r.status, 404);
    assert.equal(await r.text(), "404 page not found");
    const wrongMethod = await fetch(`${sim.url}/v3/config/paths/add/camera0`, { method: "GET" });
    assert.equal(wrongMethod.status, 404);
    await wrongMethod.body?.cancel();
    const bad = new MediaMtxClient({ baseUrl: `${sim.url}/v9`, timeoutMs: 2000 });
    await assert.rejects(bad.info(), (e: unknown) => {
      assert.ok(e instanceof MediaMtxError && e.kind === "http" && e.status === 404);
      assert.match(e.message, /404 page not found/);
      return true;
    });
    assert.equal(await c.getPathConfig("missing"), null);
  });
});

Deno.test("mediamtx client - recordings: unknown name → null, missing segment → 400", async () => {
  await withSim(async (_sim, c) => {
    assert.equal(await c.getRecording("camera9"), null);
    await c.replacePathConfig("camera9", {});
    assert.deepEqual(await c.getRecording("camera9"), { name: "camera9", segments: [] });
    assert.deepEqual(await c.listRecordings(), []);
    await rejectsWith(c.deleteRecordingSegment("camera9", "2026-01-01T00:00:00Z"), "http", 400);
  });
});

Deno.test("mediamtx client - recordings list, get and deletesegment on files", async () => {
  await withSim(async (_sim, c) => {
    // recordRoot is the simulator's working directory: write a segment file by hand.
    const root = await Deno.makeTempDir();
    try {
      await c.replacePathConfig("camera3", {
        recordPath: `${root}/%path/%Y-%m-%d_%H-%M-%S-%f`,
      });
      await Deno.mkdir(`${root}/camera3`);
      await Deno.writeTextFile(`${root}/camera3/2026-01-02_03-04-05-250000.mp4`, "x");
      await Deno.writeTextFile(`${root}/camera3/unrelated.txt`, "x");
      const rec = await c.getRecording("camera3");
      assert.equal(rec?.segments.length, 1);
      const start = rec!.segments[0].start;
      assert.match(start, /^2026-01-02T03:04:05\.25(Z|[+-]\d\d:\d\d)$/);
      assert.deepEqual(await c.listRecordings(), [rec]);
      await c.deleteRecordingSegment("camera3", start);
      assert.deepEqual((await c.getRecording("camera3"))?.segments, []);
      await rejectsWith(c.deleteRecordingSegment("camera3", start), "http", 400);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
});

Deno.test("mediamtx client - unreachable server", async () => {
  const port = await freePort();
  const c = new MediaMtxClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
  await rejectsWith(c.info(), "unreachable");
  await rejectsWith(c.listPaths(), "unreachable");
});

Deno.test("mediamtx client - timeout against a server that never answers", async () => {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer(() => {/* never answers */});
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    const c = new MediaMtxClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 150 });
    const t0 = Date.now();
    await rejectsWith(c.info(), "timeout");
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

Deno.test("mediamtx client - non-JSON 200 is a protocol error; Basic auth is sent", async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html>proxy</html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    const c = new MediaMtxClient({
      baseUrl: `http://127.0.0.1:${port}/`,
      timeoutMs: 2000,
      username: "api",
      password: "s3cret",
    });
    await rejectsWith(c.info(), "protocol");
    assert.deepEqual(seen, ["Basic " + btoa("api:s3cret")]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

Deno.test("mediamtx client - getPath normalises pre-1.17 answers", async () => {
  const old = {
    name: "camera0",
    confName: "camera0",
    source: { type: "rtspSession", id: "x" },
    ready: true,
    readyTime: "2024-01-01T00:00:00Z",
    tracks: ["H264"],
    bytesReceived: 1234,
    bytesSent: 99,
    readers: [{ type: "rtspSession", id: "r1" }],
  };
  const fakeFetch =
    (() => Promise.resolve(new Response(JSON.stringify(old), { status: 200 }))) as typeof fetch;
  const c = new MediaMtxClient({ baseUrl: "http://x", timeoutMs: 1000, fetch: fakeFetch });
  const p = await c.getPath("camera0");
  assert.equal(p?.available, true);
  assert.equal(p?.availableTime, "2024-01-01T00:00:00Z");
  assert.equal(p?.inboundBytes, 1234);
  assert.equal(p?.outboundBytes, 99);
  assert.deepEqual(p?.tracks, ["H264"]);
  assert.deepEqual(p?.tracks2, [{ codec: "H264" }]);
  assert.equal(p?.readers.length, 1);
});
