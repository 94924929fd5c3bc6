/**
 * The same end-to-end path against both runtimes, as operators run them: `deno run mod.ts serve`
 * and the single executable (Node), each a real process configured through the environment.
 * WSS with a private CA, client certificates (CERT_OPTIONAL), auth and roles, a hotplugged camera
 * announced to a subscriber, envelope errors, health and metrics, and a graceful SIGTERM.
 */
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { signToken } from "../src/auth/jwt.ts";
import {
  buildImpossible,
  ensureBuilt,
  EXE,
  LOOPBACK_ANY_PORT_ENV,
  ROOT,
  spawnServe,
} from "./compile_support.ts";
import { makeTestPki } from "./support/certs.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { httpsGet } from "./support/service.ts";

const SECRET = "runtime-e2e-secret-0123456789abcdefghijklmnop";

async function scenario(runtime: "deno" | "exe"): Promise<void> {
  const pki = await makeTestPki();
  const dir = pki.dir;
  const devDir = join(dir, "dev");
  await Deno.mkdir(devDir);
  await writeFile(join(devDir, "video0"), "");
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: dir,
    CAMERA_SERVICE_DATA_DIR: join(dir, "data"),
    ...LOOPBACK_ANY_PORT_ENV,
    CAMERA_SERVICE_SSL_CERT_FILE: pki.serverCertFile,
    CAMERA_SERVICE_SSL_KEY_FILE: pki.serverKeyFile,
    CAMERA_SERVICE_SSL_VERIFY_MODE: "CERT_OPTIONAL",
    CAMERA_SERVICE_SSL_CA_FILE: pki.caFile,
    CAMERA_SERVICE_JWT_SECRET: SECRET,
    CAMERA_SERVICE_CAMERA_DEVICE_DIR: devDir,
    CAMERA_SERVICE_CAMERA_SYSFS_DIR: join(dir, "sys"),
    CAMERA_SERVICE_CAMERA_V4L2CTL_PATH: join(dir, "no-v4l2-ctl"),
    CAMERA_SERVICE_MEDIAMTX_API_PORT: "9",
  };
  const cmd = runtime === "deno"
    ? [Deno.execPath(), "run", "--allow-all", join(ROOT, "mod.ts"), "serve"]
    : [EXE, "serve"];
  const serve = spawnServe(cmd, { cwd: dir, env });
  const { child, out, err } = serve;
  let helpers: number[] = [];
  try {
    const listening = await serve.listening(30_000);
    const ca = pki.ca.certPem;
    const url = `wss://127.0.0.1:${listening.ws_port}/ws`;
    const c = await RpcClient.connect(url, {
      ca,
      cert: await Deno.readTextFile(pki.clientCertFile),
      key: await Deno.readTextFile(pki.clientKeyFile),
    });
    assert.equal((await c.call("ping")).result, "pong");
    assert.equal((await c.call("get_server_info")).error?.code, -32001);
    const viewer = await signToken({
      secret: SECRET,
      user_id: "ops",
      role: "viewer",
      ttlSeconds: 600,
    });
    const auth = await c.call("authenticate", { auth_token: viewer });
    assert.equal((auth.result as Record<string, unknown>).role, "viewer");
    const info = (await c.call("get_server_info")).result as Record<string, unknown>;
    assert.equal(info.name, "camera-service");
    assert.equal((await c.call("get_status")).error?.code, -32002);
    const bad = await c.raw('{"jsonrpc":"2.0","method":"ping","id":', null);
    assert.equal(bad.error?.code, -32700);

    const list = (await c.call("get_camera_list")).result as { cameras: { device: string }[] };
    assert.deepEqual(list.cameras.map((x) => x.device), ["camera0"]);
    await writeFile(join(devDir, "video1"), "");
    const hot = await c.waitFor((n) =>
      n.method === "camera_status_update" && n.params.device === "camera1" &&
      n.params.status === "CONNECTED"
    );
    assert.equal(hot.params.device, "camera1");

    // A client certificate from another CA is refused; none at all is fine (CERT_OPTIONAL).
    await assert.rejects(
      RpcClient.connect(url, { ca, cert: pki.rogueClient.certPem, key: pki.rogueClient.keyPem }),
    );
    const anon = await RpcClient.connect(url, { ca });
    assert.equal((await anon.call("ping")).result, "pong");
    await anon.close();

    const health = `https://127.0.0.1:${listening.health_port}`;
    const ready = await httpsGet(`${health}/health/ready`, ca);
    assert.equal(ready.status, 200, ready.body);
    assert.ok(JSON.parse(ready.body).checks.tls.days_left > 300);
    const metrics = await httpsGet(`${health}/metrics`, ca);
    assert.match(
      metrics.body,
      /camera_service_rpc_requests_total\{method="authenticate",code="ok"\} 1/,
    );
    assert.match(metrics.body, /camera_service_cameras\{status="CONNECTED"\} 2/);
    await c.close();
    // Both start their tools (the hotplug probe above) through the spawn helper, a child of
    // the service, gone after the service's exit (checked below).
    helpers = await childrenNamed(child.pid, "camera-service spawn helper");
    assert.equal(helpers.length, 1, `${runtime}: one spawn helper`);
    const logged = out.lines.join("\n") + err.lines.join("\n");
    assert.ok(!logged.includes(viewer), "the token is never logged");
    assert.match(logged, /"client_cert":"[^"]*CN=/, "the client certificate subject is logged");
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await Promise.all([out.done, err.done]);
    await pki.cleanup();
    assert.equal(status.code, 0, `${runtime}: SIGTERM is a clean exit`);
    for (const pid of helpers) {
      assert.equal(await readFile(`/proc/${pid}/stat`).catch(() => null), null, "helper gone");
    }
  }
}

/** Pids of the processes whose parent is `ppid` and whose command line starts with `name`. */
async function childrenNamed(ppid: number, name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent !== ppid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.startsWith(name)) pids.push(Number(entry));
  }
  return pids;
}

Deno.test("e2e runtimes - deno run: WSS, mTLS, auth, hotplug event, health, metrics, SIGTERM", () =>
  scenario("deno"));

const impossible = buildImpossible();
if (impossible) console.warn(`SKIPPED e2e against the single executable: ${impossible}`);
Deno.test({
  name: "e2e runtimes - single executable: the same path",
  ignore: impossible !== null,
  fn: async () => {
    await ensureBuilt();
    await scenario("exe");
  },
});
