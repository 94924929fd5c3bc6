import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { memoryLogger } from "../src/observability/log.ts";
import { ensureDevCertificate } from "../src/tls/devcert.ts";
import { selfSigned } from "../src/tls/generate.ts";
import { withTempDir } from "./support/temp.ts";

Deno.test("devcert - generated once with localhost, loopback IPs and host name; 0600/0700", () =>
  withTempDir(async (data) => {
    const { log, lines } = memoryLogger();
    const a = await ensureDevCertificate(data, { log });
    assert.equal(a.generated, true);
    assert.equal(a.certFile, join(data, "tls", "selfsigned.crt"));
    assert.equal(a.caFile, a.certFile);
    assert.equal(statSync(join(data, "tls")).mode & 0o777, 0o700);
    assert.equal(statSync(a.certFile).mode & 0o777, 0o600);
    assert.equal(statSync(a.keyFile).mode & 0o777, 0o600);
    assert.ok(a.info.dnsNames.includes("localhost"));
    assert.ok(a.info.dnsNames.includes(hostname()));
    assert.deepEqual(a.info.ipAddresses, ["127.0.0.1", "::1"]);
    assert.equal(a.info.keyType, "ECDSA P-256");
    assert.equal(a.info.selfSigned, true);
    const line = lines().find((l) => l.msg === "generated a self-signed development certificate");
    assert.equal(line?.cert_file, a.certFile);
    // openssl accepts it as its own trust anchor for localhost and 127.0.0.1.
    for (const check of [["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"]]) {
      const out = execFileSync(
        "openssl",
        ["verify", "-CAfile", a.certFile, "-purpose", "sslserver", ...check, a.certFile],
        { encoding: "utf8" },
      );
      assert.match(out, /OK/);
    }
    // Reused on the next start.
    const b = await ensureDevCertificate(data, { log });
    assert.equal(b.generated, false);
    assert.equal(b.info.fingerprint256, a.info.fingerprint256);
  }));

Deno.test("devcert - regenerated when names change, when expired, when broken", () =>
  withTempDir(async (data) => {
    const first = await ensureDevCertificate(data);
    const more = await ensureDevCertificate(data, { hostnames: ["cam.example", "10.1.2.3"] });
    assert.equal(more.generated, true);
    assert.ok(more.info.dnsNames.includes("cam.example"));
    assert.ok(more.info.ipAddresses.includes("10.1.2.3"));
    assert.notEqual(more.info.fingerprint256, first.info.fingerprint256);
    // Fewer names than the certificate has: still reused.
    assert.equal((await ensureDevCertificate(data)).generated, false);

    const old = await selfSigned({
      commonName: "localhost",
      dnsNames: ["localhost", hostname()],
      ipAddresses: ["127.0.0.1", "::1"],
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    writeFileSync(more.certFile, old.certPem);
    writeFileSync(more.keyFile, old.keyPem);
    const { log, lines } = memoryLogger();
    const renewed = await ensureDevCertificate(data, { log });
    assert.equal(renewed.generated, true);
    assert.ok(renewed.info.daysLeft > 300);
    assert.match(String(lines()[0].reason), /expires on/);

    writeFileSync(renewed.keyFile, "not a key");
    const fixed = await ensureDevCertificate(data);
    assert.equal(fixed.generated, true);
    assert.equal((await ensureDevCertificate(data)).generated, false);
  }));
