import assert from "node:assert/strict";
import { join } from "node:path";
import { ApiKeyError, ApiKeyStore } from "../src/auth/apikeys.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { withTempDir } from "./support/temp.ts";

Deno.test("apikeys - create, verify, list; file is 0600 and holds only the hash", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "sub", "api-keys.json");
    const store = await ApiKeyStore.open(file);
    assert.deepEqual(store.list(), []);
    const k = await store.create({ name: "nvr", role: "operator" });
    assert.match(k.key, /^csk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(k.key.split("_")[1], k.id);
    assert.equal(k.expires_at, null);

    const id = store.verify(k.key);
    assert.deepEqual(id, {
      user_id: "apikey:nvr",
      role: "operator",
      method: "api_key",
      expires_at: null,
      key_id: k.id,
    });
    const text = await Deno.readTextFile(file);
    assert.ok(!text.includes(k.key), "the key is not on disk");
    assert.ok(!text.includes(k.key.slice(22)), "not even its secret part");
    assert.match(text, /"hash": "sha256:[0-9a-f]{64}"/);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(dir, "sub")), (e) => e.name), [
      "api-keys.json",
    ]);

    const listed = store.list();
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, "active");
    assert.ok(!JSON.stringify(listed).includes("sha256"), "list never shows hashes");
    assert.ok(!("key" in listed[0]));

    // a second store over the same file verifies the key too (persistence)
    const other = await ApiKeyStore.open(file);
    assert.equal(other.verify(k.key)?.role, "operator");
  });
});

Deno.test("apikeys - wrong, malformed and altered keys are refused", async () => {
  await withTempDir(async (dir) => {
    const store = await ApiKeyStore.open(join(dir, "k.json"));
    const k = await store.create({ name: "a", role: "viewer" });
    const last = k.key.at(-1) === "A" ? "B" : "A";
    assert.equal(store.verify(k.key.slice(0, -1) + last), null);
    assert.deepEqual(store.check(k.key.slice(0, -1) + last), { reason: "unknown API key" });
    assert.deepEqual(store.check("csk_nope"), { reason: "malformed API key" });
    const otherId = k.key.replace(k.id, "0123456789abcdef");
    assert.deepEqual(store.check(otherId), { reason: "unknown API key" });
  });
});

Deno.test("apikeys - expiry and revocation", async () => {
  await withTempDir(async (dir) => {
    const now = Date.UTC(2026, 5, 1);
    const store = await ApiKeyStore.open(join(dir, "k.json"));
    const k = await store.create({
      name: "temp",
      role: "admin",
      expiresAt: new Date(now + 3600_000),
      now,
    });
    assert.equal(store.verify(k.key, now)?.expires_at, (now + 3600_000) / 1000);
    assert.deepEqual(store.check(k.key, now + 3600_000), { reason: "API key expired" });
    assert.equal(store.list(now + 7200_000)[0].status, "expired");
    assert.equal(store.isActive(k.id, now), true);
    assert.equal(store.isActive(k.id, now + 3600_000), false);

    const p = await store.create({ name: "perm", role: "viewer", now });
    assert.equal(await store.revoke("perm", now), true);
    assert.deepEqual(store.check(p.key, now), { reason: "API key revoked" });
    assert.equal(store.isActive(p.id, now), false);
    assert.equal(await store.revoke("perm", now), false, "already revoked");
    assert.equal(await store.revoke("nobody", now), false);
    assert.equal(await store.revoke(k.id, now), true, "revoke by id");
    // a revoked name may be reused
    const again = await store.create({ name: "perm", role: "viewer", now });
    assert.equal(store.verify(again.key, now)?.role, "viewer");
    assert.deepEqual(
      store.list(now).map((r) => [r.name, r.status]),
      [["temp", "revoked"], ["perm", "revoked"], ["perm", "active"]],
    );
  });
});

Deno.test("apikeys - bad input is refused and changes nothing", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "k.json");
    const store = await ApiKeyStore.open(file);
    await store.create({ name: "dup", role: "viewer" });
    const before = await Deno.readTextFile(file);
    await assert.rejects(store.create({ name: "dup", role: "admin" }), ApiKeyError);
    await assert.rejects(store.create({ name: "has space", role: "admin" }), /invalid name/);
    await assert.rejects(store.create({ name: "", role: "admin" }), /invalid name/);
    // deno-lint-ignore no-explicit-any
    await assert.rejects(store.create({ name: "x", role: "root" as any }), /unknown role/);
    await assert.rejects(
      store.create({ name: "old", role: "viewer", expiresAt: new Date(Date.now() - 1000) }),
      /not in the future/,
    );
    assert.equal(await Deno.readTextFile(file), before);
  });
});

Deno.test("apikeys - concurrent creates in one process keep every key", async () => {
  await withTempDir(async (dir) => {
    const store = await ApiKeyStore.open(join(dir, "k.json"));
    const made = await Promise.all(
      ["a", "b", "c", "d"].map((name) => store.create({ name, role: "viewer" })),
    );
    const fresh = await ApiKeyStore.open(join(dir, "k.json"));
    assert.equal(fresh.list().length, 4);
    for (const k of made) assert.ok(fresh.verify(k.key));
  });
});

Deno.test("apikeys - a running store sees an external revoke (reload on change)", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "k.json");
    const { log, lines } = memoryLogger();
    const service = await ApiKeyStore.open(file, { refreshIntervalMs: 1000, log });
    const cli = await ApiKeyStore.open(file);
    const k = await cli.create({ name: "cam-nvr", role: "operator" });
    const t0 = Date.now();
    // the service had an empty view; after the refresh interval it stats and reloads
    assert.equal(service.verify(k.key, t0 + 1500)?.role, "operator");
    assert.equal(service.isActive(k.id, t0 + 1500), true);
    await cli.revoke("cam-nvr");
    // within the interval the cached view is used; after it the revoke is seen
    assert.equal(service.isActive(k.id, t0 + 2000), true);
    assert.equal(service.verify(k.key, t0 + 3000), null);
    assert.equal(service.isActive(k.id, t0 + 3000), false);
    assert.ok(lines().some((l) => l.msg === "API key file reloaded"));
  });
});

Deno.test("apikeys - corrupt file: open fails with the path; a running store fails closed", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "k.json");
    await Deno.writeTextFile(file, "{not json");
    await assert.rejects(ApiKeyStore.open(file), (e: Error) => e.message.includes(file));

    await Deno.remove(file);
    const { log, lines } = memoryLogger();
    const store = await ApiKeyStore.open(file, { refreshIntervalMs: 0, log });
    const k = await store.create({ name: "a", role: "viewer" });
    await Deno.writeTextFile(file, JSON.stringify({ version: 1, keys: [{ id: 1 }] }));
    assert.deepEqual(store.check(k.key), { reason: "API key store unavailable" });
    assert.ok(lines().some((l) => l.level === "error" && String(l.error).includes("entry 0")));
  });
});
