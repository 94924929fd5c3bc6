/**
 * The single executable (compile/build.ts → dist/camera-service), run from a temp folder with
 * no node, no deno and no node_modules: the CLI (--version, --help, config check, cert, token)
 * and the WSS smoke path (ping, authenticate, get_server_info, SIGTERM → exit 0).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildImpossible,
  type BuildInfoFile,
  ensureBuilt,
  EXE,
  jsonLine,
  LOOPBACK_ANY_PORT_ENV,
  ROOT,
  runCaptured,
  runExe,
  type Sandbox,
  sandbox,
  serveProvisioned,
  spawnServe,
} from "./compile_support.ts";
import { argv } from "./support/cli.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { bundle } from "../compile/bundle.ts";
import https from "node:https";

/** GET over HTTPS trusting `ca`; the status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

const impossible = buildImpossible();
if (impossible) {
  console.warn(`\n*** SKIPPING the single-executable tests: ${impossible} ***\n`);
}
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: impossible !== null, fn });

/** A test on a fresh sandbox around the built executable; the sandbox is removed afterwards. */
const boxTest = (name: string, fn: (box: Sandbox, info: BuildInfoFile) => Promise<void>) =>
  test(name, async () => {
    const info = await ensureBuilt();
    const box = await sandbox();
    try {
      await fn(box, info);
    } finally {
      await box.cleanup();
    }
  });

boxTest(
  "executable - --version prints the version, commit and date of the build",
  async (box, info) => {
    const t0 = performance.now();
    const r = await runExe(box, ["--version"]);
    console.log(`--version took ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^camera-service ${info.stamp.version.replace(/\./g, "\\.")} `),
    );
    assert.ok(r.stdout.includes(`commit ${info.stamp.commit}`), r.stdout);
    assert.ok(r.stdout.includes(info.stamp.date), r.stdout);
    assert.ok(r.stdout.includes("node-sea"), r.stdout);
    assert.equal(r.stderr, "", "no warnings at start");
  },
);

boxTest("executable - --help lists the commands", async (box) => {
  const r = await runExe(box, ["--help"]);
  assert.equal(r.code, 0, r.stderr);
  for (const word of ["serve", "config check", "token create", "apikey", "cert", "rpc"]) {
    assert.ok(r.stdout.includes(word), `--help mentions ${word}`);
  }
});

