/** A real node:https server on tlsServerOptions: mTLS modes, reading the client subject, swap. */
import assert from "node:assert/strict";
import https from "node:https";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import type { SslConfig } from "../src/config/types.ts";
import { type GeneratedCertificate, issueCertificate } from "../src/tls/generate.ts";
import { loadTlsMaterial } from "../src/tls/load.ts";
import { clientCertSubject, tlsServerOptions } from "../src/tls/options.ts";
import { makeTestPki, type TestPki } from "./support/certs.ts";

interface Running {
  server: https.Server;
  port: number;
  close(): Promise<void>;
}

async function serve(ssl: SslConfig): Promise<Running> {
  const material = await loadTlsMaterial(ssl);
  const server = https.createServer(tlsServerOptions(material, ssl), (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({
      authorized: socket.authorized,
      subject: clientCertSubject(socket),
      cn: (socket.getCertificate() as tls.PeerCertificate | null)?.subject?.CN ?? null,
    }));
  });
  // A refused handshake must not crash anything: swallow per-connection TLS errors.
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

interface Reply {
  ok: boolean;
  body?: { authorized: boolean; subject: string | null; cn: string | null };
  error?: string;
}

/** Request options trusting the test CA and presenting client certificate `who`. */
function presenting(pki: TestPki, who: GeneratedCertificate): https.RequestOptions {
  return { ca: pki.ca.certPem, cert: who.certPem, key: who.keyPem };
}

function get(port: number, tlsOpts: https.RequestOptions): Promise<Reply> {
  return new Promise((resolve) => {
    const req = https.request(
      { host: "127.0.0.1", port, path: "/", agent: false, servername: "localhost", ...tlsOpts },
      (res) => {
        let data = "";
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve({ ok: true, body: JSON.parse(data) }));
        res.on("error", (e) => resolve({ ok: false, error: e.message }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error("timeout")), 5000);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e) => resolve({ ok: false, error: e.message }));
    req.end();
  });
}

Deno.test("tls server - CERT_REQUIRED refuses no cert and a rogue CA, accepts a good client", async () => {
  const pki = await makeTestPki({ clientName: "alice" });
  const srv = await serve(pki.ssl({ verify_mode: "CERT_REQUIRED" }));
  try {
    const none = await get(srv.port, { ca: pki.ca.certPem });
    assert.equal(none.ok, false, JSON.stringify(none));
    const rogue = await get(srv.port, presenting(pki, pki.rogueClient));
    assert.equal(rogue.ok, false, JSON.stringify(rogue));
    const good = await get(srv.port, presenting(pki, pki.client));
    assert.equal(good.ok, true, good.error);
    assert.equal(good.body?.authorized, true);
    assert.equal(good.body?.subject, "CN=alice");
  } finally {
    await srv.close();
    await pki.cleanup();
  }
});

Deno.test("tls server - CERT_OPTIONAL lets everyone in, socket.authorized tells who verified", async () => {
  const pki = await makeTestPki({ clientName: "bob" });
  const srv = await serve(pki.ssl({ verify_mode: "CERT_OPTIONAL" }));
  try {
    const none = await get(srv.port, { ca: pki.ca.certPem });
    assert.equal(none.ok, true, none.error);
    assert.equal(none.body?.authorized, false);
    assert.equal(none.body?.subject, null);
    const rogue = await get(srv.port, presenting(pki, pki.rogueClient));
    assert.equal(rogue.ok, true, rogue.error);
    assert.equal(rogue.body?.authorized, false);
    assert.equal(rogue.body?.subject, null, "an unverified certificate gives no identity");
    const good = await get(srv.port, presenting(pki, pki.client));
    assert.equal(good.body?.authorized, true);
    assert.equal(good.body?.subject, "CN=bob");
  } finally {
    await srv.close();
    await pki.cleanup();
  }
});

Deno.test("tls server - CERT_NONE serves clients that trust the CA, refuses those that don't", async () => {
  const pki = await makeTestPki();
  const srv = await serve(pki.ssl({ verify_mode: "CERT_NONE", ca_file: "" }));
  try {
    const r = await get(srv.port, { ca: pki.ca.certPem });
    assert.equal(r.ok, true, r.error);
    // (Deno reports socket.authorized = true here even though no certificate was asked for:
    // clientCertSubject also requires a peer certificate, so no identity is made up.)
    assert.equal(r.body?.subject, null);
    const untrusted = await get(srv.port, {});
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.error ?? "", /certificate|issuer/i);
  } finally {
    await srv.close();
    await pki.cleanup();
  }
});

