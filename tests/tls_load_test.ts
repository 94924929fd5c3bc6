import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCA, issueCertificate, selfSigned } from "../src/tls/generate.ts";
import { inspectCertificate, loadTlsMaterial, TlsConfigError } from "../src/tls/load.ts";
import type { TlsErrorCode } from "../src/tls/errors.ts";
import { makeTestPki, type TestPki } from "./support/certs.ts";

const messages = new Map<TlsErrorCode, string>();

async function expectError(
  p: Promise<unknown>,
  code: TlsErrorCode,
  pattern: RegExp,
): Promise<TlsConfigError> {
  const err = await p.then(() => null, (e) => e);
  assert.ok(err instanceof TlsConfigError, `expected TlsConfigError ${code}, got ${err}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  messages.set(code, err.message);
  return err;
}

async function withPki(fn: (pki: TestPki) => Promise<void>): Promise<void> {
  const pki = await makeTestPki();
  try {
    await fn(pki);
  } finally {
    await pki.cleanup();
  }
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "ignore" });
}

Deno.test("load - separate certificate chain and key", () =>
  withPki(async (pki) => {
    const m = await loadTlsMaterial(pki.ssl());
    assert.equal(m.leaf.subject, "CN=localhost");
    assert.equal(m.leaf.issuer, "CN=Test CA");
    assert.deepEqual(m.leaf.dnsNames, ["localhost"]);
    assert.deepEqual(m.leaf.ipAddresses, ["127.0.0.1", "::1"]);
    assert.equal(m.leaf.keyType, "ECDSA P-256");
    assert.equal(m.leaf.isCA, false);
    assert.equal(m.leaf.selfSigned, false);
    assert.ok(m.leaf.daysLeft >= 364 && m.leaf.daysLeft <= 365, String(m.leaf.daysLeft));
    assert.match(m.leaf.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(m.expired, false);
    assert.equal((m.cert.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.match(m.key, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(m.ca, undefined, "CERT_NONE loads no CA");
    assert.deepEqual(m.files, [pki.serverCertFile, pki.serverKeyFile]);
  }));

Deno.test("load - combined PEM with key_file empty or the same file", () =>
  withPki(async (pki) => {
    for (const key_file of ["", pki.combinedFile]) {
      const m = await loadTlsMaterial(pki.ssl({ cert_file: pki.combinedFile, key_file }));
      assert.equal(m.leaf.subject, "CN=localhost");
      assert.doesNotMatch(m.cert, /PRIVATE KEY/);
      assert.deepEqual(m.files, [pki.combinedFile]);
    }
  }));

Deno.test("load - chain in the wrong order is served leaf first", () =>
  withPki(async (pki) => {
    const f = join(pki.dir, "reversed.pem");
    writeFileSync(f, pki.ca.certPem + pki.server.certPem + pki.server.keyPem);
    const m = await loadTlsMaterial(pki.ssl({ cert_file: f, key_file: "" }));
    assert.ok(m.cert.startsWith(pki.server.certPem));
    assert.equal(m.leaf.subject, "CN=localhost");
  }));

Deno.test("load - fingerprint matches openssl's", () =>
  withPki(async (pki) => {
    const m = await loadTlsMaterial(pki.ssl());
    const out = execFileSync("openssl", [
      "x509",
      "-in",
      pki.serverCertFile,
      "-noout",
      "-fingerprint",
      "-sha256",
    ], { encoding: "utf8" });
    assert.equal(out.trim().split("=")[1], m.leaf.fingerprint256);
  }));

Deno.test("load - missing file, dangling symlink, directory", () =>
  withPki(async (pki) => {
    const missing = join(pki.dir, "nope.crt");
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: missing })),
      "FILE_MISSING",
      new RegExp(`certificate file ${missing} \\(security.ssl.cert_file\\) does not exist`),
    );
    await expectError(
      loadTlsMaterial(pki.ssl({ key_file: missing })),
      "FILE_MISSING",
      /private key file .*nope\.crt \(security\.ssl\.key_file\) does not exist/,
    );
    const link = join(pki.dir, "live.pem");
    symlinkSync(join(pki.dir, "archive", "cert3.pem"), link);
    const e = await loadTlsMaterial(pki.ssl({ cert_file: link })).catch((e) => e);
    assert.equal(e.code, "FILE_MISSING");
    assert.match(e.message, /symbolic link to .*cert3\.pem, which does not exist/);
    mkdirSync(join(pki.dir, "adir"));
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: join(pki.dir, "adir") })),
      "NOT_A_FILE",
      /adir \(security\.ssl\.cert_file\) is a directory/,
    );
  }));

Deno.test("load - unreadable file (permission denied) names the file and the fix", async () => {
  const pki = await makeTestPki();
  try {
    chmodSync(pki.serverKeyFile, 0o000);
    chmodSync(pki.dir, 0o755);
    if (process.getuid?.() !== 0) {
      await expectError(loadTlsMaterial(pki.ssl()), "FILE_UNREADABLE", /permission denied/);
      return;
    }
    // Root reads anything: run the loader as "nobody" (uid 65534) so open() really fails with EACCES.
    const denoDir = Deno.makeTempDirSync();
    chmodSync(denoDir, 0o777);
    const script = join(pki.dir, "probe.ts");
    const load = new URL("../src/tls/load.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { loadTlsMaterial } from "${load}";\n` +
        `try { await loadTlsMaterial(${JSON.stringify(pki.ssl())}); console.log("LOADED"); }\n` +
        `catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }\n`,
    );
    chmodSync(script, 0o644);
    for (const f of [pki.serverCertFile]) chmodSync(f, 0o644);
    const out = new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        Deno.execPath(),
        "run",
        "--allow-all",
        "--no-lock",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        script,
      ],
      env: { DENO_DIR: denoDir, HOME: denoDir, NO_COLOR: "1" },
      cwd: new URL("..", import.meta.url).pathname,
    }).outputSync();
    Deno.removeSync(denoDir, { recursive: true });
    const text = new TextDecoder().decode(out.stdout).trim();
    const last = text.split("\n").pop() ?? "";
    assert.ok(
      last.startsWith("{"),
      `probe output: ${text} ${new TextDecoder().decode(out.stderr)}`,
    );
    const r = JSON.parse(last);
    assert.equal(r.code, "FILE_UNREADABLE");
    assert.match(r.message, new RegExp(`cannot read private key file ${pki.serverKeyFile}`));
    assert.match(r.message, /permission denied for uid 65534.*chmod 640/);
    messages.set("FILE_UNREADABLE", r.message);
  } finally {
    await pki.cleanup();
  }
});

