import assert from "node:assert/strict";
import type { Identity } from "../src/api/types.ts";
import { method } from "../src/api/types.ts";
import { RpcEngine } from "../src/rpc/engine.ts";
import { authFailed, notFound } from "../src/rpc/errors.ts";
import { deviceId, integer, object, optional } from "../src/rpc/schema.ts";
import { RawJson } from "../src/rpc/raw_json.ts";
import { Session } from "../src/rpc/session.ts";
import { memoryLogger } from "../src/observability/log.ts";

const identities: Record<string, Identity> = {
  viewer: { user_id: "v", role: "viewer", method: "jwt", expires_at: null },
  operator: { user_id: "o", role: "operator", method: "jwt", expires_at: null },
  admin: { user_id: "a", role: "admin", method: "jwt", expires_at: null },
  expired: { user_id: "x", role: "admin", method: "jwt", expires_at: 1 },
};

function setup(opts: { rps?: number; burst?: number; maxBatch?: number } = {}) {
  const { log, lines } = memoryLogger("debug");
  const calls: string[] = [];
  const engine = new RpcEngine({
    log,
    maxBatch: opts.maxBatch ?? 5,
    auth: {
      authenticate: (token) => {
        const id = identities[String(token)];
        if (!id) return Promise.reject(authFailed("invalid token"));
        return Promise.resolve(id);
      },
      stillValid: (id) => id.expires_at === null || id.expires_at * 1000 > Date.now(),
    },
    methods: [
      method("ping", object({}), () => "pong"),
      method("get_camera_status", object({ device: deviceId() }), (p) => {
        calls.push(p.device);
        if (p.device !== "camera0") throw notFound("camera", p.device);
        return { device: p.device };
      }),
      method(
        "list_recordings",
        object({ limit: optional(integer({ min: 1, max: 1000 }), 50) }),
        (p) => ({ limit: p.limit }),
      ),
      method("delete_recording", object({}), () => ({ deleted: true })),
      method("get_metrics", object({}), () => {
        throw new Error("boom at /secret/path");
      }),
    ],
  });
  const sent: (string | Uint8Array)[] = [];
  const session = new Session("127.0.0.1", null, {
    send: (t) => (sent.push(t), true),
    close: () => {},
  }, { log, rateLimitRps: opts.rps ?? 1000, rateLimitBurst: opts.burst ?? 1000 });
  const call = async (frame: unknown) => {
    const out = await engine.handleText(
      typeof frame === "string" ? frame : JSON.stringify(frame),
      session,
    );
    return out === null ? null : JSON.parse(out);
  };
  /** A request with an id: `rpc("m", params, 2)`. */
  const rpc = (method: string, params?: unknown, id = 1) =>
    call({ jsonrpc: "2.0", method, params, id });
  return { engine, session, call, rpc, calls, lines };
}

Deno.test("rpc engine - ping answers pong without auth", async () => {
  const { call } = setup();
  assert.deepEqual(await call({ jsonrpc: "2.0", method: "ping", id: 1 }), {
    jsonrpc: "2.0",
    result: "pong",
    id: 1,
  });
  assert.deepEqual(await call({ jsonrpc: "2.0", method: "ping", id: "a" }), {
    jsonrpc: "2.0",
    result: "pong",
    id: "a",
  });
  assert.deepEqual(await call({ jsonrpc: "2.0", method: "ping", id: null }), {
    jsonrpc: "2.0",
    result: "pong",
    id: null,
  });
});

Deno.test("rpc engine - parse error answers -32700 with id null", async () => {
  const { call } = setup();
  const r = await call('{"jsonrpc":"2.0","method":"ping","id":1');
  assert.equal(r.error.code, -32700);
  assert.equal(r.error.message, "Parse error");
  assert.equal(r.id, null);
});

Deno.test("rpc engine - invalid envelopes answer -32600", async () => {
  const { call } = setup();
  for (
    const bad of [
      { method: "ping", id: 1 },
      { jsonrpc: "1.0", method: "ping", id: 1 },
      { jsonrpc: "2.0", method: 5, id: 1 },
      { jsonrpc: "2.0", id: 1 },
      { jsonrpc: "2.0", method: "ping", params: "x", id: 1 },
      { jsonrpc: "2.0", method: "ping", id: { a: 1 } },
      42,
      `"text"`,
      null,
    ]
  ) {
    const r = await call(bad);
    assert.equal(r.error.code, -32600, JSON.stringify(bad));
    assert.equal(typeof r.error.data.hint, "string");
  }
  const r = await call({ jsonrpc: "1.0", method: "ping", id: 7 });
  assert.equal(r.id, 7);
});