Deno.test("tls server - options carry the policy", async () => {
  const pki = await makeTestPki();
  try {
    const m = await loadTlsMaterial(pki.ssl({ verify_mode: "CERT_REQUIRED" }));
    const o = tlsServerOptions(m, pki.ssl({ verify_mode: "CERT_REQUIRED" }));
    assert.deepEqual([o.requestCert, o.rejectUnauthorized, o.minVersion], [true, true, "TLSv1.2"]);
    assert.equal(o.ca, pki.ca.certPem);
    const opt = tlsServerOptions(m, pki.ssl({ verify_mode: "CERT_OPTIONAL" }));
    assert.deepEqual([opt.requestCert, opt.rejectUnauthorized], [true, false]);
    const none = tlsServerOptions(m, pki.ssl({ verify_mode: "CERT_NONE", min_version: "TLSv1.3" }));
    assert.deepEqual([none.requestCert, none.rejectUnauthorized, none.ca], [
      false,
      false,
      undefined,
    ]);
    assert.equal(none.minVersion, "TLSv1.3");
    for (const c of o.ciphers.split(":")) {
      assert.match(c, /^TLS_|^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    }
    assert.equal(o.honorCipherOrder, true);
  } finally {
    await pki.cleanup();
  }
});

Deno.test("tls server - min_version TLSv1.3 refuses a TLS 1.2 client", async () => {
  const pki = await makeTestPki();
  const srv = await serve(pki.ssl({ min_version: "TLSv1.3" }));
  try {
    const old = await get(srv.port, { ca: pki.ca.certPem, maxVersion: "TLSv1.2" });
    assert.equal(old.ok, false);
    const v13 = await get(srv.port, { ca: pki.ca.certPem });
    assert.equal(v13.ok, true, v13.error);
  } finally {
    await srv.close();
    await pki.cleanup();
  }
});

/** Sends one HTTP/1.1 request on an open TLS socket and reads one JSON response body. */
function ask(sock: tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (c: Buffer) => {
      buf += c.toString();
      const m = buf.match(/content-length: (\d+)\r\n/i);
      const start = buf.indexOf("\r\n\r\n") + 4;
      if (m && start >= 4 && buf.length - start >= Number(m[1])) {
        sock.off("data", onData);
        resolve(buf.slice(start, start + Number(m[1])));
      }
    };
    sock.on("data", onData);
    sock.once("error", reject);
    sock.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
  });
}

Deno.test("tls server - setSecureContext swaps the certificate, open connections stay", async () => {
  const pki = await makeTestPki();
  const srv = await serve(pki.ssl());
  try {
    const sock = tls.connect({
      host: "127.0.0.1",
      port: srv.port,
      ca: pki.ca.certPem,
      servername: "localhost",
    });
    await new Promise<void>((r, j) => sock.once("secureConnect", r).once("error", j));
    assert.equal(sock.getPeerCertificate().subject.CN, "localhost");
    const before = await ask(sock);
    assert.equal(JSON.parse(before).cn, "localhost");

    const renewed = await issueCertificate({
      ca: pki.ca,
      kind: "server",
      commonName: "renewed.localhost",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    const ssl = pki.ssl();
    srv.server.setSecureContext(
      tlsServerOptions({
        ...(await loadTlsMaterial(ssl)),
        cert: renewed.certPem,
        key: renewed.keyPem,
      }, ssl),
    );
    // A new handshake gets the new certificate.
    const fresh = await get(srv.port, { ca: pki.ca.certPem });
    assert.equal(fresh.body?.cn, "renewed.localhost");
    // The connection opened before the swap still works, on its old session.
    const after = await ask(sock);
    assert.equal(JSON.parse(after).cn, "localhost");
    assert.equal(sock.getPeerCertificate().subject.CN, "localhost");
    sock.destroy();
  } finally {
    await srv.close();
    await pki.cleanup();
  }
});
