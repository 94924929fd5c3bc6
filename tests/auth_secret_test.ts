import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveJwtSecret } from "../src/auth/secret.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { withTempDir } from "./support/temp.ts";

Deno.test("secret - configured value wins and touches no file", async () => {
  await withTempDir(async (dir) => {
    const { log, lines } = memoryLogger();
    const r = await resolveJwtSecret("configured-secret", join(dir, "data"), log);
    assert.deepEqual(r, { secret: "configured-secret", file: null, generated: false });
    await assert.rejects(Deno.stat(join(dir, "data")));
    assert.equal(lines().length, 0);
  });
});

Deno.test("secret - generated into data_dir (0600, dir 0700), logged without the value, reused", async () => {
  await withTempDir(async (dir) => {
    const dataDir = join(dir, "data");
    const { log, lines } = memoryLogger();
    const first = await resolveJwtSecret("", dataDir, log);
    assert.equal(first.generated, true);
    assert.equal(first.file, join(dataDir, "jwt-secret"));
    assert.match(first.secret, /^[A-Za-z0-9_-]{64}$/); // 48 bytes base64url
    assert.equal((await Deno.stat(first.file!)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(dataDir)).mode! & 0o777, 0o700);
    const logged = JSON.stringify(lines());
    assert.ok(logged.includes(first.file!), "the log names the file");
    assert.ok(!logged.includes(first.secret), "the log never holds the secret");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dataDir), (e) => e.name), ["jwt-secret"]);

    const again = await resolveJwtSecret("", dataDir, memoryLogger().log);
    assert.deepEqual(again, { secret: first.secret, file: first.file, generated: false });
  });
});

Deno.test("secret - existing file is read trimmed; loose mode warns; empty file is an error", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "jwt-secret");
    await Deno.writeTextFile(file, "  my-own-secret-value-that-is-long-enough \n", { mode: 0o644 });
    await Deno.chmod(file, 0o644);
    const { log, lines } = memoryLogger();
    const r = await resolveJwtSecret("", dir, log);
    assert.equal(r.secret, "my-own-secret-value-that-is-long-enough");
    assert.equal(r.generated, false);
    assert.ok(lines().some((l) => l.level === "warn" && String(l.msg).includes("chmod 600")));

    await Deno.writeTextFile(file, "\n");
    await assert.rejects(resolveJwtSecret("", dir, log), /is empty/);
  });
});

Deno.test("secret - concurrent first starts agree on one secret", async () => {
  await withTempDir(async (dir) => {
    const { log } = memoryLogger();
    const all = await Promise.all([1, 2, 3, 4].map(() => resolveJwtSecret("", dir, log)));
    assert.equal(new Set(all.map((r) => r.secret)).size, 1);
    assert.equal(all.filter((r) => r.generated).length, 1);
  });
});