Deno.test("rpc engine - notifications get no answer, errors included", async () => {
  const { call, calls } = setup();
  assert.equal(await call({ jsonrpc: "2.0", method: "ping" }), null);
  assert.equal(await call({ jsonrpc: "2.0", method: "nope" }), null);
  assert.equal(
    await call({
      jsonrpc: "2.0",
      method: "get_camera_status",
      params: { device: "camera0", auth_token: "viewer" },
    }),
    null,
  );
  assert.deepEqual(calls, ["camera0"]);
});

Deno.test("rpc engine - unknown method -32601, contract method without handler -32601", async () => {
  const { call, rpc } = setup();
  const r = await rpc("nope");
  assert.equal(r.error.code, -32601);
  assert.equal(r.error.message, "Method Not Found");
  for (const inherited of ["__proto__", "toString", "constructor", "hasOwnProperty"]) {
    const r = await call({ jsonrpc: "2.0", method: inherited, id: 2 });
    assert.equal(r.error.code, -32601, inherited);
  }
  const r2 = await rpc("take_snapshot", { auth_token: "admin" }, 3);
  assert.equal(r2.error.code, -32601);
});

Deno.test("rpc engine - auth required, then roles enforced before the handler", async () => {
  const { rpc, session, calls } = setup();
  const r = await rpc("get_camera_status", { device: "camera0" });
  assert.equal(r.error.code, -32001);
  assert.match(r.error.data.reason, /authentication required/);
  assert.deepEqual(calls, []);
  const ok = await rpc("get_camera_status", { device: "camera0", auth_token: "viewer" }, 2);
  assert.deepEqual(ok.result, { device: "camera0" });
  assert.equal(session.identity?.role, "viewer", "auth_token binds an unbound connection");
  const denied = await rpc("delete_recording", undefined, 3);
  assert.equal(denied.error.code, -32002);
  assert.deepEqual(denied.error.data, { required_role: "admin", have_role: "viewer" });
  const asAdmin = await rpc("delete_recording", { auth_token: "admin" }, 4);
  assert.deepEqual(asAdmin.result, { deleted: true });
  assert.equal(session.identity?.role, "viewer", "a request token does not rebind a bound session");
  const badToken = await rpc("ping", { auth_token: "forged" }, 5);
  assert.equal(badToken.error.code, -32001);
});

Deno.test("rpc engine - expiry is enforced on every call", async () => {
  const { rpc, session } = setup();
  session.identity = identities.expired;
  const r = await rpc("get_camera_status", { device: "camera0" });
  assert.equal(r.error.code, -32001);
  assert.equal(r.error.data.reason, "token expired");
  assert.equal(session.identity, null);
});

Deno.test("rpc engine - invalid params answer -32602 with param, rule, hint", async () => {
  const { rpc, session } = setup();
  session.identity = identities.admin;
  const cases: [unknown, string, string][] = [
    [{}, "device", "required"],
    [{ device: 5 }, "device", "type"],
    [{ device: "cam0" }, "device", "pattern"],
    [{ device: "camera0", extra: 1 }, "extra", "additionalProperties"],
  ];
  for (const [params, param, rule] of cases) {
    const r = await rpc("get_camera_status", params);
    assert.equal(r.error.code, -32602, JSON.stringify(params));
    assert.equal(r.error.data.param, param);
    assert.equal(r.error.data.rule, rule);
    assert.equal(typeof r.error.data.hint, "string");
  }
  const arr = await rpc("get_camera_status", ["camera0"]);
  assert.equal(arr.error.code, -32602);
  const range = await rpc("list_recordings", { limit: 0 });
  assert.equal(range.error.data.rule, "minimum");
  const dflt = await rpc("list_recordings");
  assert.deepEqual(dflt.result, { limit: 50 });
});

