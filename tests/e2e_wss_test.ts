/** End to end over real sockets: WSS JSON-RPC with the test CA, auth, roles, limits, health. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { RpcClient } from "./support/rpc_client.ts";
import { httpsGet, startTestService } from "./support/service.ts";

Deno.test("e2e wss - ping without auth, viewer flow, roles, bad tokens", async () => {
  const t = await startTestService();
  try {
    const c = await t.connect();
    assert.deepEqual(await c.call("ping"), { jsonrpc: "2.0", result: "pong", id: 1 });

    const denied = await c.call("get_server_info");
    assert.equal(denied.error?.code, -32001);

    const bad = await c.call("authenticate", { auth_token: "not-a-token" });
    assert.equal(bad.error?.code, -32001);
    assert.equal(typeof bad.error?.data.reason, "string");

    const auth = await c.call("authenticate", { auth_token: await t.token("viewer") });
    const r = auth.result as Record<string, unknown>;
    assert.equal(r.authenticated, true);
    assert.equal(r.role, "viewer");
    assert.deepEqual(r.permissions, ["view"]);
    assert.match(String(r.expires_at), /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(typeof r.session_id, "string");

    const info = await c.call("get_server_info");
    assert.equal((info.result as Record<string, unknown>).name, "camera-service");

    const status = await c.call("get_status");
    assert.equal(status.error?.code, -32002);
    assert.deepEqual(status.error?.data, { required_role: "admin", have_role: "viewer" });

    const adminStatus = await c.call("get_status", { auth_token: await t.token("admin") });
    const s = adminStatus.result as Record<string, unknown>;
    assert.ok(["HEALTHY", "DEGRADED", "UNHEALTHY"].includes(String(s.status)));
    assert.equal(
      (s.components as Record<string, unknown>).mediamtx,
      "DEGRADED",
      "no MediaMTX in this test",
    );

    const expired = await c.call("ping", {
      auth_token: await t.token("viewer", 60, Date.now() - 3600_000),
    });
    assert.equal(expired.error?.code, -32001);
    assert.equal(expired.error?.data.reason, "token expired");
    await c.close();

    // Expiry is enforced on every call of a bound session, not only at authenticate.
    const short = await t.connect();
    const shortAuth = await short.call("authenticate", { auth_token: await t.token("viewer", 1) });
    assert.equal((shortAuth.result as Record<string, unknown>).authenticated, true);
    await new Promise((r) => setTimeout(r, 1100));
    const late = await short.call("get_server_info");
    assert.equal(late.error?.code, -32001);
    assert.equal(late.error?.data.reason, "token expired");
    assert.equal((await short.call("ping")).result, "pong", "the connection keeps serving");
    await short.close();
    assert.ok(!JSON.stringify(t.logs).includes(await t.token("viewer")), "tokens never logged");
  } finally {
    await t.stop();
  }
});

Deno.test("e2e wss - a client that does not trust the certificate cannot connect", async () => {
  const t = await startTestService();
  try {
    await assert.rejects(
      RpcClient.connect(t.addr.ws_url),
      /certificate|self.signed|unable to verify/i,
    );
  } finally {
    await t.stop();
  }
});

Deno.test("e2e wss - CERT_REQUIRED: no certificate and a rogue certificate refused, valid accepted", async () => {
  const t = await startTestService((c, pki) => {
    c.security.ssl = pki.ssl({ verify_mode: "CERT_REQUIRED", ca_file: pki.caFile });
  });
  try {
    await assert.rejects(t.connect());
    await assert.rejects(
      t.connect({
        cert: t.pki.rogueClient.certPem,
        key: t.pki.rogueClient.keyPem,
      }),
    );
    const ok = await t.connect({
      cert: await readFile(t.pki.clientCertFile, "utf8"),
      key: await readFile(t.pki.clientKeyFile, "utf8"),
    });
    assert.equal((await ok.call("ping")).result, "pong");
    await ok.close();
    assert.ok(
      t.logs.some((l) => l.msg === "connection opened" && String(l.client_cert).includes("CN=")),
      "the verified client certificate subject is logged",
    );
  } finally {
    await t.stop();
  }
});

Deno.test("e2e wss - CERT_OPTIONAL: no certificate accepted, rogue refused", async () => {
  const t = await startTestService((c, pki) => {
    c.security.ssl = pki.ssl({ verify_mode: "CERT_OPTIONAL", ca_file: pki.caFile });
  });
  try {
    const anon = await t.connect();
    assert.equal((await anon.call("ping")).result, "pong");
    await anon.close();
    await assert.rejects(
      t.connect({
        cert: t.pki.rogueClient.certPem,
        key: t.pki.rogueClient.keyPem,
      }),
    );
  } finally {
    await t.stop();
  }
});

Deno.test("e2e wss - frame limit 1009, binary frame 1003, max connections, others keep serving", async () => {
  const t = await startTestService((c) => {
    c.server.max_frame_bytes = 4096;
    c.server.max_connections = 3;
  });
  try {
    const keep = await t.connect();

    const big = await t.connect();
    big.ws.send(
      JSON.stringify({ jsonrpc: "2.0", method: "ping", params: { x: "a".repeat(5000) }, id: 1 }),
    );
    assert.equal((await big.closed).code, 1009);

    const bin = await t.connect();
    bin.ws.send(new Uint8Array([1, 2, 3]));
    assert.equal((await bin.closed).code, 1003);

    const a = await t.connect();
    const b = await t.connect();
    await assert.rejects(t.connect(), /503/);
    assert.ok(t.logs.some((l) => String(l.msg).includes("max_connections")));
    assert.equal((await keep.call("ping")).result, "pong");
    await Promise.all([a.close(), b.close(), keep.close()]);
  } finally {
    await t.stop();
  }
});

Deno.test("e2e health - live, ready with certificate expiry, metrics on loopback", async () => {
  const t = await startTestService();
  try {
    const ca = t.ca;
    const live = await httpsGet(t.healthUrl("/health/live"), ca);
    assert.equal(live.status, 200);
    assert.equal(JSON.parse(live.body).status, "healthy");
    const ready = await httpsGet(t.healthUrl("/health/ready"), ca);
    const body = JSON.parse(ready.body);
    assert.equal(ready.status, 200, ready.body);
    assert.equal(body.ready, true);
    assert.ok(body.checks.tls.days_left > 300);
    assert.match(body.checks.tls.not_after, /^\d{4}-/);
    assert.ok(
      body.degraded.includes("mediamtx"),
      "MediaMTX down degrades, does not fail readiness",
    );

    const c = await t.connect();
    await c.call("ping");
    await c.close();
    const metrics = await httpsGet(t.healthUrl("/metrics"), ca);
    assert.equal(metrics.status, 200);
    assert.match(
      metrics.body,
      /camera_service_rpc_requests_total\{method="ping",code="ok"\} [1-9]/,
    );
    assert.match(metrics.body, /camera_service_tls_handshakes_total\{protocol="TLSv1\.3"\} [1-9]/);
    assert.match(metrics.body, /camera_service_tls_certificate_expiry_timestamp_seconds \d+/);
  } finally {
    await t.stop();
  }
});

Deno.test("e2e wss - keepalive: an idle live client stays, a peer that stops answering pings is closed", async () => {
  const t = await startTestService((c) => {
    c.server.ping_interval = 0.2;
  });
  try {
    const idle = await t.connect();
    const dead = await t.connect();
    // A peer that vanished: it no longer reads, so it never answers a ping.
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(
      t.logs.some((l) => l.msg === "closing dead peer (no pong)"),
      "the dead peer is closed",
    );
    assert.equal(t.service.metrics.wsOpen, 1, "only the live client remains");
    assert.equal((await idle.call("ping")).result, "pong", "the idle live client was kept");
    await idle.close();
    dead.ws.terminate();
  } finally {
    await t.stop();
  }
});