Deno.test("load - not PEM, empty, DER, corrupt certificate block", () =>
  withPki(async (pki) => {
    const f = join(pki.dir, "bad.crt");
    writeFileSync(f, "hello, I am not a certificate\n");
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: f })),
      "NOT_PEM",
      /bad\.crt .*is not PEM/,
    );
    writeFileSync(f, "");
    const e1 = await loadTlsMaterial(pki.ssl({ cert_file: f })).catch((e) => e);
    assert.equal(e1.code, "NOT_PEM");
    assert.match(e1.message, /is empty/);
    openssl("x509", "-in", pki.serverCertFile, "-outform", "der", "-out", f);
    const e2 = await loadTlsMaterial(pki.ssl({ cert_file: f })).catch((e) => e);
    assert.match(e2.message, /binary DER/);
    writeFileSync(f, "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n");
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: f })),
      "CERT_INVALID",
      /certificate #1 in .*bad\.crt .*is not a valid X\.509 certificate/,
    );
  }));

Deno.test("load - no certificate (key given as cert), no private key, key file holds a cert", () =>
  withPki(async (pki) => {
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: pki.serverKeyFile, key_file: pki.serverCertFile })),
      "NO_CERTIFICATE",
      /holds no certificate but a private key: are cert_file and key_file swapped/,
    );
    await expectError(
      loadTlsMaterial(pki.ssl({ key_file: "" })),
      "NO_PRIVATE_KEY",
      /no private key: .*server\.crt holds no PRIVATE KEY block and security\.ssl\.key_file is empty/,
    );
    const e = await loadTlsMaterial(pki.ssl({ key_file: pki.caFile })).catch((e) => e);
    assert.equal(e.code, "NO_PRIVATE_KEY");
    assert.match(e.message, /key file .*ca\.crt .*holds no private key \(found: CERTIFICATE\)/);
  }));

