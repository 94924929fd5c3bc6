/**
 * Hardening: JWT and API-key attacks over a real WSS socket, against `authenticate` and as
 * `params.auth_token` on a viewer method. Every forged, broken or revoked credential gets
 * -32001 and grants nothing: the session stays unbound (or keeps its lower role). The
 * per-address lockout is tested separately (-32040 even for a valid token while locked).
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ApiKeyStore } from "../src/auth/apikeys.ts";
import { apiKeysFile } from "../src/auth/setup.ts";
import { attackTokens } from "./support/hardening_jwt.ts";
import { Tally, until } from "./support/hardening_tally.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { httpsGet, startTestService, TEST_SECRET } from "./support/service.ts";

const tally = new Tally("auth");

/** Params problems of `authenticate` itself (non-string/empty token) may answer -32602. */
const nonString = (token: unknown) => typeof token !== "string" || token === "";

/** The credential is refused everywhere and nothing is granted on this connection after it. */
async function assertRefused(c: RpcClient, token: unknown, label: string): Promise<void> {
  const auth = await c.call("authenticate", { auth_token: token });
  const allowed = nonString(token) ? [-32001, -32602] : [-32001];
  assert.ok(
    allowed.includes(auth.error?.code ?? 0),
    `${label}: authenticate answered ${JSON.stringify(auth).slice(0, 300)}`,
  );
  if (typeof token === "string" && token.length > 16) {
    assert.ok(!JSON.stringify(auth).includes(token), `${label}: the token is echoed back`);
  }
  const viaParam = await c.call("get_camera_list", { auth_token: token });
  assert.equal(
    viaParam.error?.code,
    -32001,
    `${label}: get_camera_list ${JSON.stringify(viaParam)}`,
  );
  assert.equal(typeof viaParam.error?.data?.reason, "string", `${label}: a reason is given`);
  const admin = await c.call("get_status");
  assert.equal(admin.error?.code, -32001, `${label}: session bound? ${JSON.stringify(admin)}`);
  const viewer = await c.call("get_server_info");
  assert.equal(viewer.error?.code, -32001, `${label}: session bound? ${JSON.stringify(viewer)}`);
  assert.equal((await c.call("ping")).result, "pong", `${label}: connection keeps serving`);
}

Deno.test("hardening auth - forged, broken and oversized JWTs are -32001 and grant nothing", async () => {
  const t = await startTestService((c) => {
    c.security.auth_max_failures = 1_000_000; // the lockout is tested on its own below
    c.server.rate_limit_rps = 100_000;
    c.server.rate_limit_burst = 100_000;
  });
  try {
    const viewerToken = await t.token("viewer");
    const attacks = attackTokens(TEST_SECRET, viewerToken);
    assert.ok(attacks.length >= 40);
    const c = await t.connect();
    for (const a of attacks) {
      await tally.run(`jwt ${a.name}`, () => assertRefused(c, a.token, a.name));
    }

    // A viewer session is not upgraded by a forged admin token passed on an admin method.
    await tally.run("jwt forged tokens in a batch bind nothing for the rest of it", async () => {
      for (const a of attacks.filter((x) => typeof x.token === "string").slice(0, 12)) {
        const replies = await new Promise<{ id: string; error?: { code: number } }[]>((res) => {
          c.ws.once("message", (d) => res(JSON.parse(String(d))));
          c.ws.send(JSON.stringify([
            { jsonrpc: "2.0", method: "authenticate", params: { auth_token: a.token }, id: "a" },
            { jsonrpc: "2.0", method: "get_status", id: "b" },
            { jsonrpc: "2.0", method: "get_server_info", id: "c" },
          ]));
        });
        assert.ok(Array.isArray(replies) && replies.length === 3, JSON.stringify(replies));
        for (const r of replies) {
          assert.ok(
            [-32001, -32602].includes(r.error?.code ?? 0),
            `${a.name}: batch ${JSON.stringify(r).slice(0, 200)}`,
          );
        }
        const after = await c.call("get_status");
        assert.equal(after.error?.code, -32001, `${a.name}: bound after the batch`);
      }
    });

    await tally.run("jwt forged admin token on a viewer-bound session", async () => {
      const auth = await c.call("authenticate", { auth_token: viewerToken });
      assert.equal((auth.result as Record<string, unknown>).role, "viewer");
      for (const a of attacks.filter((x) => typeof x.token === "string" && x.token !== "")) {
        const r = await c.call("get_status", { auth_token: a.token });
        assert.equal(r.error?.code, -32001, `${a.name}: ${JSON.stringify(r)}`);
      }
      const still = await c.call("get_status");
      assert.equal(still.error?.code, -32002, "still a viewer");
      assert.equal((await c.call("get_server_info")).error, undefined);
    });
    await c.close();

    await tally.run("jwt no credential material in logs", () => {
      const text = JSON.stringify(t.logs);
      for (const a of attacks) {
        if (typeof a.token === "string" && a.token.length > 40) {
          const sig = a.token.split(".")[2] ?? a.token;
          if (sig.length > 20) assert.ok(!text.includes(sig), `${a.name} logged`);
        }
      }
      assert.ok(t.logs.some((l) => l.msg === "authentication failed" && l.reason));
    });
  } finally {
    await t.stop();
  }
});

