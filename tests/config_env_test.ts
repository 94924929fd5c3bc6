import assert from "node:assert/strict";
import { join } from "node:path";
import { envVarName, envVarTable } from "../src/config/env.ts";
import { ConfigError } from "../src/config/errors.ts";
import { loadConfig } from "../src/config/load.ts";
import { withTempDir } from "./support/temp.ts";

const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

async function envError(env: Record<string, string>, cwd = "/"): Promise<ConfigError> {
  try {
    await loadConfig({ env, cwd });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("config env - the names of the issue map to their keys", () => {
  const table = envVarTable();
  const expected: Record<string, string> = {
    CAMERA_SERVICE_JWT_SECRET: "security.jwt_secret_key",
    CAMERA_SERVICE_SERVER_HOST: "server.host",
    CAMERA_SERVICE_SERVER_PORT: "server.port",
    CAMERA_SERVICE_HEALTH_PORT: "health.port",
    CAMERA_SERVICE_DATA_DIR: "data_dir",
    CAMERA_SERVICE_LOG_LEVEL: "logging.level",
    CAMERA_SERVICE_MEDIAMTX_API_PORT: "mediamtx.api_port",
    CAMERA_SERVICE_CAMERA_DEVICE_DIR: "camera.device_dir",
    CAMERA_SERVICE_SSL_CERT_FILE: "security.ssl.cert_file",
    CAMERA_SERVICE_SECURITY_SSL_CERT_FILE: "security.ssl.cert_file",
    CAMERA_SERVICE_SSL_VERIFY_MODE: "security.ssl.verify_mode",
    CAMERA_SERVICE_SSL_KEY_PASSPHRASE: "security.ssl.key_passphrase",
    CAMERA_SERVICE_CAMERA_ENCODER_BITRATE: "camera.encoder.bitrate",
    CAMERA_SERVICE_SERVER_TRUSTED_PROXIES: "server.trusted_proxies",
  };
  for (const [name, path] of Object.entries(expected)) assert.equal(table.get(name), path, name);
  assert.equal(
    envVarName("recording.disk_warn_percent"),
    "CAMERA_SERVICE_RECORDING_DISK_WARN_PERCENT",
  );
  assert.equal(
    table.has("CAMERA_SERVICE_CAMERA_SOURCES"),
    false,
    "lists of mappings are file-only",
  );
});

Deno.test("config env - overrides are parsed by the key's type", async () => {
  await withTempDir(async (dir) => {
    const { config } = await loadConfig({
      cwd: dir,
      env: {
        CAMERA_SERVICE_SERVER_PORT: "0",
        CAMERA_SERVICE_HEALTH_PORT: " 9103 ",
        CAMERA_SERVICE_SERVER_HOST: "127.0.0.1",
        CAMERA_SERVICE_SERVER_RATE_LIMIT_RPS: "2.5",
        CAMERA_SERVICE_SSL_WATCH: "no",
        CAMERA_SERVICE_CAMERA_ON_DEMAND: "0",
        CAMERA_SERVICE_RETENTION_ENABLED: "YES",
        CAMERA_SERVICE_SERVER_TRUSTED_PROXIES: "10.0.0.0/8, 192.168.1.1",
        CAMERA_SERVICE_CAMERA_DEVICE_RANGE: "2,5",
        CAMERA_SERVICE_LOG_LEVEL: "debug",
        CAMERA_SERVICE_LOGGING_FORMAT: "text",
        CAMERA_SERVICE_JWT_SECRET: "k".repeat(32),
        CAMERA_SERVICE_MEDIAMTX_API_PORT: "19997",
        CAMERA_SERVICE_SSL_VERIFY_MODE: " CERT_OPTIONAL ",
        CAMERA_SERVICE_SSL_CA_FILE: "ca.pem",
      },
    });
    assert.equal(config.server.port, 0);
    assert.equal(config.health.port, 9103);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.server.rate_limit_rps, 2.5);
    assert.equal(config.security.ssl.watch, false);
    assert.equal(config.camera.on_demand, false);
    assert.equal(config.retention.enabled, true);
    assert.deepEqual(config.server.trusted_proxies, ["10.0.0.0/8", "192.168.1.1"]);
    assert.deepEqual(config.camera.device_range, [2, 5]);
    assert.equal(config.logging.level, "debug");
    assert.equal(config.logging.format, "text");
    assert.equal(config.security.jwt_secret_key, "k".repeat(32));
    assert.equal(config.mediamtx.api_port, 19997);
    assert.equal(config.security.ssl.verify_mode, "CERT_OPTIONAL");
    assert.equal(config.security.ssl.ca_file, join(dir, "ca.pem"), "env paths resolve against cwd");
  });
});

Deno.test("config env - env wins over the file; env paths resolve against cwd, not the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    const file = join(dir, "etc", "c.yaml");
    await Deno.writeTextFile(file, "server:\n  port: 9000\ndata_dir: state\n");
    const fileOnly = await loadConfig({ file, env: {}, cwd: dir });
    assert.equal(fileOnly.config.data_dir, join(dir, "etc", "state"));
    const { config } = await loadConfig({
      file,
      cwd: dir,
      env: { CAMERA_SERVICE_SERVER_PORT: "9001", CAMERA_SERVICE_DATA_DIR: "run" },
    });
    assert.equal(config.server.port, 9001);
    assert.equal(config.data_dir, join(dir, "run"));
    assert.equal(config.recording.directory, join(dir, "run", "recordings"));
  });
});

