/**
 * `serve` as an operator runs it: every broken certificate case prints its own message and exits
 * non-zero without listening; an expired certificate still serves (and says so loudly).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueCertificate } from "../src/tls/generate.ts";
import { makeTestPki } from "./support/certs.ts";

const DENO = join(import.meta.dirname!, "..", "node_modules", ".bin", "deno");
const MOD = join(import.meta.dirname!, "..", "mod.ts");

/** Run `serve` with env; stop at the first "listening" line or when it exits. */
function serve(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; out: string; listening: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(DENO, ["run", "-A", MOD, "serve"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let listening = false;
    const onData = (d: Uint8Array) => {
      out += String(d);
      if (!listening && out.includes('"msg":"listening"')) {
        listening = true;
        // process.kill, not child.kill: Deno's child.kill() makes "close" report the signal
        // instead of the exit code the process chose.
        process.kill(child.pid!, "SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, listening });
    });
  });
}

Deno.test("serve - each broken certificate case exits 1 with its own message, without listening", async () => {
  const pki = await makeTestPki();
  try {
    const dir = pki.dir;
    const garbage = join(dir, "garbage.pem");
    await writeFile(garbage, "this is not PEM\n");
    const other = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "other",
      dnsNames: ["localhost"],
    });
    const otherKey = join(dir, "other.key");
    await writeFile(otherKey, other.keyPem);
    const future = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "future",
      dnsNames: ["localhost"],
      notBefore: new Date(Date.now() + 86400_000 * 10),
      notAfter: new Date(Date.now() + 86400_000 * 20),
    });
    const futureCert = join(dir, "future.crt");
    const futureKey = join(dir, "future.key");
    await writeFile(futureCert, future.certPem);
    await writeFile(futureKey, future.keyPem);
    const base = {
      CAMERA_SERVICE_DATA_DIR: join(dir, "data"),
      CAMERA_SERVICE_SERVER_PORT: "0",
      CAMERA_SERVICE_HEALTH_PORT: "0",
      CAMERA_SERVICE_SERVER_HOST: "127.0.0.1",
      CAMERA_SERVICE_HEALTH_HOST: "127.0.0.1",
    };
    const cases: [string, Record<string, string>, RegExp][] = [
      ["missing file", {
        CAMERA_SERVICE_SSL_CERT_FILE: join(dir, "nope.crt"),
        CAMERA_SERVICE_SSL_KEY_FILE: pki.serverKeyFile,
      }, /nope\.crt.*does not exist/],
      ["not PEM", {
        CAMERA_SERVICE_SSL_CERT_FILE: garbage,
        CAMERA_SERVICE_SSL_KEY_FILE: pki.serverKeyFile,
      }, /garbage\.pem.*(not PEM|no certificate|PEM)/i],
      ["no private key", { CAMERA_SERVICE_SSL_CERT_FILE: pki.serverCertFile }, /no private key/],
      ["key does not match", {
        CAMERA_SERVICE_SSL_CERT_FILE: pki.serverCertFile,
        CAMERA_SERVICE_SSL_KEY_FILE: otherKey,
      }, /does not match the certificate/],
      ["not yet valid", {
        CAMERA_SERVICE_SSL_CERT_FILE: futureCert,
        CAMERA_SERVICE_SSL_KEY_FILE: futureKey,
      }, /not valid until/],
      ["CA bundle as certificate", {
        SSL_ENABLED: "true",
        SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
        SSL_KEY_FILE: pki.serverKeyFile,
      }, /CA bundle/],
      ["bad verify_mode", { CAMERA_SERVICE_SSL_VERIFY_MODE: "CERT_MAYBE" }, /verify_mode/],
      [
        "CERT_REQUIRED without ca_file",
        { CAMERA_SERVICE_SSL_VERIFY_MODE: "CERT_REQUIRED" },
        /ca_file/,
      ],
    ];
    const messages = new Set<string>();
    for (const [name, env, expected] of cases) {
      if (
        name === "CA bundle as certificate" &&
        !(await Deno.stat(env.SSL_CERT_FILE).catch(() => null))
      ) continue;
      const r = await serve({ ...base, ...env });
      assert.equal(r.listening, false, `${name}: must not listen\n${r.out}`);
      assert.equal(r.code, 1, `${name}: exit code\n${r.out}`);
      const at = r.out.indexOf("error:");
      assert.ok(at >= 0, `${name}: an error line\n${r.out}`);
      const line = r.out.slice(at);
      assert.match(line, expected, `${name}: ${r.out}`);
      messages.add(line.replace(/\/tmp\/\S+/g, ""));
    }
    assert.ok(messages.size >= cases.length - 1, "each case has its own message");
  } finally {
    await pki.cleanup();
  }
});

Deno.test("serve - an expired certificate still serves, with an error line and unhealthy TLS", async () => {
  const pki = await makeTestPki();
  try {
    const old = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "expired",
      dnsNames: ["localhost"],
      notBefore: new Date(Date.now() - 86400_000 * 20),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const cert = join(pki.dir, "expired.crt");
    const key = join(pki.dir, "expired.key");
    await writeFile(cert, old.certPem);
    await writeFile(key, old.keyPem);
    const r = await serve({
      CAMERA_SERVICE_DATA_DIR: join(pki.dir, "data"),
      CAMERA_SERVICE_SERVER_PORT: "0",
      CAMERA_SERVICE_HEALTH_PORT: "0",
      CAMERA_SERVICE_SSL_CERT_FILE: cert,
      CAMERA_SERVICE_SSL_KEY_FILE: key,
    });
    assert.equal(r.listening, true, r.out);
    assert.match(r.out, /"level":"error","msg":"the TLS certificate has EXPIRED/);
    assert.equal(r.code, 0, `SIGTERM stops it cleanly (exit ${r.code})\n${r.out.slice(-600)}`);
  } finally {
    await pki.cleanup();
  }
});
