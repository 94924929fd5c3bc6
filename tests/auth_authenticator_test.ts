import assert from "node:assert/strict";
import { join } from "node:path";
import { ApiKeyStore } from "../src/auth/apikeys.ts";
import { Authenticator } from "../src/auth/authenticator.ts";
import { signToken } from "../src/auth/jwt.ts";
import { createAuth } from "../src/auth/setup.ts";
import { AuthThrottle } from "../src/auth/throttle.ts";
import { defaultConfig } from "../src/config/defaults.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { withTempDir } from "./support/temp.ts";

const SECRET = "k".repeat(40);

async function setup(
  fn: (ctx: {
    auth: Authenticator;
    store: ApiKeyStore;
    lines: () => Record<string, unknown>[];
  }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    const { log, lines } = memoryLogger();
    const store = await ApiKeyStore.open(join(dir, "keys.json"), { refreshIntervalMs: 0 });
    const throttle = new AuthThrottle({ max_failures: 3, window_seconds: 60, lockout_seconds: 30 });
    const auth = new Authenticator({ secret: SECRET, apiKeys: store, throttle, log });
    await fn({ auth, store, lines });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function failure(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError);
    return e;
  }
  assert.fail("expected a failure");
}

Deno.test("authenticator - JWT and API key both authenticate", async () => {
  await setup(async ({ auth, store }) => {
    const jwt = await signToken({ secret: SECRET, user_id: "u1", role: "admin", ttlSeconds: 60 });
    const id = await auth.authenticate(jwt, "1.2.3.4");
    assert.equal(id.method, "jwt");
    assert.equal(id.role, "admin");
    const k = await store.create({ name: "int", role: "viewer" });
    const kid = await auth.authenticate(k.key, "1.2.3.4");
    assert.deepEqual([kid.method, kid.role, kid.key_id], ["api_key", "viewer", k.id]);
  });
});

Deno.test("authenticator - failures are -32001 with reasons and logged without the token", async () => {
  await setup(async ({ auth, lines }) => {
    const bad = await signToken({
      secret: "x".repeat(40),
      user_id: "u",
      role: "admin",
      ttlSeconds: 60,
    });
    const e1 = await failure(auth.authenticate(bad, "9.9.9.9"));
    assert.deepEqual(e1.toJSON().data, { reason: "invalid signature" });
    const e2 = await failure(auth.authenticate(undefined, "9.9.9.8"));
    assert.equal(e2.data?.reason, "missing auth_token");
    const e3 = await failure(auth.authenticate(42, "9.9.9.8"));
    assert.equal(e3.data?.reason, "auth_token must be a string");
    const e4 = await failure(auth.authenticate("hello world", "9.9.9.7"));
    assert.match(String(e4.data?.reason), /^malformed token/);
    const e5 = await failure(
      auth.authenticate(`csk_0123456789abcdef_${"A".repeat(43)}`, "9.9.9.7"),
    );
    assert.equal(e5.data?.reason, "unknown API key");
    const logged = JSON.stringify(lines());
    assert.ok(!logged.includes(bad), "the token is never logged");
    assert.ok(!logged.includes("A".repeat(43)));
    const warn = lines().find((l) => l.msg === "authentication failed");
    assert.equal(warn?.remote, "9.9.9.9");
    assert.equal(warn?.reason, "invalid signature");
    assert.equal(warn?.kind, "jwt");
  });
});