Deno.test("config env - bad values name the variable, the value and the rule", async () => {
  const e = await envError({
    CAMERA_SERVICE_SERVER_PORT: "eighty",
    CAMERA_SERVICE_SSL_ENABLED: "maybe",
    CAMERA_SERVICE_CAMERA_DEVICE_RANGE: "0..9",
    CAMERA_SERVICE_HEALTH_PORT: "70000",
    CAMERA_SERVICE_LOG_LEVEL: "loud",
  });
  assert.deepEqual(e.lines(), [
    'CAMERA_SERVICE_CAMERA_DEVICE_RANGE="0..9": camera.device_range expects a range "MIN,MAX" ' +
    'such as "0,9"',
    'CAMERA_SERVICE_SERVER_PORT="eighty": server.port expects an integer',
    'CAMERA_SERVICE_SSL_ENABLED="maybe": security.ssl.enabled expects a boolean ' +
    "(true/false, 1/0, yes/no, on/off)",
    "health.port: 70000 is not a valid port (0-65535; 0 = pick a free port) " +
    "(env CAMERA_SERVICE_HEALTH_PORT)",
    'logging.level: "loud" is not one of debug, info, warn, error (env CAMERA_SERVICE_LOG_LEVEL)',
  ]);
});

Deno.test("config env - secrets in bad env values are masked", async () => {
  const e = await envError({ CAMERA_SERVICE_JWT_SECRET: "tooshort" });
  assert.ok(!e.message.includes("tooshort"), e.message);
  assert.match(
    e.message,
    /security\.jwt_secret_key: \*\*\* is too short.*CAMERA_SERVICE_JWT_SECRET/,
  );
});

Deno.test("config env - unknown CAMERA_SERVICE_ variables are errors with a hint", async () => {
  const e = await envError({ CAMERA_SERVICE_SERVER_PROT: "1", CAMERA_SERVICE_CONFIG: "" });
  assert.equal(e.problems.length, 1);
  assert.match(
    e.problems[0].message,
    /^CAMERA_SERVICE_SERVER_PROT: unknown environment variable \(did you mean CAMERA_SERVICE_SERVER_PORT\?\)/,
  );
  // Other variables are none of our business.
  const ok = await loadConfig({ env: { HOME: "/root", SERVER_PORT: "1" }, cwd: "/" });
  assert.equal(ok.config.server.port, 8002);
});

Deno.test("config env - two names for one key conflict", async () => {
  const e = await envError({
    CAMERA_SERVICE_JWT_SECRET: "a".repeat(32),
    CAMERA_SERVICE_SECURITY_JWT_SECRET_KEY: "b".repeat(32),
  });
  assert.match(e.message, /both set security\.jwt_secret_key: keep only one/);
});

