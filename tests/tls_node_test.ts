/**
 * The TLS code under Node (what the single executable runs): bundled with esbuild like the
 * executable, then generation, loading checks, reload and mTLS are exercised by node itself.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { bundleForNode, lastJsonLine, SRC } from "./support/node_bundle.ts";

const SCENARIO = `
import https from "node:https";
import { writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { createCA, issueCertificate, selfSigned } from "${SRC}/tls/generate.ts";
import { writeCertificateFiles } from "${SRC}/tls/write.ts";
import { loadTlsMaterial } from "${SRC}/tls/load.ts";
import { clientCertSubject, tlsServerOptions } from "${SRC}/tls/options.ts";
import { CertificateReloader } from "${SRC}/tls/reload.ts";
import { memoryLogger } from "${SRC}/observability/log.ts";

const dir = process.argv[2];
const out = {};
const ca = await createCA({ commonName: "Node CA" });
const rsaCa = await createCA({ commonName: "Node RSA CA", keyType: "rsa-2048" });
const server = await issueCertificate({ ca, kind: "server", commonName: "localhost",
  dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
const client = await issueCertificate({ ca: rsaCa, kind: "client", commonName: "carol", keyType: "rsa-2048" });
const goodClient = await issueCertificate({ ca, kind: "client", commonName: "dave" });
const ss = await selfSigned({ commonName: "ss", dnsNames: ["localhost"], ipAddresses: [] });
await writeCertificateFiles(dir, "ca", ca);
await writeCertificateFiles(dir, "server", server);
writeFileSync(join(dir, "ss.crt"), ss.certPem);
out.verify = execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.crt"), join(dir, "server.crt")],
  { encoding: "utf8" }).trim();
const ssl = { enabled: true, cert_file: join(dir, "server.crt"), key_file: join(dir, "server.key"),
  key_passphrase: "", verify_mode: "CERT_REQUIRED", ca_file: join(dir, "ca.crt"),
  min_version: "TLSv1.2", watch: true };
const codes = async (over) => {
  try { await loadTlsMaterial({ ...ssl, ...over }); return "ok"; } catch (e) { return e.code; }
};
execFileSync("openssl", ["pkcs8", "-topk8", "-in", join(dir, "server.key"), "-out", join(dir, "enc.key"),
  "-passout", "pass:pw", "-v2", "aes-256-cbc"]);
writeFileSync(join(dir, "bundle.crt"), ca.certPem + rsaCa.certPem);
writeFileSync(join(dir, "junk"), "junk");
out.codes = {
  good: await codes({}),
  missing: await codes({ cert_file: join(dir, "nope") }),
  notPem: await codes({ cert_file: join(dir, "junk") }),
  encrypted: await codes({ key_file: join(dir, "enc.key") }),
  wrongPass: await codes({ key_file: join(dir, "enc.key"), key_passphrase: "x" }),
  rightPass: await codes({ key_file: join(dir, "enc.key"), key_passphrase: "pw" }),
  mismatch: await codes({ key_file: join(dir, "ca.key") }),
  bundle: await codes({ cert_file: join(dir, "bundle.crt"), key_file: "" }),
  noCa: await codes({ ca_file: "" }),
};
const material = await loadTlsMaterial(ssl);
out.leaf = { subject: material.leaf.subject, keyType: material.leaf.keyType, ips: material.leaf.ipAddresses };
const srv = https.createServer(tlsServerOptions(material, ssl), (req, res) => {
  res.end(JSON.stringify({ subject: clientCertSubject(req.socket), cn: req.socket.getCertificate().subject.CN }));
});
srv.on("tlsClientError", () => {});
await new Promise((r) => srv.listen(0, "127.0.0.1", r));
const port = srv.address().port;
const get = (extra) => new Promise((resolve) => {
  https.get({ host: "127.0.0.1", port, ca: ca.certPem, servername: "localhost", agent: false, ...extra },
    (res) => { let d = ""; res.on("data", (c) => d += c); res.on("end", () => resolve(JSON.parse(d))); })
    .on("error", (e) => resolve({ error: e.code || e.message }));
});
out.noCert = await get({});
out.rogue = await get({ cert: client.certPem, key: client.keyPem });
out.good = await get({ cert: goodClient.certPem, key: goodClient.keyPem });
const { log } = memoryLogger();
let applied = 0;
const reloader = new CertificateReloader({ ssl, initial: material, log, debounceMs: 50,
  apply: (m) => { srv.setSecureContext(tlsServerOptions(m, ssl)); applied++; } });
await reloader.ready();
const next = await issueCertificate({ ca, kind: "server", commonName: "next", dnsNames: ["localhost"],
  ipAddresses: ["127.0.0.1"] });
await writeCertificateFiles(dir, "server", next, { overwrite: true });
for (let i = 0; i < 100 && applied === 0; i++) await new Promise((r) => setTimeout(r, 50));
out.afterReload = await get({ cert: goodClient.certPem, key: goodClient.keyPem });
await reloader.close();
srv.close();
console.log(JSON.stringify(out));
`;

Deno.test("node runtime - generation, load checks, mTLS and reload under Node 20+", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundle = bundleForNode(dir, "entry", SCENARIO);
    const work = join(dir, "work");
    Deno.mkdirSync(work);
    const text = execFileSync("node", [bundle, work], { encoding: "utf8", timeout: 30_000 });
    const out = lastJsonLine(text);
    assert.match(out.verify, /OK$/);
    assert.deepEqual(out.codes, {
      good: "ok",
      missing: "FILE_MISSING",
      notPem: "NOT_PEM",
      encrypted: "KEY_ENCRYPTED",
      wrongPass: "KEY_PASSPHRASE_WRONG",
      rightPass: "ok",
      mismatch: "KEY_MISMATCH",
      bundle: "CA_BUNDLE",
      noCa: "CA_FILE_REQUIRED",
    });
    assert.deepEqual(out.leaf, {
      subject: "CN=localhost",
      keyType: "ECDSA P-256",
      ips: ["127.0.0.1"],
    });
    assert.ok(out.noCert.error, JSON.stringify(out.noCert));
    assert.ok(out.rogue.error, JSON.stringify(out.rogue));
    assert.deepEqual(out.good, { subject: "CN=dave", cn: "localhost" });
    assert.deepEqual(out.afterReload, { subject: "CN=dave", cn: "next" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
