import assert from "node:assert/strict";
import https from "node:https";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { memoryLogger } from "../src/observability/log.ts";
import { issueCertificate } from "../src/tls/generate.ts";
import { loadTlsMaterial, type TlsMaterial } from "../src/tls/load.ts";
import { tlsServerOptions } from "../src/tls/options.ts";
import { CertificateReloader } from "../src/tls/reload.ts";
import { writeCertificateFiles } from "../src/tls/write.ts";
import { makeTestPki, type TestPki } from "./support/certs.ts";
import type { SslConfig } from "../src/config/types.ts";

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function renewed(pki: TestPki, commonName: string) {
  return issueCertificate({
    ca: pki.ca,
    kind: "server",
    commonName,
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
}

/** A reloader on `ssl` that records the material it applies and the outcome of each reload. */
async function recordingReloader(ssl: SslConfig, debounceMs = 50) {
  const { log, lines } = memoryLogger();
  const applied: TlsMaterial[] = [];
  const results: boolean[] = [];
  const r = new CertificateReloader({
    ssl,
    initial: await loadTlsMaterial(ssl),
    apply: (m) => applied.push(m),
    log,
    debounceMs,
    onReload: (res) => results.push(res.ok),
  });
  return { r, applied, results, lines };
}

Deno.test("reload - a changed file on disk is applied (watch), unchanged files are not", async () => {
  const pki = await makeTestPki();
  const { r, applied, lines } = await recordingReloader(pki.ssl({ watch: true }));
  try {
    await r.ready();
    assert.equal(r.status().lastReloadAt, null);
    const next = await renewed(pki, "second.localhost");
    await writeCertificateFiles(pki.dir, "server", next, { overwrite: true });
    await until(() => applied.length === 1, "apply");
    await r.ready();
    assert.equal(applied[0].leaf.subject, "CN=second.localhost");
    assert.equal(r.material.leaf.subject, "CN=second.localhost");
    const st = r.status();
    assert.equal(st.ok, true);
    assert.equal(st.current.subject, "CN=second.localhost");
    assert.ok(st.lastReloadAt instanceof Date && st.lastChangeAt instanceof Date);
    assert.ok(lines().some((l) => l.msg === "TLS certificate reloaded" && l.source === "watch"));
    // Same files again: nothing applied.
    const again = await r.reload("sighup");
    assert.deepEqual([again.ok, again.changed], [true, false]);
    assert.equal(applied.length, 1);
  } finally {
    await r.close();
    await pki.cleanup();
  }
});

Deno.test("reload - garbage keeps the old certificate, logs why, shows in status; a fix recovers", async () => {
  const pki = await makeTestPki();
  const { r, applied, results, lines } = await recordingReloader(pki.ssl({ watch: true }));
  try {
    await r.ready();
    const before = r.material.leaf.fingerprint256;
    writeFileSync(pki.serverCertFile, "garbage\n");
    await until(() => results.length >= 1, "failed reload");
    await r.ready();
    const st = r.status();
    assert.equal(st.ok, false);
    assert.match(st.lastError ?? "", /server\.crt .*is not PEM/);
    assert.equal(st.current.fingerprint256, before);
    assert.equal(applied.length, 0);
    const err = lines().find((l) => l.level === "error");
    assert.equal(err?.msg, "TLS reload failed; the previous certificate stays in service");
    assert.equal(err?.code, "NOT_PEM");
    // A certificate whose key is not written yet: still refused, still the old one.
    const next = await renewed(pki, "fixed.localhost");
    const res = await r.reload("sighup");
    assert.equal(res.ok, false);
    writeFileSync(pki.serverCertFile, next.chainPem!);
    const mismatch = await r.reload("sighup");
    assert.equal(mismatch.code, "KEY_MISMATCH");
    assert.equal(applied.length, 0);
    writeFileSync(pki.serverKeyFile, next.keyPem);
    const ok = await r.reload("sighup");
    assert.equal(ok.ok, true);
    assert.equal(applied.length, 1, "applied once (by this reload or the watcher's)");
    assert.equal(r.status().ok, true);
    assert.equal(r.status().lastError, null);
    assert.equal(applied.at(-1)?.leaf.subject, "CN=fixed.localhost");
  } finally {
    await r.close();
    await pki.cleanup();
  }
});

Deno.test("reload - certbot-style symlink swap to a new archive file is picked up", async () => {
  const pki = await makeTestPki();
  const live = join(pki.dir, "live");
  const archive = join(pki.dir, "archive");
  mkdirSync(live);
  mkdirSync(archive);
  writeFileSync(join(archive, "fullchain1.pem"), pki.server.chainPem!);
  writeFileSync(join(archive, "privkey1.pem"), pki.server.keyPem);
  symlinkSync("../archive/fullchain1.pem", join(live, "fullchain.pem"));
  symlinkSync("../archive/privkey1.pem", join(live, "privkey.pem"));
  const ssl = pki.ssl({
    cert_file: join(live, "fullchain.pem"),
    key_file: join(live, "privkey.pem"),
    watch: true,
  });
  const { r, applied } = await recordingReloader(ssl, 100);
  try {
    await r.ready();
    const next = await renewed(pki, "renewed.localhost");
    writeFileSync(join(archive, "fullchain2.pem"), next.chainPem!);
    writeFileSync(join(archive, "privkey2.pem"), next.keyPem);
    // certbot: new symlink under a temp name, renamed over the live one.
    for (const name of ["privkey", "fullchain"]) {
      symlinkSync(`../archive/${name}2.pem`, join(live, `${name}.tmp`));
      renameSync(join(live, `${name}.tmp`), join(live, `${name}.pem`));
    }
    await until(() => applied.some((m) => m.leaf.subject === "CN=renewed.localhost"), "swap");
    assert.equal(r.status().ok, true);
  } finally {
    await r.close();
    await pki.cleanup();
  }
});

Deno.test("reload - without watch, only reload() (SIGHUP) changes the certificate", async () => {
  const pki = await makeTestPki();
  const applied: TlsMaterial[] = [];
  const ssl = pki.ssl({ watch: false });
  const r = await CertificateReloader.start({
    ssl,
    apply: (m) => applied.push(m),
    log: memoryLogger().log,
    debounceMs: 20,
  });
  try {
    await writeCertificateFiles(pki.dir, "server", await renewed(pki, "manual"), {
      overwrite: true,
    });
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(applied.length, 0);
    const res = await r.reload("sighup");
    assert.deepEqual([res.ok, res.changed, res.current.subject], [true, true, "CN=manual"]);
  } finally {
    await r.close();
    await pki.cleanup();
  }
});

Deno.test("reload - a live https server swaps on file change, open connections stay", async () => {
  const pki = await makeTestPki();
  const ssl = pki.ssl({ watch: true });
  const initial = await loadTlsMaterial(ssl);
  const server = https.createServer(tlsServerOptions(initial, ssl), (_req, res) => res.end("ok"));
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const port = (server.address() as AddressInfo).port;
  let swaps = 0;
  const r = new CertificateReloader({
    ssl,
    initial,
    apply: (m) => {
      server.setSecureContext(tlsServerOptions(m, ssl));
      swaps++;
    },
    log: memoryLogger().log,
    debounceMs: 50,
  });
  const connect = () =>
    new Promise<tls.TLSSocket>((res, rej) => {
      const s = tls.connect({
        host: "127.0.0.1",
        port,
        ca: pki.ca.certPem,
        servername: "localhost",
      });
      s.once("secureConnect", () => res(s)).once("error", rej);
    });
  const roundTrip = (s: tls.TLSSocket) =>
    new Promise<string>((res, rej) => {
      let buf = "";
      const onData = (c: Buffer) => {
        buf += c.toString();
        if (buf.endsWith("ok")) {
          s.off("data", onData);
          res(buf);
        }
      };
      s.on("data", onData).once("error", rej);
      s.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
  const open = await connect();
  try {
    await r.ready();
    assert.match(await roundTrip(open), /200 OK/);
    await writeCertificateFiles(pki.dir, "server", await renewed(pki, "next.localhost"), {
      overwrite: true,
    });
    await until(() => swaps === 1, "setSecureContext");
    const fresh = await connect();
    assert.equal(fresh.getPeerCertificate().subject.CN, "next.localhost");
    fresh.destroy();
    assert.match(await roundTrip(open), /200 OK/, "the old connection still answers");
    assert.equal(open.getPeerCertificate().subject.CN, "localhost");
  } finally {
    open.destroy();
    await r.close();
    await new Promise<void>((res) => {
      server.closeAllConnections?.();
      server.close(() => res());
    });
    await pki.cleanup();
  }
});
