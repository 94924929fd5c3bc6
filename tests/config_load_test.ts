import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../src/config/defaults.ts";
import { EMBEDDED_CONFIG_LINES, embeddedConfigValue } from "../src/config/embedded.ts";
import { envVarName, envVarTable } from "../src/config/env.ts";
import { ConfigError } from "../src/config/errors.ts";
import { EMBEDDED_SOURCE, loadConfig, resolveConfig } from "../src/config/load.ts";
import { resolveConfigPaths } from "../src/config/paths.ts";
import { parseYaml } from "../src/config/yaml.ts";
import { renderEmbedded } from "../scripts/gen-embedded-config.ts";
import { withTempDir } from "./support/temp.ts";

const root = new URL("../", import.meta.url).pathname;
/** The embedded default's source, config/camera-service.yaml. */
const DEFAULT_YAML = readFileSync(join(root, "config/camera-service.yaml"), "utf8");

async function loadError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("config embedded - src/config/embedded.ts is in sync with config/camera-service.yaml", () => {
  assert.equal(
    readFileSync(join(root, "src/config/embedded.ts"), "utf8"),
    renderEmbedded(DEFAULT_YAML),
    "run: deno run --allow-read --allow-write --allow-env scripts/gen-embedded-config.ts",
  );
});

Deno.test("config embedded - the default YAML loads to exactly defaultConfig()", async () => {
  await withTempDir(async (dir) => {
    const loaded = await loadConfig({ env: {}, cwd: dir });
    assert.equal(loaded.source, EMBEDDED_SOURCE);
    assert.deepEqual(loaded.notes, []);
    assert.deepEqual(loaded.config, resolveConfigPaths(defaultConfig(), dir));
  });
});

Deno.test("config embedded - the pre-parsed default is the YAML's value, a fresh copy per call", () => {
  const doc = parseYaml(DEFAULT_YAML, "embedded default config");
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(embeddedConfigValue(), doc.value);
  const a = embeddedConfigValue() as { server: { port: number } };
  a.server.port = 1;
  assert.equal((embeddedConfigValue() as { server: { port: number } }).server.port, 8002);
});

Deno.test("config embedded - every key's line is the one the YAML parser reports", () => {
  const doc = parseYaml(DEFAULT_YAML, "embedded default config");
  const paths = Object.keys(EMBEDDED_CONFIG_LINES);
  assert.ok(paths.includes("server.port") && paths.includes("camera.device_range[1]"));
  for (const path of paths) {
    assert.equal(`embedded default config line ${EMBEDDED_CONFIG_LINES[path]}`, doc.originOf(path));
  }
});

Deno.test("config embedded - a problem in an overridden default names its line, as a file would", async () => {
  const doc = parseYaml(DEFAULT_YAML, "embedded default config");
  const e = await loadError(loadConfig({
    env: {},
    overrides: { server: { port: 70000 }, camera: { device_range: [0, -1] } } as never,
  }));
  assert.equal(e.source, EMBEDDED_SOURCE);
  const port = e.problems.find((p) => p.path === "server.port");
  assert.ok(port, JSON.stringify(e.problems));
  assert.equal(port.origin, doc.originOf("server.port"));
  assert.match(port.origin ?? "", /^embedded default config line \d+$/);
  const range = e.problems.find((p) => p.path === "camera.device_range");
  assert.equal(range?.origin, doc.originOf("camera.device_range"));
  const env = await loadError(loadConfig({ env: { CAMERA_SERVICE_SERVER_PORT: "70000" } }));
  assert.equal(env.problems[0].origin, "env CAMERA_SERVICE_SERVER_PORT");
});

Deno.test("config defaults - derived paths come from data_dir, relative to the cwd", async () => {
  await withTempDir(async (dir) => {
    const { config } = await loadConfig({ env: {}, cwd: dir });
    assert.equal(config.data_dir, join(dir, "data"));
    assert.equal(config.recording.directory, join(dir, "data", "recordings"));
    assert.equal(config.snapshots.directory, join(dir, "data", "snapshots"));
    assert.equal(config.security.api_keys_file, join(dir, "data", "api-keys.json"));
    assert.equal(config.security.ssl.cert_file, "", "empty cert_file = generate one");
    assert.equal(config.server.port, 8002);
    assert.equal(config.health.port, 8003);
    assert.equal(config.security.ssl.verify_mode, "CERT_NONE");
  });
});

