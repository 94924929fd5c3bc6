/**
 * Provisioning scripts (scripts/*.sh) in a temporary --root, never on the real system:
 * shellcheck, install.sh (files, permissions, sandboxed units, idempotence, dry run),
 * ssl-setup.sh (self-signed, private CA, Let's Encrypt + deploy hook) and provision.sh (the
 * admin key printed once, nothing rotated on a second run). Certificates are checked with openssl.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type ProcessOutput, ROOT, runCaptured, serveProvisioned } from "./compile_support.ts";
import { createCA, issueCertificate } from "../src/tls/generate.ts";
import { argv } from "./support/cli.ts";
import { withTempDir } from "./support/temp.ts";

const SCRIPTS = join(ROOT, "scripts");
const DENO_BIN = join(ROOT, "node_modules", ".bin");

function have(cmd: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Runs a script with a minimal environment (PATH gets the repo's deno for --dev). */
function script(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcessOutput> {
  return runCaptured("bash", {
    args: [join(SCRIPTS, name), ...args],
    env: {
      PATH: `${DENO_BIN}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...env,
    },
    clearEnv: true,
  });
}

function ok(r: ProcessOutput): string {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function mode(path: string): Promise<string> {
  return ((await Deno.stat(path)).mode! & 0o7777).toString(8);
}

function openssl(args: string[]): Promise<ProcessOutput> {
  return runCaptured("openssl", { args });
}

/** `openssl verify` of `cert` against `caFile`, for `purpose` (sslserver, sslclient) if given. */
function verify(caFile: string, cert: string, purpose?: string): Promise<ProcessOutput> {
  return openssl(["verify", "-CAfile", caFile, ...(purpose ? ["-purpose", purpose] : []), cert]);
}

/** A stand-in executable for install.sh (it only copies the file). */
async function fakeBinary(dir: string): Promise<string> {
  const file = join(dir, "camera-service-build");
  await Deno.writeTextFile(file, "#!/bin/sh\necho camera-service test build\n");
  await Deno.chmod(file, 0o755);
  return file;
}

const changes = (out: string) => Number(/(\d+) change\(s\)/.exec(out)?.[1] ?? NaN);

Deno.test({
  name: "scripts - shellcheck finds nothing",
  ignore: !have("shellcheck"),
  fn: async () => {
    const files = [...Deno.readDirSync(SCRIPTS)].filter((e) => e.name.endsWith(".sh"))
      .map((e) => join(SCRIPTS, e.name));
    files.push(join(SCRIPTS, "systemd", "certbot-deploy-hook.sh"));
    const out = await new Deno.Command("shellcheck", {
      args: ["-x", ...files],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stdout));
  },
});
if (!have("shellcheck")) {
  console.warn("\n*** SKIPPING shellcheck: shellcheck is not installed ***\n");
}

Deno.test("install.sh - folders, permissions, executable, config and sandboxed units", async () => {
  await withTempDir(async (root) => {
    const bin = await fakeBinary(root);
    const out = ok(
      await script("install.sh", ["--root", root, "--binary", bin, "--with-mediamtx"]),
    );
    assert.match(out, /skip user: create system user camera-service/);
    assert.match(out, /skip systemctl/);
    const p = (x: string) => join(root, x);
    assert.equal(await mode(p("etc/camera-service")), "750");
    assert.equal(await mode(p("etc/camera-service/tls")), "700");
    assert.equal(await mode(p("var/lib/camera-service")), "750");
    assert.equal(await mode(p("var/lib/camera-service/recordings")), "750");
    assert.equal(await mode(p("var/lib/camera-service/snapshots")), "750");
    assert.equal(await mode(p("usr/local/bin/camera-service")), "755");
    assert.equal(await mode(p("etc/camera-service/camera-service.yaml")), "640");
    assert.equal(
      await Deno.readTextFile(p("usr/local/bin/camera-service")),
      await Deno.readTextFile(bin),
    );
    const config = await Deno.readTextFile(p("etc/camera-service/camera-service.yaml"));
    assert.match(config, /^data_dir: \/var\/lib\/camera-service$/m);
    assert.match(config, /cert_file: \/etc\/camera-service\/tls\/server\.crt/);
    const unit = await Deno.readTextFile(p("etc/systemd/system/camera-service.service"));
    for (
      const line of [
        "ExecStart=/usr/local/bin/camera-service serve --config /etc/camera-service/camera-service.yaml",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "User=camera-service",
        "SupplementaryGroups=video",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=no",
        "ReadWritePaths=/var/lib/camera-service",
        "CapabilityBoundingSet=",
        "AmbientCapabilities=",
        "LimitNOFILE=65536",
      ]
    ) assert.ok(unit.split("\n").includes(line), `unit has ${line}`);
    const mtx = await Deno.readTextFile(p("etc/systemd/system/mediamtx.service"));
    assert.ok(mtx.includes("ExecStart=/usr/local/bin/mediamtx /etc/mediamtx/mediamtx.yml"));
  });
});

if (!have("systemd-analyze")) {
  console.warn("\n*** SKIPPING systemd-analyze verify: systemd-analyze is not installed ***\n");
}
Deno.test({
  name: "install.sh - the units pass systemd-analyze verify",
  ignore: !have("systemd-analyze"),
  fn: async () => {
    await withTempDir(async (root) => {
      // verify insists that ExecStart exists: point it at /bin/true in a copy.
      const files = [];
      for (const u of ["camera-service.service", "mediamtx.service"]) {
        const text = await Deno.readTextFile(join(SCRIPTS, "systemd", u));
        const file = join(root, u);
        await Deno.writeTextFile(file, text.replace(/\/usr\/local\/bin\/[a-z-]+/g, "/bin/true"));
        files.push(file);
      }
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", ...files],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assert.ok(out.success, text);
      assert.doesNotMatch(text, /Unknown|ignoring|Failed|Invalid/i);
    });
  },
});

Deno.test("install.sh - a second run changes nothing and keeps an edited config", async () => {
  await withTempDir(async (root) => {
    const bin = await fakeBinary(root);
    assert.ok(changes(ok(await script("install.sh", ["--root", root, "--binary", bin]))) > 0);
    const cfg = join(root, "etc/camera-service/camera-service.yaml");
    await Deno.writeTextFile(cfg, "# edited by the operator\ndata_dir: /srv/cams\n");
    const again = ok(await script("install.sh", ["--root", root, "--binary", bin]));
    assert.equal(changes(again), 0, again);
    assert.match(
      again,
      /keep \/etc\/camera-service\/camera-service\.yaml \(exists; not overwritten\)/,
    );
    assert.equal(await Deno.readTextFile(cfg), "# edited by the operator\ndata_dir: /srv/cams\n");
    // A new build is installed, and only that changes.
    await Deno.writeTextFile(bin, "#!/bin/sh\necho new build\n");
    const upd = ok(await script("install.sh", ["--root", root, "--binary", bin]));
    assert.equal(changes(upd), 1, upd);
    assert.match(upd, /^update \/usr\/local\/bin\/camera-service$/m);
  });
});

Deno.test("install.sh - --dry-run writes nothing; a missing binary is a clear error", async () => {
  await withTempDir(async (root) => {
    const bin = await fakeBinary(root);
    const out = ok(await script("install.sh", ["--root", root, "--binary", bin, "--dry-run"]));
    assert.match(out, /would create \/etc\/camera-service\/ \(0750\)/);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["camera-service-build"]);
    const r = await script("install.sh", ["--root", root, "--binary", join(root, "nope")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope not found: build it with 'deno task compile'/);
  });
});

Deno.test("ssl-setup.sh - Let's Encrypt files are installed and the deploy hook renews them", async () => {
  await withTempDir(async (root) => {
    const ca = await createCA({ commonName: "Test LE CA" });
    const issue = () =>
      issueCertificate({
        ca,
        kind: "server",
        commonName: "cam.example",
        dnsNames: ["cam.example"],
      });
    const live = join(root, "etc/letsencrypt/live/cam.example");
    await Deno.mkdir(live, { recursive: true });
    const first = await issue();
    await Deno.writeTextFile(join(live, "fullchain.pem"), first.chainPem!);
    await Deno.writeTextFile(join(live, "privkey.pem"), first.keyPem);

    const missing = await script("ssl-setup.sh", [
      "--root",
      root,
      ...argv("--letsencrypt --domain other.example"),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /certbot certonly --standalone -d other\.example/);

    ok(await script("ssl-setup.sh", ["--root", root, "--letsencrypt", "--domain", "cam.example"]));
    const tls = join(root, "etc/camera-service/tls");
    assert.equal(await Deno.readTextFile(join(tls, "server.crt")), first.chainPem);
    assert.equal(await mode(join(tls, "server.key")), "600");
    const hook = join(root, "etc/letsencrypt/renewal-hooks/deploy/camera-service");
    assert.equal(await mode(hook), "755");
    const again = ok(
      await script("ssl-setup.sh", ["--root", root, "--letsencrypt", "--domain", "cam.example"]),
    );
    assert.equal(changes(again), 0, again);

    // certbot renews: new files in live/, then runs the hook with RENEWED_LINEAGE.
    const renewed = await issue();
    await Deno.writeTextFile(join(live, "fullchain.pem"), renewed.chainPem!);
    await Deno.writeTextFile(join(live, "privkey.pem"), renewed.keyPem);
    const runHook = (lineage: string) =>
      new Deno.Command("sh", {
        args: [hook],
        env: { CAMERA_SERVICE_HOOK_ROOT: root, RENEWED_LINEAGE: lineage, PATH: "/usr/bin:/bin" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const otherLineage = await runHook(join(root, "etc/letsencrypt/live/other.example"));
    assert.ok(otherLineage.success);
    assert.equal(await Deno.readTextFile(join(tls, "server.crt")), first.chainPem, "untouched");
    const h = await runHook(live);
    assert.ok(h.success, new TextDecoder().decode(h.stderr));
    assert.equal(await Deno.readTextFile(join(tls, "server.crt")), renewed.chainPem);
    assert.equal(await Deno.readTextFile(join(tls, "server.key")), renewed.keyPem);
    assert.equal(await mode(join(tls, "server.key")), "600");
  });
});

Deno.test({
  name: "ssl-setup.sh - self-signed certificate that openssl accepts; kept on a second run",
  fn: async () => {
    await withTempDir(async (root) => {
      const args = [
        "--root",
        root,
        ...argv("--dev --self-signed --host cam.example --host 10.1.2.3"),
      ];
      ok(await script("ssl-setup.sh", args));
      const tls = join(root, "etc/camera-service/tls");
      const crt = join(tls, "server.crt");
      assert.equal(await mode(tls), "700");
      assert.equal(await mode(join(tls, "server.key")), "600");
      const v = await verify(crt, crt);
      assert.equal(v.code, 0, v.stderr + v.stdout);
      const x = await openssl([
        "x509",
        "-in",
        crt,
        ...argv("-noout -checkend 86400 -ext subjectAltName"),
      ]);
      assert.equal(x.code, 0, x.stderr);
      assert.match(x.stdout, /DNS:cam\.example/);
      assert.match(x.stdout, /IP Address:10\.1\.2\.3/);
      const before = await Deno.readTextFile(crt);
      const again = ok(await script("ssl-setup.sh", args));
      assert.equal(changes(again), 0, again);
      assert.equal(await Deno.readTextFile(crt), before);
      ok(await script("ssl-setup.sh", [...args, "--force"]));
      assert.notEqual(await Deno.readTextFile(crt), before, "--force replaces it");
    });
  },
});

Deno.test({
  name: "ssl-setup.sh - private CA, server and client certificates verify against the CA",
  fn: async () => {
    await withTempDir(async (root) => {
      const args = [
        "--root",
        root,
        ...argv("--dev --private-ca --host cam.example --clients ui,sdk"),
      ];
      // A box that had a self-signed certificate: switching to the CA replaces it (without
      // --force), because a certificate the CA did not issue would fail every client.
      ok(await script("ssl-setup.sh", ["--root", root, "--dev", "--self-signed"]));
      const switched = ok(await script("ssl-setup.sh", args));
      assert.match(
        switched,
        /was not issued by \/etc\/camera-service\/ca\/ca\.crt: issuing a new one/,
      );
      const etc = join(root, "etc/camera-service");
      const ca = join(etc, "ca/ca.crt");
      assert.equal(await mode(join(etc, "ca")), "700");
      assert.equal(await mode(join(etc, "ca/ca.key")), "600");
      assert.equal(await Deno.readTextFile(join(etc, "tls/ca.crt")), await Deno.readTextFile(ca));
      const server = await verify(ca, join(etc, "tls/server.crt"), "sslserver");
      assert.equal(server.code, 0, server.stderr + server.stdout);
      for (const name of ["ui", "sdk"]) {
        const c = await verify(ca, join(etc, `clients/${name}.crt`), "sslclient");
        assert.equal(c.code, 0, c.stderr + c.stdout);
        assert.equal(await mode(join(etc, `clients/${name}.key`)), "600");
      }
      const caBefore = await Deno.readTextFile(join(etc, "ca/ca.key"));
      const same = ok(await script("ssl-setup.sh", args));
      assert.match(same, /keep \/etc\/camera-service\/tls\/server\.crt \(issued by this CA/);
      assert.equal(changes(same), 0, same);
      const again = ok(await script("ssl-setup.sh", [...args, "--force"]));
      assert.match(again, /keep \/etc\/camera-service\/ca\/ca\.crt/);
      assert.equal(
        await Deno.readTextFile(join(etc, "ca/ca.key")),
        caBefore,
        "the CA is never replaced",
      );
      const reissued = await verify(ca, join(etc, "tls/server.crt"));
      assert.equal(reissued.code, 0, reissued.stderr);
    });
  },
});

Deno.test({
  name: "provision.sh - prints the admin key once; a second run rotates nothing",
  fn: async () => {
    await withTempDir(async (root) => {
      const args = ["--root", root, "--dev", "--host", "cam.example", "--host", "localhost"];
      const first = ok(await script("provision.sh", args));
      const key = /==== admin API key 'admin' \(shown ONCE; store it now\) ====\n(.+)\n/.exec(first)
        ?.[1];
      assert.ok(key && key.length >= 20, first);
      const data = join(root, "var/lib/camera-service");
      const etc = join(root, "etc/camera-service");
      assert.equal(await mode(join(data, "jwt-secret")), "600");
      const keysFile = await Deno.readTextFile(join(data, "api-keys.json"));
      assert.ok(!keysFile.includes(key), "only a hash of the key is stored");
      const v = await verify(join(etc, "tls/ca.crt"), join(etc, "tls/server.crt"));
      assert.equal(v.code, 0, v.stderr);
      const config = await Deno.readTextFile(join(etc, "camera-service.yaml"));
      assert.match(config, /cert_file: \/etc\/camera-service\/tls\/server\.crt/);

      const snapshot = async () =>
        await Promise.all([
          Deno.readTextFile(join(data, "jwt-secret")),
          Deno.readTextFile(join(etc, "tls/server.crt")),
          Deno.readTextFile(join(etc, "ca/ca.key")),
          Deno.readTextFile(join(data, "api-keys.json")),
        ]);
      const before = await snapshot();
      const second = ok(await script("provision.sh", args));
      assert.ok(!second.includes(key), "the key is not printed again");
      assert.doesNotMatch(second, /shown ONCE/);
      assert.match(second, /keep admin API key 'admin'/);
      assert.match(second, /0 change\(s\) here/);
      assert.deepEqual(await snapshot(), before);

      // The provisioned box serves: its config, certificate (trusted through ca.crt), secret and
      // admin key work together. Paths inside the temp root are redirected through the env.
      const dev = [
        Deno.execPath(),
        "run",
        "-A",
        "--config",
        join(ROOT, "deno.json"),
        join(ROOT, "mod.ts"),
      ];
      await serveProvisioned({ root, key, command: dev });
    });
  },
});