boxTest(
  "executable - config check accepts the embedded default and rejects a bad file",
  async (box) => {
    const ok = await runExe(box, ["config", "check"]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.ok(ok.stdout.includes(box.dataDir), "resolved data_dir from the environment is shown");
    const bad = join(box.dir, "bad.yaml");
    await Deno.writeTextFile(bad, "server:\n  prot: 8002\n");
    const r = await runExe(box, ["config", "check", "--config", bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /prot/);
  },
);

boxTest("executable - cert self-signed writes a certificate openssl accepts", async (box) => {
  const out = join(box.dir, "certs");
  const r = await runExe(box, ["cert", "self-signed", "--out", out, "--host", "cam.example"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  const crt = files.find((f) => f.endsWith(".crt"));
  const key = files.find((f) => f.endsWith(".key"));
  assert.ok(crt && key, `certificate and key written: ${files.join(", ")}`);
  assert.equal((await Deno.stat(join(out, key))).mode! & 0o777, 0o600);
  const x = await runCaptured("openssl", {
    args: ["x509", "-in", join(out, crt), ...argv("-noout -checkend 86400 -ext subjectAltName")],
  });
  assert.equal(x.code, 0, x.stderr);
  assert.match(x.stdout, /DNS:cam\.example/);
});

boxTest("executable - token create prints a viewer JWT", async (box) => {
  const r = await runExe(box, ["token", "create", "--role", "viewer"]);
  assert.equal(r.code, 0, r.stderr);
  const token = r.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  assert.equal(payload.role, "viewer");
});

test("executable - serve answers over WSS with the generated CA and exits 0 on SIGTERM", async () => {
  const info = await ensureBuilt();
  const box = await sandbox();
  const env = { ...box.env, ...LOOPBACK_ANY_PORT_ENV, CAMERA_SERVICE_LOG_FORMAT: "json" };
  const t0 = performance.now();
  const serve = spawnServe([box.exe, "serve"], { cwd: box.cwd, env });
  const { child, out, err } = serve;
  let client: RpcClient | null = null;
  let exited = false;
  try {
    const listening = await serve.listening(20_000);
    const port = listening.ws_port as number;
    assert.ok(port > 0, "a real port was chosen");
    const devCert = jsonLine(out.lines.find((l) => jsonLine(l)?.cert_file !== undefined)!)!;
    const ca = await Deno.readTextFile(devCert.cert_file as string);
    client = await RpcClient.connect(`wss://localhost:${port}/ws`, { ca });
    const pong = await client.call("ping");
    const firstAnswerMs = performance.now() - t0;
    assert.equal(pong.result, "pong");
    console.log(`serve: first answer ${firstAnswerMs.toFixed(0)} ms after spawn`);

    const health = await httpsGet(`https://localhost:${listening.health_port}/health/live`, ca);
    assert.equal(health.status, 200, health.body);
    // No perl on this PATH: no spawn helper, and the log says what that costs.
    assert.ok(
      [...out.lines, ...err.lines].some((l) => l.includes("perl not found on PATH")),
      "the missing spawn helper is logged",
    );

    const token = await runExe(box, ["token", "create", "--role", "viewer"]);
    assert.equal(token.code, 0, token.stderr);
    const auth = await client.call("authenticate", { auth_token: token.stdout.trim() });
    assert.equal((auth.result as { authenticated: boolean }).authenticated, true);
    assert.equal((auth.result as { role: string }).role, "viewer");
    const si = await client.call("get_server_info");
    assert.equal(si.error, undefined, JSON.stringify(si.error));
    const result = si.result as { version: string; build_date: string };
    assert.equal(result.version, info.stamp.version);
    assert.equal(result.build_date, info.stamp.date);

    await client.close();
    client = null;
    child.kill("SIGTERM");
    const status = await child.status;
    exited = true;
    assert.equal(status.code, 0, err.lines.join("\n"));
  } finally {
    await client?.close();
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
    }
    await Promise.all([out.done, err.done]);
    await box.cleanup();
  }
});

test("executable - provision.sh installs it into a temp root, and the box serves", async () => {
  const info = await ensureBuilt();
  const root = await Deno.makeTempDir({ prefix: "cs-box-" });
  try {
    const out = await new Deno.Command("bash", {
      args: [
        join(ROOT, "scripts/provision.sh"),
        "--root",
        root,
        "--binary",
        EXE,
        "--host",
        "localhost",
      ],
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", HOME: root },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, text + new TextDecoder().decode(out.stderr));
    const key = /shown ONCE; store it now\) ====\n(.+)\n/.exec(text)?.[1];
    assert.ok(key, text);
    const installed = join(root, "usr/local/bin/camera-service");
    assert.equal((await Deno.stat(installed)).size, (await Deno.stat(EXE)).size);
    const result = await serveProvisioned({ root, key, command: [installed] });
    assert.equal(result.build_date, info.stamp.date, "the installed executable is this build");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Writes `files` into a temp folder and bundles `a.ts` from it; the error text or the output. */
async function bundleFixture(
  files: Record<string, string>,
): Promise<{ dir: string; out: string; error: string | null }> {
  const dir = await Deno.makeTempDir({ prefix: "cs-bundle-" });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  const out = join(dir, "out.cjs");
  const stamp = {
    version: "9.9.9",
    commit: "abc1234",
    date: "2026-01-01T00:00:00.000Z",
    runtime: "node-sea",
  };
  try {
    await bundle({ entry: join(dir, "a.ts"), outfile: out, stamp });
    return { dir, out, error: null };
  } catch (e) {
    return { dir, out, error: (e as Error).message };
  }
}

test("bundle - import.meta.url and the build stamp work in the CommonJS output", async () => {
  const b = await bundleFixture({
    "a.ts": `declare const __CAMERA_SERVICE_BUILD__: { commit: string };
import { fileURLToPath } from "node:url";
console.log(JSON.stringify({ file: fileURLToPath(import.meta.url), main: import.meta.main,
  commit: __CAMERA_SERVICE_BUILD__.commit }));\n`,
  });
  try {
    assert.equal(b.error, null);
    const run = await new Deno.Command("node", { args: [b.out], stdout: "piped" }).output();
    const printed = JSON.parse(new TextDecoder().decode(run.stdout));
    assert.deepEqual(printed, { file: b.out, main: true, commit: "abc1234" });
  } finally {
    await Deno.remove(b.dir, { recursive: true });
  }
});

test("bundle - top-level await and import.meta.main outside the entry are clear errors", async () => {
  const tla = await bundleFixture({ "a.ts": "await Promise.resolve();\nexport {};\n" });
  const main = await bundleFixture({
    "a.ts": `import { x } from "./b.ts";\nconsole.log(x);\n`,
    "b.ts": `export const x = 1;\nif (import.meta.main) console.log("main");\n`,
  });
  try {
    assert.match(tla.error ?? "", /Top-level await/);
    assert.match(tla.error ?? "", /hint: .*main\(args\)\.then/);
    assert.match(main.error ?? "", /b\.ts uses import\.meta\.main/);
  } finally {
    await Deno.remove(tla.dir, { recursive: true });
    await Deno.remove(main.dir, { recursive: true });
  }
});

test("bundle - the output is ASCII, without comments, and behaves the same", async () => {
  const b = await bundleFixture({
    "a.ts": `// Durations like 5µs → microseconds.
const re = /(\\d+)(ms|µs)/;
const id = /[µ😀]/u;
const escaped = /\\µ/; // an identity escape (Annex B)
console.log(JSON.stringify([re.exec("5µs")?.[2], id.test("😀"), escaped.test("µ"), "naïve"]));\n`,
  });
  try {
    assert.equal(b.error, null);
    const code = await Deno.readTextFile(b.out);
    assert.ok(
      !/[\u0080-\uffff]/.test(code),
      "one non-ASCII character makes V8 hold it twice as big",
    );
    assert.ok(!code.includes("microseconds"), "comments are dropped");
    const run = await new Deno.Command("node", { args: [b.out], stdout: "piped" }).output();
    assert.deepEqual(JSON.parse(new TextDecoder().decode(run.stdout)), ["µs", true, true, "naïve"]);
  } finally {
    await Deno.remove(b.dir, { recursive: true });
  }
});