Deno.test("load - key does not match, corrupt key", () =>
  withPki(async (pki) => {
    await expectError(
      loadTlsMaterial(pki.ssl({ key_file: pki.clientKeyFile })),
      "KEY_MISMATCH",
      /private key in .*client\.key does not match the certificate in .*server\.crt \(CN=localhost\)/,
    );
    const e = await loadTlsMaterial(pki.ssl({ key_file: pki.caKeyFile })).catch((e) => e);
    assert.equal(e.code, "KEY_MISMATCH");
    assert.match(
      e.message,
      /belongs to the CA certificate \(CN=Test CA\) in .*server\.crt, not to the server certificate \(CN=localhost\)/,
    );
    const f = join(pki.dir, "corrupt.key");
    writeFileSync(f, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    await expectError(
      loadTlsMaterial(pki.ssl({ key_file: f })),
      "KEY_INVALID",
      /private key in .*corrupt\.key .*cannot be parsed/,
    );
  }));

Deno.test("load - certificate not yet valid; expired loads with expired:true", async () => {
  const pki = await makeTestPki();
  try {
    const future = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "later",
      notBefore: new Date(Date.now() + 3 * 86_400_000),
      notAfter: new Date(Date.now() + 30 * 86_400_000),
    });
    const f = join(pki.dir, "future.pem");
    writeFileSync(f, future.certPem + future.keyPem);
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: f, key_file: "" })),
      "CERT_NOT_YET_VALID",
      /future\.pem \(CN=later\) is not valid until .* and the clock says .*check the system clock/,
    );
    const old = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "old",
      notBefore: new Date(Date.now() - 30 * 86_400_000),
      notAfter: new Date(Date.now() - 2 * 86_400_000),
    });
    writeFileSync(f, old.certPem + old.keyPem);
    const m = await loadTlsMaterial(pki.ssl({ cert_file: f, key_file: "" }));
    assert.equal(m.expired, true);
    assert.ok(m.leaf.daysLeft <= -2, String(m.leaf.daysLeft));
    // And the clock can be given.
    const m2 = await loadTlsMaterial(pki.ssl({ cert_file: f, key_file: "" }), {
      now: new Date(Date.now() - 10 * 86_400_000),
    });
    assert.equal(m2.expired, false);
  } finally {
    await pki.cleanup();
  }
});

Deno.test("load - encrypted keys: PKCS#8 and legacy PEM, missing and wrong passphrase", () =>
  withPki(async (pki) => {
    const p8 = join(pki.dir, "enc8.key");
    openssl(
      "pkcs8",
      "-topk8",
      "-in",
      pki.serverKeyFile,
      "-out",
      p8,
      "-passout",
      "pass:s3cret",
      "-v2",
      "aes-256-cbc",
    );
    const legacy = join(pki.dir, "legacy.key");
    openssl("ec", "-in", pki.serverKeyFile, "-out", legacy, "-aes256", "-passout", "pass:s3cret");
    for (const key_file of [p8, legacy]) {
      await expectError(
        loadTlsMaterial(pki.ssl({ key_file })),
        "KEY_ENCRYPTED",
        /is encrypted and no passphrase is set: set security\.ssl\.key_passphrase/,
      );
      await expectError(
        loadTlsMaterial(pki.ssl({ key_file, key_passphrase: "wrong" })),
        "KEY_PASSPHRASE_WRONG",
        /cannot decrypt the private key in .*: wrong passphrase/,
      );
      const m = await loadTlsMaterial(pki.ssl({ key_file, key_passphrase: "s3cret" }));
      assert.match(m.key, /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(m.passphrase, undefined);
    }
  }));

Deno.test("load - RSA PKCS#1 key from openssl", async () => {
  const pki = await makeTestPki({ keyType: "rsa-2048" });
  try {
    const k1 = join(pki.dir, "rsa1.key");
    openssl("rsa", "-in", pki.serverKeyFile, "-traditional", "-out", k1);
    const m = await loadTlsMaterial(pki.ssl({ key_file: k1 }));
    assert.equal(m.leaf.keyType, "RSA 2048");
  } finally {
    await pki.cleanup();
  }
});

Deno.test("load - a CA bundle given as the certificate says so", () =>
  withPki(async (pki) => {
    const bundle = join(pki.dir, "bundle.crt");
    const cas = await Promise.all([1, 2, 3].map((i) => createCA({ commonName: `Root ${i}` })));
    writeFileSync(bundle, cas.map((c) => c.certPem).join(""));
    const e = await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: bundle, key_file: pki.serverKeyFile })),
      "CA_BUNDLE",
      /holds 3 CA certificates and no server certificate: this looks like a CA bundle such as \/etc\/ssl\/certs\/ca-certificates\.crt, not a server certificate/,
    );
    assert.equal(e.file, bundle);
    const system = "/etc/ssl/certs/ca-certificates.crt";
    if (existsSync(system)) {
      const e2 = await loadTlsMaterial(pki.ssl({ cert_file: system, key_file: "" })).catch((e) =>
        e
      );
      assert.equal(e2.code, "CA_BUNDLE");
      assert.match(e2.message, /CAMERA_SERVICE_SSL_CERT_FILE/);
    }
  }));