Deno.test("hardening auth - forged credentials on the download and metrics routes: 401", async () => {
  const t = await startTestService((c) => {
    c.security.auth_max_failures = 1_000_000;
    c.health.metrics_access = "token";
  });
  try {
    const ca = t.ca;
    await mkdir(t.config.snapshots.directory, { recursive: true });
    await writeFile(join(t.config.snapshots.directory, "ok.jpg"), "PRIVATE-IMAGE");
    const url = `https://127.0.0.1:${t.addr.ws_port}/files/snapshots/ok.jpg`;
    await tally.run("download control: a valid bearer gets the file", async () => {
      const r = await httpsGet(url, ca, { Authorization: `Bearer ${await t.token("viewer")}` });
      assert.equal(r.status, 200);
      assert.equal(r.body, "PRIVATE-IMAGE");
    });
    const attacks = attackTokens(TEST_SECRET, await t.token("viewer"))
      .filter((a) => typeof a.token === "string" && /^[\x21-\x7e]+$/.test(a.token));
    const headers: [string, Record<string, string>][] = [
      ...attacks.map((a): [string, Record<string, string>] => [
        `Bearer ${a.name}`,
        { Authorization: `Bearer ${a.token}` },
      ]),
      ...attacks.map((a): [string, Record<string, string>] => [
        `X-API-Key ${a.name}`,
        { "X-API-Key": String(a.token) },
      ]),
      ["Basic auth", { Authorization: "Basic YWRtaW46YWRtaW4=" }],
      ["Bearer without token", { Authorization: "Bearer" }],
      ["Bearer with two tokens", { Authorization: "Bearer a b" }],
      ["empty Authorization", { Authorization: "" }],
      ["empty X-API-Key", { "X-API-Key": "" }],
    ];
    for (const [label, h] of headers) {
      await tally.run(`download ${label}`, async () => {
        const r = await httpsGet(url, ca, h);
        assert.equal(r.status, 401, `${label}: ${r.status} ${r.body.slice(0, 200)}`);
        assert.ok(!r.body.includes("PRIVATE-IMAGE"));
      });
      await tally.run(`metrics (token access) ${label}`, async () => {
        const r = await httpsGet(t.healthUrl("/metrics"), ca, h);
        assert.equal(r.status, 401, `${label}: ${r.status} ${r.body.slice(0, 200)}`);
        assert.ok(!r.body.includes("camera_service_"));
      });
    }
    await tally.run("metrics (token access) control: a valid bearer gets them", async () => {
      const r = await httpsGet(t.healthUrl("/metrics"), ca, {
        Authorization: `Bearer ${await t.token("viewer")}`,
      });
      assert.equal(r.status, 200);
      assert.match(r.body, /camera_service_/);
    });
  } finally {
    await t.stop();
  }
});