Deno.test("authenticator - lockout answers -32040 with retry_after_ms even for a good token", async () => {
  await setup(async ({ auth }) => {
    const now = Date.now();
    for (let i = 0; i < 3; i++) await failure(auth.authenticate("junk", "5.5.5.5", now));
    const good = await signToken({ secret: SECRET, user_id: "u", role: "viewer", ttlSeconds: 600 });
    const e = await failure(auth.authenticate(good, "5.5.5.5", now + 1000));
    assert.equal(e.code, -32040);
    assert.deepEqual(e.data, { retry_after_ms: 29_000 });
    // other addresses are fine; after the lockout the good token passes and resets the count
    assert.equal((await auth.authenticate(good, "5.5.5.6", now + 1000)).user_id, "u");
    assert.equal((await auth.authenticate(good, "5.5.5.5", now + 31_000)).user_id, "u");
    await failure(auth.authenticate("junk", "5.5.5.5", now + 32_000));
    assert.equal((await auth.authenticate(good, "5.5.5.5", now + 32_000)).role, "viewer");
  });
});

Deno.test("authenticator - stillValid: JWT expiry and API key revocation", async () => {
  await setup(async ({ auth, store }) => {
    const now = Date.now();
    const jwt = await signToken({
      secret: SECRET,
      user_id: "u",
      role: "viewer",
      ttlSeconds: 60,
      now,
    });
    const id = await auth.authenticate(jwt, "r", now);
    assert.equal(auth.stillValid(id, now + 30_000), true);
    assert.equal(auth.stillValid(id, now + 61_000), false);
    assert.equal(auth.validityProblem(id, now + 61_000), "token expired");
    assert.throws(
      () => auth.assertStillValid(id, now + 61_000),
      (e: RpcError) => e.code === -32001 && e.data?.reason === "token expired",
    );

    const k = await store.create({ name: "k", role: "operator" });
    const kid = await auth.authenticate(k.key, "r");
    assert.equal(auth.stillValid(kid), true);
    await store.revoke("k");
    assert.equal(auth.validityProblem(kid), "API key revoked");
  });
});

Deno.test("authenticator - HTTP headers: Bearer and X-API-Key", async () => {
  await setup(async ({ auth, store }) => {
    const jwt = await signToken({ secret: SECRET, user_id: "h", role: "operator", ttlSeconds: 60 });
    const k = await store.create({ name: "http", role: "admin" });
    const a = await auth.authFromHttpHeaders(new Headers({ authorization: `Bearer ${jwt}` }), "r");
    assert.equal(a?.user_id, "h");
    const b = await auth.authFromHttpHeaders(
      new Headers({ Authorization: `bearer ${k.key}` }),
      "r",
    );
    assert.equal(b?.role, "admin");
    const c = await auth.authFromHttpHeaders(new Headers({ "X-API-Key": k.key }), "r");
    assert.equal(c?.method, "api_key");
    assert.equal(await auth.authFromHttpHeaders(new Headers(), "r"), null);
    const e = await failure(
      auth.authFromHttpHeaders(new Headers({ authorization: "Basic dTpw" }), "r"),
    );
    assert.match(String(e.data?.reason), /use: Bearer/);
    const f = await failure(auth.authFromHttpHeaders(new Headers({ "x-api-key": "nope" }), "r"));
    assert.equal(f.code, -32001);
  });
});

Deno.test("authenticator - createAuth wires secret, key file and throttle from config", async () => {
  await withTempDir(async (dir) => {
    const config = defaultConfig();
    config.data_dir = dir;
    config.security.auth_max_failures = 1;
    const { log } = memoryLogger();
    const setup = await createAuth(config, log);
    assert.equal(setup.secret.generated, true);
    assert.equal(setup.secretProblem, null);
    assert.equal(setup.apiKeys.file, join(dir, "api-keys.json"));
    const jwt = await signToken({
      secret: setup.secret.secret,
      user_id: "c",
      role: "viewer",
      ttlSeconds: 60,
    });
    assert.equal((await setup.authenticator.authenticate(jwt, "r")).user_id, "c");
    await failure(setup.authenticator.authenticate("junk", "q"));
    assert.equal((await failure(setup.authenticator.authenticate(jwt, "q"))).code, -32040);

    config.security.jwt_secret_key = "short";
    assert.match((await createAuth(config, log)).secretProblem ?? "", /at least 32/);
  });
});
