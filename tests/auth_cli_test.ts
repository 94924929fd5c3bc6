import assert from "node:assert/strict";
import { join } from "node:path";
import { ApiKeyStore } from "../src/auth/apikeys.ts";
import { verifyToken } from "../src/auth/jwt.ts";
import { apikeyCommand, parseExpiry } from "../src/cli/apikey_cmd.ts";
import { tokenCommand } from "../src/cli/token_cmd.ts";
import type { CliCommand } from "../src/cli/types.ts";
import { defaultConfig } from "../src/config/defaults.ts";
import type { Config } from "../src/config/types.ts";
import { argv, type CliRun, runCli } from "./support/cli.ts";
import { withTempDir } from "./support/temp.ts";

function runner(config: Config) {
  return (cmd: CliCommand, args: string[]): Promise<CliRun> => runCli(cmd, args, { config });
}

function withConfig(fn: (config: Config, dir: string) => Promise<void>): Promise<void> {
  return withTempDir((dir) => {
    const config = defaultConfig();
    config.data_dir = dir;
    return fn(config, dir);
  });
}

Deno.test("cli token - create prints a token the service secret verifies; verify prints claims", async () => {
  await withConfig(async (config, dir) => {
    const run = runner(config);
    const r = await run(tokenCommand, argv("create --role operator --user ops --ttl 90m"));
    assert.equal(r.code, 0);
    assert.equal(r.out.length, 1);
    const secret = (await Deno.readTextFile(join(dir, "jwt-secret"))).trim();
    assert.ok(r.err.some((l) => l.includes(join(dir, "jwt-secret"))), "generation is logged");
    assert.ok(!r.err.join("\n").includes(secret));
    const id = await verifyToken(r.out[0], secret);
    assert.equal(id.user_id, "ops");
    assert.equal(id.role, "operator");
    assert.ok(Math.abs(id.expires_at! - (Date.now() / 1000 + 5400)) < 5);

    const v = await run(tokenCommand, ["verify", r.out[0]]);
    assert.equal(v.code, 0);
    assert.match(v.out[0], /^valid: user ops, role operator, expires /);
    assert.equal(JSON.parse(v.out.slice(1).join("\n")).role, "operator");

    const j = await run(tokenCommand, ["create", "--role=viewer", "--json"]);
    const parsed = JSON.parse(j.out[0]);
    assert.equal(parsed.role, "viewer");
    // default ttl = security.jwt_expiry
    const exp = (await verifyToken(parsed.token, secret)).expires_at!;
    assert.ok(Math.abs(exp - (Date.now() / 1000 + config.security.jwt_expiry)) < 5);
  });
});

Deno.test("cli token - configured secret is used; verify reports the reason and exits 1", async () => {
  await withConfig(async (config, dir) => {
    config.security.jwt_secret_key = "c".repeat(40);
    const run = runner(config);
    const r = await run(tokenCommand, ["create", "--role", "admin", "--user", "a"]);
    assert.equal((await verifyToken(r.out[0], "c".repeat(40))).role, "admin");
    await assert.rejects(Deno.stat(join(dir, "jwt-secret")), "no file generated");

    config.security.jwt_secret_key = "d".repeat(40);
    const v = await run(tokenCommand, ["verify", r.out[0]]);
    assert.equal(v.code, 1);
    assert.deepEqual(v.err, ["error: invalid token: invalid signature"]);
    const bad = await run(tokenCommand, ["verify", "garbage"]);
    assert.deepEqual([bad.code, bad.err], [1, ["error: invalid token: malformed token"]]);

    config.security.jwt_secret_key = "short";
    const w = await run(tokenCommand, ["create", "--role", "admin"]);
    assert.equal(w.code, 0);
    assert.ok(w.err.some((l) => /^warning: JWT secret is 5 bytes/.test(l)));
  });
});