Deno.test("config defaults - defaultConfig() returns a fresh copy each time", () => {
  const a = defaultConfig();
  a.server.trusted_proxies.push("10.0.0.1");
  a.camera.device_range[1] = 99;
  assert.deepEqual(defaultConfig().server.trusted_proxies, []);
  assert.deepEqual(defaultConfig().camera.device_range, [0, 9]);
});

Deno.test("config docs - the default YAML documents the env variable of every key", () => {
  for (const [name, path] of envVarTable()) {
    if (name !== envVarName(path)) continue; // aliases and long SSL forms
    assert.ok(DEFAULT_YAML.includes(name), `${name} (${path}) missing from the YAML`);
  }
});

Deno.test("config file - values from --config override defaults; relative paths use its folder", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    const file = join(dir, "etc", "svc.yaml");
    await Deno.writeTextFile(
      file,
      [
        "data_dir: state",
        "server:",
        "  port: 0",
        "health:",
        "  port: 0",
        "security:",
        "  ssl:",
        "    cert_file: tls/server.pem",
        "    key_file: /abs/server.key",
        "recording:",
        "  directory: ../rec",
        "",
      ].join("\n"),
    );
    const { config, source } = await loadConfig({ file, env: {}, cwd: "/" });
    assert.equal(source, file);
    assert.equal(config.server.port, 0, "port 0 = pick a free port");
    assert.equal(config.health.port, 0);
    assert.equal(config.data_dir, join(dir, "etc", "state"));
    assert.equal(config.security.ssl.cert_file, join(dir, "etc", "tls", "server.pem"));
    assert.equal(config.security.ssl.key_file, "/abs/server.key");
    assert.equal(config.recording.directory, join(dir, "rec"));
    assert.equal(config.snapshots.directory, join(dir, "etc", "state", "snapshots"));
    assert.equal(config.server.websocket_path, "/ws", "unlisted keys keep defaults");
  });
});

Deno.test("config file - a relative --config path resolves against cwd", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "c.yaml"), "logging:\n  level: debug\n");
    const { config, source } = await loadConfig({ file: "c.yaml", env: {}, cwd: dir });
    assert.equal(source, join(dir, "c.yaml"));
    assert.equal(config.logging.level, "debug");
  });
});

Deno.test("config file - CAMERA_SERVICE_CONFIG names the file when --config is absent", async () => {
  await withTempDir(async (dir) => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    await Deno.writeTextFile(a, "server:\n  port: 9001\n");
    await Deno.writeTextFile(b, "server:\n  port: 9002\n");
    const viaEnv = await loadConfig({ env: { CAMERA_SERVICE_CONFIG: a }, cwd: dir });
    assert.equal(viaEnv.source, a);
    assert.equal(viaEnv.config.server.port, 9001);
    assert.ok(viaEnv.notes.some((n) => n.includes("CAMERA_SERVICE_CONFIG")));
    const flagWins = await loadConfig({ file: b, env: { CAMERA_SERVICE_CONFIG: a }, cwd: dir });
    assert.equal(flagWins.config.server.port, 9002);
  });
});

Deno.test("config file - an empty or comment-only file means all defaults", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "empty.yaml");
    await Deno.writeTextFile(file, "# nothing here\n");
    const { config } = await loadConfig({ file, env: {} });
    assert.deepEqual(config, resolveConfigPaths(defaultConfig(), dir));
  });
});

Deno.test("config file - null values (key with nothing after it) keep the default", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(file, "server:\n  port:\n  host: 127.0.0.1\nhealth:\n");
    const { config } = await loadConfig({ file, env: {} });
    assert.equal(config.server.port, 8002);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.health.port, 8003);
  });
});

Deno.test("config file - a missing file is an error naming the file and the flag/env", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "nope.yaml");
    const e1 = await loadError(loadConfig({ file: missing, env: {} }));
    assert.match(e1.message, /nope\.yaml \(from --config\): not found/);
    const e2 = await loadError(loadConfig({ env: { CAMERA_SERVICE_CONFIG: missing } }));
    assert.match(e2.message, /nope\.yaml \(from CAMERA_SERVICE_CONFIG\): not found/);
    const e3 = await loadError(loadConfig({ file: dir, env: {} }));
    assert.match(e3.message, /is a directory/);
  });
});