Deno.test("config env - empty numeric/boolean values are ignored with a note", async () => {
  const { config, notes } = await loadConfig({
    env: { CAMERA_SERVICE_SERVER_PORT: "", CAMERA_SERVICE_SERVER_PUBLIC_HOST: "" },
    cwd: "/",
  });
  assert.equal(config.server.port, 8002);
  assert.ok(notes.some((n) => n.startsWith("CAMERA_SERVICE_SERVER_PORT is empty: ignored")));
});

Deno.test("config env SSL - a lone system SSL_CERT_FILE is ignored, with a note why", async () => {
  const { config, notes } = await loadConfig({ env: { SSL_CERT_FILE: CA_BUNDLE }, cwd: "/" });
  assert.equal(config.security.ssl.cert_file, "");
  assert.equal(config.security.ssl.enabled, true);
  assert.equal(notes.length, 1);
  assert.match(
    notes[0],
    /^SSL_CERT_FILE="\/etc\/ssl\/certs\/ca-certificates\.crt" ignored: SSL_ENABLED is not set/,
  );
  assert.match(notes[0], /CA bundle/);
  assert.match(notes[0], /CAMERA_SERVICE_SSL_CERT_FILE/);
});

Deno.test("config env SSL - a lone SSL_KEY_FILE is ignored too", async () => {
  const { config, notes } = await loadConfig({
    env: { SSL_CERT_FILE: CA_BUNDLE, SSL_KEY_FILE: "/k.pem" },
    cwd: "/",
  });
  assert.equal(config.security.ssl.key_file, "");
  assert.equal(notes.length, 2);
  assert.ok(notes[1].startsWith("SSL_KEY_FILE="));
  assert.match(notes[1], /CAMERA_SERVICE_SSL_KEY_FILE/);
});

Deno.test("config env SSL - SSL_ENABLED makes the SSL_* group apply", async () => {
  await withTempDir(async (dir) => {
    const { config, notes } = await loadConfig({
      env: { SSL_ENABLED: "true", SSL_CERT_FILE: "tls/c.pem", SSL_KEY_FILE: "/tls/k.pem" },
      cwd: dir,
    });
    assert.deepEqual(notes, []);
    assert.equal(config.security.ssl.enabled, true);
    assert.equal(config.security.ssl.cert_file, join(dir, "tls/c.pem"));
    assert.equal(config.security.ssl.key_file, "/tls/k.pem");
    const off = await loadConfig({ env: { SSL_ENABLED: "false" }, cwd: dir });
    assert.equal(off.config.security.ssl.enabled, false);
  });
});

Deno.test("config env SSL - SSL_ENABLED must be a boolean", async () => {
  const e = await envError({ SSL_ENABLED: "sure", SSL_CERT_FILE: "/c.pem" });
  assert.equal(
    e.lines()[0],
    'SSL_ENABLED="sure": security.ssl.enabled expects a boolean (true/false, 1/0, yes/no, on/off)',
  );
});

Deno.test("config env SSL - CAMERA_SERVICE_SSL_CERT_FILE works alone and wins over SSL_CERT_FILE", async () => {
  const alone = await loadConfig({
    env: { CAMERA_SERVICE_SSL_CERT_FILE: "/srv/c.pem", SSL_CERT_FILE: CA_BUNDLE },
    cwd: "/",
  });
  assert.equal(alone.config.security.ssl.cert_file, "/srv/c.pem");
  const both = await loadConfig({
    env: { SSL_ENABLED: "1", SSL_CERT_FILE: "/a.pem", CAMERA_SERVICE_SSL_CERT_FILE: "/b.pem" },
    cwd: "/",
  });
  assert.equal(both.config.security.ssl.cert_file, "/b.pem");
  assert.ok(
    both.notes.some((n) => n.startsWith("SSL_CERT_FILE ignored: CAMERA_SERVICE_SSL_CERT_FILE")),
  );
});

Deno.test("config env SSL - the note is logged at info level when a logger is given", async () => {
  const lines: string[] = [];
  const { Logger } = await import("../src/observability/log.ts");
  const log = new Logger({ level: "info", format: "json", sink: (l) => lines.push(l) });
  await loadConfig({ env: { SSL_CERT_FILE: CA_BUNDLE }, cwd: "/", log });
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.level, "info");
  assert.match(entry.msg, /SSL_CERT_FILE.*ignored/);
});