Deno.test("rpc engine - /dev/videoN maps to cameraN; domain errors keep their code", async () => {
  const { rpc, session, calls } = setup();
  session.identity = identities.viewer;
  const r = await rpc("get_camera_status", { device: "/dev/video0" });
  assert.deepEqual(r.result, { device: "camera0" });
  const nf = await rpc("get_camera_status", { device: "camera9" }, 2);
  assert.equal(nf.error.code, -32010);
  assert.deepEqual(nf.error.data, { resource: "camera", id: "camera9" });
  assert.deepEqual(calls, ["camera0", "camera9"]);
});

Deno.test("rpc engine - handler crash is -32603 with a request id and no stack", async () => {
  const { rpc, session, lines } = setup();
  session.identity = identities.admin;
  const r = await rpc("get_metrics");
  assert.equal(r.error.code, -32603);
  assert.equal(typeof r.error.data.request_id, "string");
  assert.ok(!JSON.stringify(r).includes("/secret/path"));
  assert.ok(lines().some((l) => l.request_id === r.error.data.request_id));
});

Deno.test("rpc engine - batches: mixed, notifications left out, all-notifications, empty, over cap", async () => {
  const { call } = setup({ maxBatch: 3 });
  const r = await call([
    { jsonrpc: "2.0", method: "ping", id: 1 },
    { jsonrpc: "2.0", method: "ping" },
    { jsonrpc: "2.0", method: "nope", id: 2 },
  ]);
  assert.equal(r.length, 2);
  assert.deepEqual(r[0], { jsonrpc: "2.0", result: "pong", id: 1 });
  assert.equal(r[1].error.code, -32601);
  assert.equal(await call([{ jsonrpc: "2.0", method: "ping" }]), null);
  const empty = await call([]);
  assert.equal(empty.error.code, -32600);
  const big = await call(
    Array.from({ length: 4 }, (_, i) => ({ jsonrpc: "2.0", method: "ping", id: i })),
  );
  assert.equal(big.error.code, -32600);
  assert.match(big.error.data.hint, /limit is 3/);
  const junk = await call([1, 2]);
  assert.equal(junk.length, 2);
  assert.equal(junk[0].error.code, -32600);
});

Deno.test("rpc engine - per-connection rate limit answers -32040 with retry_after_ms", async () => {
  const { rpc } = setup({ rps: 1, burst: 2 });
  assert.equal((await rpc("ping")).result, "pong");
  assert.equal((await rpc("ping", undefined, 2)).result, "pong");
  const r = await rpc("ping", undefined, 3);
  assert.equal(r.error.code, -32040);
  assert.ok(r.error.data.retry_after_ms > 0 && r.error.data.retry_after_ms <= 1000);
});

Deno.test("rpc engine - a RawJson result is spliced in verbatim, alone and in batches", async () => {
  const { log } = memoryLogger("debug");
  const text = JSON.stringify({ cameras: [{ device: "camera0", name: 'quote " and \u2028' }] });
  const engine = new RpcEngine({
    log,
    maxBatch: 5,
    roles: { raw: null, ping: null },
    auth: {
      authenticate: () => Promise.reject(authFailed("no")),
      stillValid: () => false,
    },
    methods: [
      method("raw", object({}), () => new RawJson(text)),
      method("ping", object({}), () => "pong"),
    ],
  });
  const session = new Session("127.0.0.1", null, { send: () => true, close: () => {} }, {
    log,
    rateLimitRps: 1000,
    rateLimitBurst: 1000,
  });
  const id = 'x"\\y';
  const one = await engine.handleText(
    JSON.stringify({ jsonrpc: "2.0", method: "raw", id }),
    session,
  );
  assert.equal(one, `{"jsonrpc":"2.0","result":${text},"id":${JSON.stringify(id)}}`);
  assert.deepEqual(JSON.parse(one!), { jsonrpc: "2.0", result: JSON.parse(text), id });
  const batch = await engine.handleText(
    JSON.stringify([
      { jsonrpc: "2.0", method: "raw", id: 1 },
      { jsonrpc: "2.0", method: "raw" },
      { jsonrpc: "2.0", method: "ping", id: 2 },
    ]),
    session,
  );
  assert.deepEqual(JSON.parse(batch!), [
    { jsonrpc: "2.0", result: JSON.parse(text), id: 1 },
    { jsonrpc: "2.0", result: "pong", id: 2 },
  ]);
  // Anything else serializing a reply (logs, tests) sees the same value.
  assert.equal(JSON.stringify({ result: new RawJson(text) }), `{"result":${text}}`);
});
