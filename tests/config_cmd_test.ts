import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { configCommand } from "../src/cli/config_cmd.ts";
import { captureCli } from "./support/cli.ts";
import { withTempDir } from "./support/temp.ts";

/** A CLI context capturing output; `config check` loads the config itself (no ctx.config()). */
function cli(env: Record<string, string | undefined> = {}) {
  return captureCli({ env });
}

const SECRET = "0123456789abcdef0123456789abcdef-secret";

Deno.test("config check - valid file: source, masked YAML, exit 0", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(
      file,
      `server:\n  port: 0\nmediamtx:\n  password: mtx-pass\ncamera:\n  sources:\n` +
        `    - {id: camera10, url: "rtsp://u:campw@10.0.0.2/s"}\n`,
    );
    const { ctx, out, err } = cli({ CAMERA_SERVICE_JWT_SECRET: SECRET });
    const code = await configCommand(["--config", file], ctx);
    assert.equal(code, 0, err.join("\n"));
    const text = out.join("\n");
    assert.ok(text.includes(`# source: ${file}`));
    for (const secret of [SECRET, "mtx-pass", "campw"]) assert.ok(!text.includes(secret), secret);
    const printed = parse(text);
    assert.equal(printed.server.port, 0);
    assert.equal(printed.security.jwt_secret_key, "***");
    assert.equal(printed.security.ssl.key_passphrase, "(unset)");
    assert.equal(printed.mediamtx.password, "***");
    assert.equal(printed.camera.sources[0].url, "rtsp://***@10.0.0.2/s");
    assert.equal(printed.data_dir, join(dir, "data"));
  });
});

Deno.test("config check - --json prints one JSON document with source, notes and config", async () => {
  const { ctx, out } = cli({ SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt" });
  const code = await configCommand(["--json"], ctx);
  assert.equal(code, 0);
  const doc = JSON.parse(out.join("\n"));
  assert.equal(doc.ok, true);
  assert.equal(doc.source, "embedded default");
  assert.equal(doc.notes.length, 1);
  assert.match(doc.notes[0], /SSL_CERT_FILE.*ignored/);
  assert.equal(doc.config.server.port, 8002);
  assert.equal(doc.config.security.ssl.cert_file, "");
  assert.equal(doc.config.security.jwt_secret_key, "(unset)");
});

Deno.test("config check - notes appear as YAML comments", async () => {
  const { ctx, out } = cli({ SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt" });
  assert.equal(await configCommand([], ctx), 0);
  assert.ok(out.some((l) => l.startsWith("# note: SSL_CERT_FILE=")));
  assert.equal(parse(out.join("\n")).security.ssl.cert_file, "");
});

Deno.test("config check - CAMERA_SERVICE_CONFIG from ctx.env is honoured", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(file, "logging:\n  level: warn\n");
    const { ctx, out } = cli({ CAMERA_SERVICE_CONFIG: file });
    assert.equal(await configCommand(["check", "--json"], ctx), 0);
    const doc = JSON.parse(out.join("\n"));
    assert.equal(doc.source, file);
    assert.equal(doc.config.logging.level, "warn");
  });
});

Deno.test("config check - invalid config: one problem per line, exit 1", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "bad.yaml");
    await Deno.writeTextFile(
      file,
      "server:\n  port: 70000\n  prot: 1\nsecurity:\n  ssl:\n    verify_mode: CERT_REQUIRED\n",
    );
    const { ctx, out, err } = cli({ CAMERA_SERVICE_HEALTH_PORT: "x" });
    const code = await configCommand(["--config", file], ctx);
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [
      `invalid configuration (${file}): 4 problems`,
      'CAMERA_SERVICE_HEALTH_PORT="x": health.port expects an integer',
      `server.prot: unknown key (did you mean server.port?) (${file} line 3)`,
      `server.port: 70000 is not a valid port (0-65535; 0 = pick a free port) (${file} line 2)`,
      "security.ssl.ca_file: required when security.ssl.verify_mode is CERT_REQUIRED: set it to " +
      "the PEM file of the CA that signs client certificates (or use verify_mode CERT_NONE)",
    ]);
  });
});

Deno.test("config check - invalid config with --json: problems as data, exit 1", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "bad.yaml");
    await Deno.writeTextFile(file, "server: [1, 2\n");
    const { ctx, out } = cli();
    assert.equal(await configCommand(["--config", file, "--json"], ctx), 1);
    const doc = JSON.parse(out.join("\n"));
    assert.equal(doc.ok, false);
    assert.equal(doc.source, file);
    assert.match(doc.problems[0].message, new RegExp(`^${file}:\\d+:\\d+: YAML syntax error`));
  });
});

Deno.test("config check - missing file: exit 1 naming the file", async () => {
  const { ctx, err } = cli();
  assert.equal(await configCommand(["--config", "/nonexistent/x.yaml"], ctx), 1);
  assert.ok(err.some((l) => l === "config file /nonexistent/x.yaml (from --config): not found"));
});

Deno.test("config check - --help prints usage, bad flags exit 2", async () => {
  const help = cli();
  assert.equal(await configCommand(["--help"], help.ctx), 0);
  assert.match(help.out.join("\n"), /config check \[--config FILE\] \[--json\]/);
  const bad = cli();
  assert.equal(await configCommand(["--bogus"], bad.ctx), 2);
  assert.equal(bad.err[0], "error: unknown option --bogus");
  const extra = cli();
  assert.equal(await configCommand(["stray"], extra.ctx), 2);
  const noValue = cli();
  assert.equal(await configCommand(["--config"], noValue.ctx), 2);
  assert.equal(noValue.err[0], "error: --config needs a value");
});
