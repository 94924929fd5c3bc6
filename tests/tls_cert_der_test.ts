// The DER certificate reader (src/tls/cert_der.ts) against @peculiar/x509, which the loader
// used before: the same facts for the system CA bundle, for openssl-made certificates with
// awkward names, SANs and key types, and for the project's own generated certificates.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { parseCertificateDer, parseCertificatePem } from "../src/tls/cert_der.ts";
import { createCA, issueCertificate, selfSigned } from "../src/tls/generate.ts";
import { certInfo, splitPem } from "../src/tls/inspect.ts";

/** What the loader reported with @peculiar/x509 (the code this reader replaced). */
function peculiarFacts(pem: string) {
  const cert = new x509.X509Certificate(pem);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  const alg = cert.publicKey.algorithm as {
    name: string;
    namedCurve?: string;
    modulusLength?: number;
  };
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => n.value),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyType: alg.name === "ECDSA"
      ? `ECDSA ${alg.namedCurve}`
      : alg.name.startsWith("RSA")
      ? `RSA ${alg.modulusLength ?? ""}`.trim()
      : alg.name,
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    selfSigned: cert.subject === cert.issuer && (!ski || !aki || ski === aki),
    spki: Buffer.from(cert.publicKey.rawData).toString("hex"),
  };
}

function ourFacts(pem: string) {
  const parsed = parseCertificatePem(pem);
  const i = certInfo(parsed);
  return {
    subject: i.subject,
    issuer: i.issuer,
    serialNumber: i.serialNumber,
    dnsNames: i.dnsNames,
    ipAddresses: i.ipAddresses,
    notBefore: i.notBefore.toISOString(),
    notAfter: i.notAfter.toISOString(),
    keyType: i.keyType,
    isCA: i.isCA,
    selfSigned: i.selfSigned,
    spki: Buffer.from(parsed.spki).toString("hex"),
  };
}

const certBlocks = (text: string) =>
  splitPem(text).filter((b) => b.label === "CERTIFICATE").map((b) => b.text);

const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

Deno.test({
  name: "cert der - the system CA bundle reads exactly as @peculiar/x509 read it",
  ignore: !existsSync(BUNDLE),
  fn: () => {
    const certs = certBlocks(readFileSync(BUNDLE, "utf8"));
    assert.ok(certs.length > 50, `only ${certs.length} certificates in ${BUNDLE}`);
    for (const pem of certs) assert.deepEqual(ourFacts(pem), peculiarFacts(pem));
  },
});

Deno.test("cert der - generated CA, server, client and self-signed certificates agree", async () => {
  const ca = await createCA({ commonName: 'Box, CA + "quoted"', keyType: "rsa-2048" });
  const server = await issueCertificate({
    ca,
    kind: "server",
    commonName: "cam1.local",
    dnsNames: ["cam1.local", "localhost"],
    ipAddresses: ["127.0.0.1", "::1", "fd00::5", "2001:db8:0:0:1:0:0:1", "10.0.0.7"],
  });
  const client = await issueCertificate({ ca, kind: "client", commonName: " alice " });
  const ss = await selfSigned({ commonName: "#me", dnsNames: ["me.local"], ipAddresses: [] });
  for (const pem of [ca.certPem, server.certPem, client.certPem, ss.certPem]) {
    assert.deepEqual(ourFacts(pem), peculiarFacts(pem));
  }
  const s = ourFacts(server.certPem);
  assert.deepEqual(s.ipAddresses, ["127.0.0.1", "::1", "fd00::5", "2001:db8::1:0:0:1", "10.0.0.7"]);
  assert.equal(s.keyType, "ECDSA P-256");
  assert.equal(ourFacts(ca.certPem).subject, 'CN=Box\\, CA \\+ \\"quoted\\"');
});

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "cert der - openssl certificates: odd names, UTF-8, multi-valued RDNs, many key types",
  ignore: !hasOpenssl,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const make = (name: string, subj: string, args: string[]) => {
        execFileSync("openssl", [
          "req",
          "-x509",
          "-nodes",
          "-days",
          "30",
          "-subj",
          subj,
          "-keyout",
          join(dir, `${name}.key`),
          "-out",
          join(dir, `${name}.pem`),
          ...args,
        ], { stdio: "ignore" }); // deno-fmt-ignore
        return readFileSync(join(dir, `${name}.pem`), "utf8");
      };
      const cases: [string, string][] = [
        [make("ed25519", "/CN=ed", ["-newkey", "ed25519"]), "Ed25519"],
        [make("pss", "/CN=pss", ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:1024"]), "RSA"],
        [
          make("p521", '/C=DE/O=Firma, GmbH/OU=A+B/CN=#weird "q"; <x> ', [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-addext",
            "subjectAltName=DNS:a.example,IP:fd00::5,IP:1:0:0:1:0:0:0:1,IP:0:0:0:0:0:0:0:0",
          ]),
          "ECDSA P-521",
        ], // deno-fmt-ignore
        [make("k256", "/CN=k1", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"]), "ECDSA K-256"],
        [
          make("brain", "/CN=b", [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:brainpoolP384r1",
          ]),
          "ECDSA brainpoolP384r1",
        ],
        [make("utf8", "/CN=Grüße ñ/O=日本", ["-utf8", "-newkey", "rsa:1024"]), "RSA 1024"],
        [
          make("mv", "/CN=mv+O=multi/L=x/emailAddress=a@b.c/DC=example/UID=u1", [
            "-multivalue-rdn",
            "-set_serial",
            "0x80aabb",
            "-newkey",
            "rsa:1024",
          ]),
          "RSA 1024",
        ], // deno-fmt-ignore
      ]; // deno-fmt-ignore
      for (const [pem, keyType] of cases) {
        assert.deepEqual(ourFacts(pem), peculiarFacts(pem));
        assert.equal(ourFacts(pem).keyType, keyType);
      }
      // Ed448: @peculiar/x509 called it "EdDSA"; the reader names the curve.
      const ed448 = make("ed448", "/CN=ed448", ["-newkey", "ed448"]);
      assert.equal(ourFacts(ed448).keyType, "Ed448");
      assert.equal(ourFacts(cases[6][0]).serialNumber, "80aabb");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("cert der - malformed certificates throw", async () => {
  const { certPem } = await selfSigned({ commonName: "x", dnsNames: [], ipAddresses: [] });
  const der = new Uint8Array(Buffer.from(certPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"));
  assert.throws(() => parseCertificateDer(der.subarray(0, der.length - 10)), /DER/);
  assert.throws(() => parseCertificateDer(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), /DER/);
  assert.throws(() => parseCertificateDer(new Uint8Array([0x04, 0x00])), /DER/);
  assert.throws(() =>
    parseCertificatePem("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----")
  );
  assert.throws(() =>
    parseCertificatePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
  );
  // A flipped byte inside the TBS length makes the structure inconsistent.
  const broken = der.slice();
  broken[5] ^= 0x40;
  assert.throws(() => parseCertificateDer(broken));
});