Deno.test("load - client CA for CERT_OPTIONAL / CERT_REQUIRED", () =>
  withPki(async (pki) => {
    for (const verify_mode of ["CERT_OPTIONAL", "CERT_REQUIRED"] as const) {
      const m = await loadTlsMaterial(pki.ssl({ verify_mode }));
      assert.equal(m.ca, pki.ca.certPem);
      assert.deepEqual(m.files, [pki.serverCertFile, pki.serverKeyFile, pki.caFile]);
      await expectError(
        loadTlsMaterial(pki.ssl({ verify_mode, ca_file: "" })),
        "CA_FILE_REQUIRED",
        new RegExp(`verify_mode ${verify_mode} needs security\\.ssl\\.ca_file`),
      );
    }
    const missing = join(pki.dir, "none-ca.crt");
    const e = await loadTlsMaterial(pki.ssl({ verify_mode: "CERT_REQUIRED", ca_file: missing }))
      .catch((e) => e);
    assert.equal(e.code, "FILE_MISSING");
    assert.match(e.message, /CA file .*none-ca\.crt \(security\.ssl\.ca_file\) does not exist/);
    await expectError(
      loadTlsMaterial(pki.ssl({ verify_mode: "CERT_REQUIRED", ca_file: pki.serverKeyFile })),
      "CA_FILE_INVALID",
      /CA file .*server\.key \(security\.ssl\.ca_file\) holds no certificate/,
    );
  }));

Deno.test("load - bad verify_mode and empty cert_file", () =>
  withPki(async (pki) => {
    await expectError(
      // deno-lint-ignore no-explicit-any
      loadTlsMaterial(pki.ssl({ verify_mode: "CERT_MAYBE" as any })),
      "VERIFY_MODE_INVALID",
      /verify_mode "CERT_MAYBE" is not one of CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED/,
    );
    await expectError(
      loadTlsMaterial(pki.ssl({ cert_file: "" })),
      "CERT_NOT_CONFIGURED",
      /cert_file is empty/,
    );
  }));

Deno.test("load - inspectCertificate lists every certificate in a file", async () => {
  const ss = await selfSigned({ commonName: "me", dnsNames: ["me.local"], ipAddresses: [] });
  const [info] = inspectCertificate(ss.certPem);
  assert.equal(info.selfSigned, true);
  assert.equal(info.isCA, false);
  const pki = await makeTestPki();
  try {
    const infos = inspectCertificate(pki.server.chainPem! + pki.server.keyPem);
    assert.deepEqual(infos.map((i) => [i.subject, i.isCA, i.selfSigned]), [
      ["CN=localhost", false, false],
      ["CN=Test CA", true, true],
    ]);
    assert.deepEqual(inspectCertificate("nothing"), []);
  } finally {
    await pki.cleanup();
  }
});

Deno.test("load - every broken case has its own message", () => {
  // Runs after the cases above (same file, sequential): each code produced a distinct message.
  const texts = [...messages.values()];
  assert.ok(messages.size >= 15, `codes seen: ${[...messages.keys()].join(", ")}`);
  assert.equal(new Set(texts).size, texts.length);
});