Deno.test("config file - YAML syntax errors name the file and line", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "broken.yaml");
    await Deno.writeTextFile(
      file,
      "server:\n  port: 8002\n  host: [unclosed\nhealth:\n  port: 1\n",
    );
    const e = await loadError(loadConfig({ file, env: {} }));
    assert.ok(e.problems.length >= 1);
    assert.match(e.problems[0].message, new RegExp(`^${file}:\\d+:\\d+: YAML syntax error`));
    const dup = join(dir, "dup.yaml");
    await Deno.writeTextFile(dup, "server:\n  port: 1\n  port: 2\n");
    const e2 = await loadError(loadConfig({ file: dup, env: {} }));
    assert.match(e2.problems[0].message, new RegExp(`^${dup}:3:\\d+: YAML syntax error: .*unique`));
  });
});

Deno.test("config file - validation problems carry the file line", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(file, "# comment\nserver:\n  host: x\n  port: 70000\n");
    const e = await loadError(loadConfig({ file, env: {} }));
    assert.deepEqual(e.lines(), [
      `server.port: 70000 is not a valid port (0-65535; 0 = pick a free port) (${file} line 4)`,
    ]);
  });
});

Deno.test("config file - a top-level list is refused", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(file, "- a\n- b\n");
    const e = await loadError(loadConfig({ file, env: {} }));
    assert.match(e.message, /must be a mapping of sections, got a list/);
  });
});

for (const name of ["development", "production", "mtls"]) {
  Deno.test(`config examples - ${name}.yaml loads (cert files need not exist)`, async () => {
    const file = join(root, "config/examples", `${name}.yaml`);
    const { config, source } = await loadConfig({ file, env: {} });
    assert.equal(source, file);
    if (name === "development") {
      assert.equal(config.logging.format, "text");
      assert.equal(config.logging.level, "debug");
      assert.equal(config.security.ssl.cert_file, "");
      assert.equal(config.data_dir, join(root, "data"));
    } else {
      assert.equal(config.security.ssl.cert_file, "/etc/camera-service/tls/server.crt");
      assert.equal(config.security.ssl.key_file, "/etc/camera-service/tls/server.key");
    }
    if (name === "production") {
      assert.deepEqual(config.server.trusted_proxies, ["10.0.0.0/8", "192.168.10.5"]);
      assert.equal(config.server.public_host, "camera-box-01.example.com");
    }
    if (name === "mtls") {
      assert.equal(config.security.ssl.verify_mode, "CERT_REQUIRED");
      assert.equal(config.security.ssl.ca_file, "/etc/camera-service/tls/client-ca.crt");
    }
  });
}

Deno.test("config overrides - programmatic overrides win over file and env", async () => {
  await withTempDir(async (dir) => {
    const { config } = await loadConfig({
      env: { CAMERA_SERVICE_SERVER_PORT: "9000" },
      cwd: dir,
      overrides: { server: { port: 0 }, data_dir: join(dir, "d") },
    });
    assert.equal(config.server.port, 0);
    assert.equal(config.data_dir, join(dir, "d"));
    assert.equal(config.recording.directory, join(dir, "d", "recordings"));
  });
});

Deno.test("config resolveConfig - builds a validated config from an object", () => {
  const c = resolveConfig({ data_dir: "/tmp/x", server: { port: 0 } }, "/");
  assert.equal(c.server.port, 0);
  assert.equal(c.snapshots.directory, "/tmp/x/snapshots");
  assert.throws(
    () => resolveConfig({ server: { port: -1 } }),
    (e: unknown) =>
      e instanceof ConfigError && /server\.port: -1 is not a valid port/.test(e.message),
  );
});

Deno.test("config rules - every rule names a key that exists in defaultConfig()", async () => {
  const { RULES } = await import("../src/config/rules.ts");
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  for (const path of Object.keys(RULES)) {
    const value = path.split(".").reduce<unknown>(
      (node, k) => (node as Record<string, unknown> | undefined)?.[k],
      defaults,
    );
    assert.notEqual(value, undefined, `rule for ${path} has no default`);
  }
});

Deno.test("config env - every scalar key has its own, distinct variable name", () => {
  const names = new Map<string, string>();
  const visit = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === "object" && !Array.isArray(v)) {
        visit(v as Record<string, unknown>, path);
      } else if (path !== "camera.sources") {
        const name = envVarName(path);
        assert.equal(names.get(name), undefined, `${name} used by ${names.get(name)} and ${path}`);
        names.set(name, path);
        assert.equal(envVarTable().get(name), path);
      }
    }
  };
  visit(defaultConfig() as unknown as Record<string, unknown>, "");
  assert.ok(names.size > 80, `only ${names.size} keys`);
});