Deno.test("hardening auth - revoked and expired API keys, revocation of a bound session", async () => {
  const t = await startTestService((c) => {
    c.security.auth_max_failures = 1_000_000;
  });
  try {
    const store = await ApiKeyStore.open(apiKeysFile(t.config));
    const good = await store.create({ name: "robot", role: "admin" });
    const doomed = await store.create({ name: "doomed", role: "admin" });
    const brief = await store.create({
      name: "brief",
      role: "admin",
      expiresAt: new Date(Date.now() + 1500),
    });
    const c = await t.connect();
    const bound = await t.connect();

    await tally.run("api key valid one works (control)", async () => {
      await until("the service sees the new keys", async () => {
        const r = await c.call("get_status", { auth_token: good.key });
        return r.result !== undefined;
      }, 5000);
      const r = await bound.call("authenticate", { auth_token: doomed.key });
      assert.equal((r.result as Record<string, unknown>).role, "admin");
      assert.ok((await bound.call("get_status")).result);
    });
    await c.close();

    await store.revoke(doomed.id);
    await tally.run("api key revoked: refused at authenticate and on a viewer method", async () => {
      let reason = "";
      await until("revocation noticed", async () => {
        const r = await bound.call("get_status");
        reason = r.error?.data?.reason;
        return r.error?.code === -32001;
      }, 5000);
      assert.equal(reason, "API key revoked");
      const after = await bound.call("get_server_info");
      assert.equal(after.error?.code, -32001, "the revoked identity is unbound");
      const fresh = await t.connect();
      await assertRefused(fresh, doomed.key, "revoked key");
      await fresh.close();
    });
    await tally.run("api key expired", async () => {
      await new Promise((r) =>
        setTimeout(r, Math.max(0, Date.parse(brief.expires_at!) - Date.now() + 100))
      );
      const fresh = await t.connect();
      await assertRefused(fresh, brief.key, "expired key");
      await fresh.close();
    });
    await tally.run("api key forged with a real id", async () => {
      const forged = good.key.slice(0, -4) + (good.key.endsWith("AAAA") ? "BBBB" : "AAAA");
      const fresh = await t.connect();
      await assertRefused(fresh, forged, "forged key with real id");
      await fresh.close();
    });
    await bound.close();
  } finally {
    await t.stop();
  }
});

Deno.test("hardening auth - lockout after repeated failures: -32040 even for a valid token", async () => {
  const t = await startTestService((c) => {
    c.security.auth_max_failures = 3;
    c.security.auth_failure_window = 60;
    c.security.auth_lockout = 60;
  });
  try {
    const c = await t.connect();
    await tally.run("lockout engages and refuses valid credentials", async () => {
      for (let i = 0; i < 3; i++) {
        const r = await c.call("authenticate", { auth_token: `garbage-${i}` });
        assert.equal(r.error?.code, -32001);
      }
      const locked = await c.call("authenticate", { auth_token: await t.token("admin") });
      assert.equal(locked.error?.code, -32040, JSON.stringify(locked));
      assert.ok(locked.error?.data?.retry_after_ms > 50_000);
      const viaParam = await c.call("get_camera_list", { auth_token: await t.token("admin") });
      assert.equal(viaParam.error?.code, -32040);
      assert.equal((await c.call("get_status")).error?.code, -32001, "nothing bound");
      // A new connection from the same address is locked out too.
      const other = await t.connect();
      const again = await other.call("authenticate", { auth_token: await t.token("viewer") });
      assert.equal(again.error?.code, -32040);
      assert.equal((await other.call("ping")).result, "pong");
      await other.close();
      assert.ok(t.logs.some((l) => l.msg === "authentication lockout"), "lockout is logged");
      const dl = await httpsGet(
        `https://127.0.0.1:${t.addr.ws_port}/files/snapshots/x.jpg`,
        t.ca,
        { Authorization: `Bearer ${await t.token("admin")}` },
      );
      assert.equal(dl.status, 429, `download while locked out: ${dl.status} ${dl.body}`);
      assert.ok(Number(dl.headers["retry-after"]) > 50);
    });
    await c.close();
  } finally {
    await t.stop();
  }
});

Deno.test("hardening auth - summary", () => tally.report());