Deno.test("cli token - bad input: one-line error, exit 2", async () => {
  await withConfig(async (config, dir) => {
    const run = runner(config);
    const cases: [string[], RegExp][] = [
      [["create"], /--role is required/],
      [["create", "--role", "root"], /unknown role "root"/],
      [["create", "--role", "viewer", "--ttl", "soon"], /bad --ttl "soon"/],
      [["create", "--role", "viewer", "--ttl", "0"], /bad --ttl/],
      [["create", "--role", "viewer", "--bogus"], /unknown option --bogus/],
      [["create", "--role", "viewer", "--user", " "], /--user must not be empty/],
      [["verify"], /exactly one TOKEN/],
      [["mint"], /unknown token sub-command "mint"/],
    ];
    for (const [args, re] of cases) {
      const r = await run(tokenCommand, args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.err.length, 1, args.join(" "));
      assert.match(r.err[0], re);
      assert.match(r.err[0], /^error: /);
      assert.deepEqual(r.out, []);
    }
    await assert.rejects(Deno.stat(join(dir, "jwt-secret")), "nothing generated on bad input");
    const noSecret = await run(tokenCommand, ["verify", "a.b.c"]);
    assert.equal(noSecret.code, 1);
    assert.match(noSecret.err[0], /no JWT secret/);
    const help = await run(tokenCommand, ["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out[0], /token create --role/);
    assert.equal((await run(tokenCommand, ["create", "--help"])).code, 0);
    assert.equal((await run(tokenCommand, [])).code, 2);
  });
});

Deno.test("cli apikey - create prints the key once, list hides it, revoke disables it", async () => {
  await withConfig(async (config, dir) => {
    const run = runner(config);
    const c = await run(apikeyCommand, ["create", "--role", "operator", "--name", "nvr"]);
    assert.equal(c.code, 0);
    assert.equal(c.out.length, 1);
    const key = c.out[0];
    assert.match(key, /^csk_/);
    assert.ok(c.err.some((l) => /cannot be shown again/.test(l)));
    const file = join(dir, "api-keys.json");
    assert.ok(!(await Deno.readTextFile(file)).includes(key));
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

    const l = await run(apikeyCommand, ["list"]);
    assert.equal(l.code, 0);
    assert.match(l.out[0], /^ID\s+NAME\s+ROLE\s+STATUS\s+CREATED\s+EXPIRES$/);
    assert.match(l.out[1], /nvr\s+operator\s+active\s+\S+\s+never$/);
    assert.ok(!l.out.join("\n").includes(key));
    const lj = await run(apikeyCommand, ["list", "--json"]);
    const listed = JSON.parse(lj.out.join("\n"));
    assert.deepEqual(listed.map((k: { name: string }) => k.name), ["nvr"]);

    const store = await ApiKeyStore.open(file);
    assert.equal(store.verify(key)?.role, "operator");

    const r = await run(apikeyCommand, ["revoke", "nvr"]);
    assert.equal(r.code, 0);
    assert.match(r.out[0], /^revoked API key "nvr" \(id [0-9a-f]{16}\)$/);
    assert.equal((await ApiKeyStore.open(file)).verify(key), null);
    const again = await run(apikeyCommand, ["revoke", "nvr"]);
    assert.equal(again.code, 1);
    assert.match(again.err[0], /^error: no unrevoked API key with id or name "nvr"$/);
  });
});

Deno.test("cli apikey - expires, custom file, json output", async () => {
  await withConfig(async (config, dir) => {
    config.security.api_keys_file = join(dir, "etc", "keys.json");
    const run = runner(config);
    const c = await run(
      apikeyCommand,
      argv("create --role viewer --name temp --expires 30d --json"),
    );
    assert.equal(c.code, 0);
    const k = JSON.parse(c.out[0]);
    assert.ok(Math.abs(Date.parse(k.expires_at) - (Date.now() + 30 * 86400_000)) < 5000);
    const store = await ApiKeyStore.open(config.security.api_keys_file);
    assert.equal(store.verify(k.key)?.expires_at, Math.floor(Date.parse(k.expires_at) / 1000));
    const byId = await run(apikeyCommand, ["revoke", k.id]);
    assert.equal(byId.code, 0);
    assert.equal(parseExpiry("2030-01-31").toISOString(), "2030-01-31T00:00:00.000Z");
    assert.equal(parseExpiry("2030-01-31T12:00:00Z").toISOString(), "2030-01-31T12:00:00.000Z");
  });
});

Deno.test("cli apikey - bad input: one-line error, non-zero exit, nothing written", async () => {
  await withConfig(async (config, dir) => {
    const run = runner(config);
    assert.equal((await run(apikeyCommand, ["create", "--role", "viewer", "--name", "x"])).code, 0);
    const file = join(dir, "api-keys.json");
    const before = await Deno.readTextFile(file);
    const cases: [string[], RegExp][] = [
      [["create", "--role", "viewer", "--name", "x"], /already exists/],
      [["create", "--role", "viewer"], /--name is required/],
      [["create", "--name", "y"], /--role is required/],
      [["create", "--role", "god", "--name", "y"], /unknown role "god"/],
      [["create", "--role", "viewer", "--name", "a b"], /invalid name/],
      [["create", "--role", "viewer", "--name", "y", "--expires", "later"], /bad --expires/],
      [["create", "--role", "viewer", "--name", "y", "--expires", "2001-01-01"], /in the past/],
      [["revoke"], /exactly one ID or NAME/],
      [["rotate"], /unknown apikey sub-command/],
    ];
    for (const [args, re] of cases) {
      const r = await run(apikeyCommand, args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.err.length, 1, args.join(" "));
      assert.match(r.err[0], re);
      assert.match(r.err[0], /^error: /);
    }
    assert.equal(await Deno.readTextFile(file), before);
    await Deno.writeTextFile(file, "[broken");
    const broken = await run(apikeyCommand, ["list"]);
    assert.equal(broken.code, 1);
    assert.match(broken.err[0], /^error: API key file .* is not valid JSON/);
    const help = await run(apikeyCommand, ["--help"]);
    // the dispatcher's global --config is tolerated wherever it appears
    await Deno.remove(file);
    assert.equal((await run(apikeyCommand, ["list", "--config", "/x.yaml"])).code, 0);
    assert.equal(
      (await run(tokenCommand, ["create", "--config=/x.yaml", "--role", "viewer"])).code,
      0,
    );
    assert.equal(help.code, 0);
    assert.match(help.out[0], /apikey create --role/);
  });
});
