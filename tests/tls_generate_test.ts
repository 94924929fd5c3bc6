import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCA, issueCertificate, type KeyType, selfSigned } from "../src/tls/generate.ts";
import { writeCertificateFiles } from "../src/tls/write.ts";
import { makeTestPki } from "./support/certs.ts";
import { withTempDir } from "./support/temp.ts";

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function text(file: string): string {
  return openssl("x509", "-in", file, "-noout", "-text");
}

for (const keyType of ["ecdsa-p256", "rsa-2048"] as KeyType[]) {
  Deno.test(`generate - CA, server and client (${keyType}) pass openssl verify and checkend`, () =>
    withTempDir(async (dir) => {
      const ca = await createCA({ commonName: "Box CA", keyType });
      const server = await issueCertificate({
        ca,
        kind: "server",
        commonName: "cam1.local",
        dnsNames: ["cam1.local", "localhost"],
        ipAddresses: ["127.0.0.1", "::1", "10.0.0.7"],
        keyType,
      });
      const client = await issueCertificate({ ca, kind: "client", commonName: "alice", keyType });
      const caFile = join(dir, "ca.crt");
      writeFileSync(caFile, ca.certPem);
      writeFileSync(join(dir, "server.crt"), server.certPem);
      writeFileSync(join(dir, "client.crt"), client.certPem);
      const sv = openssl(
        "verify",
        "-CAfile",
        caFile,
        "-purpose",
        "sslserver",
        join(dir, "server.crt"),
      );
      assert.match(sv, /OK/);
      const cv = openssl(
        "verify",
        "-CAfile",
        caFile,
        "-purpose",
        "sslclient",
        join(dir, "client.crt"),
      );
      assert.match(cv, /OK/);
      // A server certificate is not a client certificate and vice versa.
      assert.throws(() =>
        openssl("verify", "-CAfile", caFile, "-purpose", "sslclient", join(dir, "server.crt"))
      );
      for (const f of ["ca.crt", "server.crt", "client.crt"]) {
        assert.match(
          openssl("x509", "-in", join(dir, f), "-noout", "-checkend", "86400"),
          /not expire/,
        );
        // Expires within 20 years (CA default 10 years): checkend fails for that horizon.
        assert.throws(() =>
          openssl("x509", "-in", join(dir, f), "-noout", "-checkend", String(20 * 365 * 86400))
        );
      }
      const st = text(join(dir, "server.crt"));
      assert.match(
        st,
        /DNS:cam1\.local, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10\.0\.0\.7/,
      );
      assert.match(st, /TLS Web Server Authentication/);
      assert.match(st, /CA:FALSE/);
      assert.match(st, /Subject Key Identifier/);
      assert.match(st, /Authority Key Identifier/);
      assert.match(text(caFile), /CA:TRUE/);
      assert.match(text(caFile), /Certificate Sign/);
      assert.match(text(join(dir, "client.crt")), /TLS Web Client Authentication/);
      // The key is PKCS#8 and matches.
      assert.match(server.keyPem, /^-----BEGIN PRIVATE KEY-----/);
      writeFileSync(join(dir, "server.key"), server.keyPem);
      const pubFromKey = openssl("pkey", "-in", join(dir, "server.key"), "-pubout");
      const pubFromCert = openssl("x509", "-in", join(dir, "server.crt"), "-noout", "-pubkey");
      assert.equal(pubFromKey, pubFromCert);
      assert.match(st, keyType === "ecdsa-p256" ? /prime256v1/ : /Public-Key: \(2048 bit\)/);
    }));
}

Deno.test("generate - rsa-4096 CA issues an ECDSA server certificate", async () => {
  await withTempDir(async (dir) => {
    const ca = await createCA({ commonName: "Big CA", keyType: "rsa-4096" });
    const srv = await issueCertificate({ ca, kind: "server", commonName: "x.test" });
    writeFileSync(join(dir, "ca.crt"), ca.certPem);
    writeFileSync(join(dir, "s.crt"), srv.certPem);
    assert.match(text(join(dir, "ca.crt")), /Public-Key: \(4096 bit\)/);
    assert.match(openssl("verify", "-CAfile", join(dir, "ca.crt"), join(dir, "s.crt")), /OK/);
    assert.match(text(join(dir, "s.crt")), /DNS:x\.test/); // CN becomes the default SAN
  });
});

Deno.test("generate - self-signed verifies against itself and has SANs", async () => {
  await withTempDir(async (dir) => {
    const ss = await selfSigned({
      commonName: "box",
      dnsNames: ["localhost", "box"],
      ipAddresses: ["127.0.0.1", "::1"],
      days: 10,
    });
    assert.equal(ss.chainPem, undefined);
    const f = join(dir, "ss.crt");
    writeFileSync(f, ss.certPem);
    assert.match(openssl("verify", "-CAfile", f, "-purpose", "sslserver", f), /OK/);
    assert.match(openssl("x509", "-in", f, "-noout", "-checkend", String(9 * 86400)), /not expire/);
    assert.throws(() => openssl("x509", "-in", f, "-noout", "-checkend", String(11 * 86400)));
    assert.match(text(f), /DNS:localhost, DNS:box, IP Address:127\.0\.0\.1/);
    assert.match(text(f), /CA:FALSE/);
  });
});

Deno.test("generate - serial numbers are random and positive", async () => {
  const ca = await createCA({ commonName: "S" });
  const a = await issueCertificate({ ca, kind: "client", commonName: "a" });
  const b = await issueCertificate({ ca, kind: "client", commonName: "a" });
  const serial = (pem: string) => {
    const dir = mkdtempSync(join(tmpdir(), "tls-ser-"));
    try {
      writeFileSync(join(dir, "c"), pem);
      return openssl("x509", "-in", join(dir, "c"), "-noout", "-serial").trim();
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
  assert.notEqual(serial(a.certPem), serial(b.certPem));
  assert.match(serial(a.certPem), /^serial=[0-7][0-9A-F]{31}$/);
});

Deno.test("generate - issued chain and combined file; files 0600, new folder 0700", async () => {
  await withTempDir(async (dir) => {
    const pki = await makeTestPki({ dir: join(dir, "pki") });
    assert.equal(statSync(pki.dir).mode & 0o777, 0o700);
    for (
      const f of [
        pki.caFile,
        pki.caKeyFile,
        pki.serverCertFile,
        pki.serverKeyFile,
        pki.combinedFile,
      ]
    ) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
    }
    const combined = readFileSync(pki.combinedFile, "utf8");
    assert.equal((combined.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    assert.match(combined, /BEGIN PRIVATE KEY[\s\S]*$/);
    assert.ok(combined.indexOf(pki.server.certPem) === 0, "leaf first");
    // Refuses to overwrite without overwrite: true.
    await assert.rejects(
      writeCertificateFiles(pki.dir, "ca", pki.ca),
      /already exists/,
    );
    await pki.cleanup();
  });
});

Deno.test("generate - bad input is refused", async () => {
  await assert.rejects(createCA({ commonName: "" }), /commonName/);
  await assert.rejects(createCA({ commonName: "x", days: 0 }), /days/);
  await assert.rejects(
    createCA({ commonName: "x", keyType: "dsa" as KeyType }),
    /unknown key type/,
  );
});
