/**
 * Hardening: TLS as a client sees it. Debian's `sslscan` against the running service's WSS and
 * health ports: only TLS 1.2+ offered, only the suites of src/tls/options.ts CIPHERS (no RC4,
 * 3DES, NULL, EXPORT, CBC, SHA-1 MACs). mTLS refusal paths under CERT_REQUIRED (no certificate,
 * an expired client certificate, one from another CA) and a valid one accepted. A certificate
 * file replaced with garbage while serving: the old certificate stays in service and
 * /health/ready reports the reload error; a valid new one is then served to new connections
 * while an open connection stays open.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import tls from "node:tls";
import { promisify } from "node:util";
import { issueCertificate } from "../src/tls/generate.ts";
import { CIPHERS } from "../src/tls/options.ts";
import { makeTestPki } from "./support/certs.ts";
import { Tally, until } from "./support/hardening_tally.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { missingTools } from "./support/rtsp.ts";
import { httpsGet, startTestService } from "./support/service.ts";

const tally = new Tally("tls");
const noSslscan = missingTools(["sslscan"], "hardening tls sslscan cases").length > 0;

interface Scan {
  protocols: Map<string, boolean>;
  ciphers: { version: string; name: string }[];
  heartbleed: boolean;
  insecureRenegotiation: boolean;
}

/** Run sslscan (async: the service under test lives in this process) and parse its XML. */
async function sslscan(port: number): Promise<Scan> {
  const { stdout } = await promisify(execFile)(
    "sslscan",
    ["--no-colour", "--xml=-", `127.0.0.1:${port}`],
    { timeout: 60_000 },
  );
  const protocols = new Map<string, boolean>();
  for (const m of stdout.matchAll(/<protocol type="(\w+)" version="([\d.]+)" enabled="(\d)"/g)) {
    protocols.set(`${m[1]}${m[2]}`, m[3] === "1");
  }
  const ciphers = [...stdout.matchAll(/<cipher [^>]*sslversion="([^"]+)"[^>]*cipher="([^"]+)"/g)]
    .map((m) => ({ version: m[1], name: m[2] }));
  return {
    protocols,
    ciphers,
    heartbleed: /<heartbleed [^>]*vulnerable="1"/.test(stdout),
    insecureRenegotiation: /<renegotiation supported="1" secure="0"/.test(stdout),
  };
}

const WEAK = /RC4|3DES|DES-CBC|NULL|EXP|MD5|anon|ADH|AECDH|PSK|SRP|CBC|-SHA$|^AES|^DHE?-|^CAMELLIA/;

function assertStrong(scan: Scan, label: string, minVersion: "1.2" | "1.3"): void {
  assert.ok(scan.protocols.size >= 6, `${label}: sslscan reported protocols`);
  for (const old of ["ssl2", "ssl3", "tls1.0", "tls1.1"]) {
    assert.equal(scan.protocols.get(old), false, `${label}: ${old} offered`);
  }
  assert.equal(scan.protocols.get("tls1.2"), minVersion === "1.2", `${label}: TLS 1.2`);
  assert.equal(scan.protocols.get("tls1.3"), true, `${label}: TLS 1.3 offered`);
  assert.ok(scan.ciphers.length > 0, `${label}: no cipher accepted at all?`);
  const allowed = new Set(CIPHERS.split(":"));
  for (const c of scan.ciphers) {
    assert.ok(allowed.has(c.name), `${label}: ${c.version} ${c.name} is not in CIPHERS`);
    assert.ok(!WEAK.test(c.name), `${label}: weak suite ${c.name}`);
  }
  assert.equal(scan.heartbleed, false);
  assert.equal(scan.insecureRenegotiation, false);
}

Deno.test({
  name: "hardening tls - sslscan: only TLS 1.2+ and the strong suites, on both ports",
  ignore: noSslscan,
  fn: async () => {
    const rsaPki = await makeTestPki({ keyType: "rsa-2048" });
    const ecdsa = await startTestService();
    const rsa = await startTestService((c) => {
      c.security.ssl = rsaPki.ssl();
    });
    // min_version TLSv1.3 drops TLS 1.2 altogether.
    const t13 = await startTestService((c, pki) => {
      c.security.ssl = pki.ssl({ min_version: "TLSv1.3" });
    });
    try {
      // The scans run at once (each takes seconds); the cases are judged afterwards.
      const [wss, health, wssRsa, wss13] = await Promise.all([
        sslscan(ecdsa.addr.ws_port),
        sslscan(ecdsa.addr.health_port),
        sslscan(rsa.addr.ws_port),
        sslscan(t13.addr.ws_port),
      ]);
      const names = (s: Scan) => s.ciphers.map((c) => `${c.version} ${c.name}`).join(", ");
      console.log(`sslscan ECDSA: ${names(wss)}\nsslscan RSA: ${names(wssRsa)}`);
      await tally.run(
        "sslscan wss port (ECDSA certificate)",
        () => assertStrong(wss, "wss", "1.2"),
      );
      await tally.run("sslscan health port (ECDSA certificate)", () => {
        assertStrong(health, "health", "1.2");
      });
      await tally.run("sslscan wss port (RSA certificate)", () => {
        assertStrong(wssRsa, "wss RSA", "1.2");
        assert.ok(wssRsa.ciphers.some((c) => c.name.startsWith("ECDHE-RSA-")), names(wssRsa));
      });
      await tally.run("sslscan wss port with min_version TLSv1.3", () => {
        assertStrong(wss13, "wss TLSv1.3", "1.3");
        assert.ok(wss13.ciphers.every((c) => c.version === "TLSv1.3"));
      });
    } finally {
      await Promise.all([ecdsa.stop(), rsa.stop(), t13.stop()]);
      await rsaPki.cleanup();
    }
  },
});

/**
 * TLS handshake to the port plus one HTTP request; resolves with the served certificate's
 * fingerprint and serial only when an HTTP answer came back (under TLS 1.3 a refused client
 * certificate shows only as a close after the handshake).
 */
function handshake(
  port: number,
  opts: tls.ConnectionOptions,
): Promise<{ fingerprint: string; serial: string }> {
  return new Promise((resolve, reject) => {
    let peer: tls.PeerCertificate | null = null;
    let body = "";
    const s = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ...opts }, () => {
      peer = s.getPeerCertificate();
      s.write("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    });
    s.on("data", (d) => (body += d));
    s.on("error", reject);
    s.on("close", () => {
      if (peer && body.startsWith("HTTP/1.1 ")) {
        resolve({ fingerprint: peer.fingerprint256, serial: peer.serialNumber });
      } else reject(new Error("connection closed without an HTTP answer"));
    });
  });
}

Deno.test("hardening tls - mTLS CERT_REQUIRED: none, expired, foreign CA refused; valid accepted", async () => {
  const t = await startTestService((c, pki) => {
    c.security.ssl = pki.ssl({ verify_mode: "CERT_REQUIRED", ca_file: pki.caFile });
  });
  try {
    const ca = await readFile(t.pki.caFile, "utf8");
    const day = 86_400_000;
    const expired = await issueCertificate({
      ca: t.pki.ca,
      kind: "client",
      commonName: "expired-client",
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const future = await issueCertificate({
      ca: t.pki.ca,
      kind: "client",
      commonName: "future-client",
      notBefore: new Date(Date.now() + day),
      notAfter: new Date(Date.now() + 10 * day),
    });
    const url = t.addr.ws_url.replace("localhost", "127.0.0.1");
    const refused: [string, { cert?: string; key?: string }][] = [
      ["no client certificate", {}],
      ["expired client certificate", { cert: expired.certPem, key: expired.keyPem }],
      ["not-yet-valid client certificate", { cert: future.certPem, key: future.keyPem }],
      ["client certificate from another CA", {
        cert: t.pki.rogueClient.certPem,
        key: t.pki.rogueClient.keyPem,
      }],
      ["the server certificate as client certificate (wrong key)", {
        cert: t.pki.server.certPem,
        key: t.pki.rogueClient.keyPem,
      }],
    ];
    for (const [label, cred] of refused) {
      await tally.run(`mTLS refused: ${label}`, async () => {
        await assert.rejects(RpcClient.connect(url, { ca, ...cred }), `${label} (wss)`);
        await assert.rejects(handshake(t.addr.health_port, { ca, ...cred }), `${label} (health)`);
      });
    }
    await tally.run("mTLS accepted: a valid client certificate", async () => {
      const ok = await RpcClient.connect(url, {
        ca,
        cert: t.pki.client.certPem,
        key: t.pki.client.keyPem,
      });
      assert.equal((await ok.call("ping")).result, "pong");
      await ok.close();
    });
    await tally.run("mTLS refusals counted in metrics", async () => {
      const m = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({
          host: "127.0.0.1",
          port: t.addr.health_port,
          ca,
          cert: t.pki.client.certPem,
          key: t.pki.client.keyPem,
          servername: "localhost",
        }, () => s.write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        let body = "";
        s.on("data", (d) => (body += d));
        s.on("end", () => resolve(body));
        s.on("error", reject);
      });
      assert.match(m, /camera_service_tls_handshake_failures_total\{[^}]*\} [1-9]/, m.slice(-2000));
    });
  } finally {
    await t.stop();
  }
});

Deno.test("hardening tls - certificate file replaced with garbage: old kept, then a new one served", async () => {
  const t = await startTestService((c, pki) => {
    c.security.ssl = pki.ssl({ watch: true });
  });
  try {
    const ca = await readFile(t.pki.caFile, "utf8");
    const url = t.addr.ws_url.replace("localhost", "127.0.0.1");
    const before = await handshake(t.addr.ws_port, { ca });
    const open = await RpcClient.connect(url, { ca });
    const readyTls = async () =>
      JSON.parse((await httpsGet(t.healthUrl("/health/ready"), ca)).body).checks.tls;

    await tally.run("garbage certificate: the old one stays in service", async () => {
      await writeFile(t.pki.serverCertFile, "-----BEGIN CERTIFICATE-----\ngarbage\n");
      await until("the reload error in /health/ready", async () => {
        return (await readyTls()).last_reload_error !== null;
      }, 10_000);
      const tlsHealth = await readyTls();
      assert.match(String(tlsHealth.last_reload_error), /\w/);
      const again = await handshake(t.addr.ws_port, { ca });
      assert.equal(again.fingerprint, before.fingerprint, "the old certificate is still served");
      const fresh = await RpcClient.connect(url, { ca });
      assert.equal((await fresh.call("ping")).result, "pong");
      await fresh.close();
      assert.equal((await open.call("ping")).result, "pong");
      assert.ok(
        t.logs.some((l) => l.level === "error" || l.level === "warn"),
        "reload failure logged",
      );
    });

    await tally.run("garbage key too: still the old certificate", async () => {
      await writeFile(t.pki.serverKeyFile, "not a key");
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await handshake(t.addr.ws_port, { ca })).fingerprint, before.fingerprint);
    });

    await tally.run(
      "a valid new certificate: served to new connections, open ones stay",
      async () => {
        const next = await issueCertificate({
          ca: t.pki.ca,
          kind: "server",
          commonName: "localhost",
          dnsNames: ["localhost"],
          ipAddresses: ["127.0.0.1"],
        });
        await writeFile(t.pki.serverKeyFile, next.keyPem);
        await writeFile(t.pki.serverCertFile, next.chainPem ?? next.certPem);
        let now = before;
        await until("the new certificate served", async () => {
          now = await handshake(t.addr.ws_port, { ca });
          return now.fingerprint !== before.fingerprint;
        }, 10_000);
        assert.notEqual(now.serial, before.serial);
        const health = await handshake(t.addr.health_port, { ca });
        assert.equal(health.fingerprint, now.fingerprint, "the health port swapped too");
        await until(
          "reload error cleared",
          async () => (await readyTls()).last_reload_error === null,
        );
        assert.equal((await open.call("ping")).result, "pong", "the open connection stays open");
      },
    );
    await open.close();
  } finally {
    await t.stop();
  }
});

Deno.test("hardening tls - SIGHUP reload (Service.reload) of a garbage certificate keeps the old one", async () => {
  const t = await startTestService();
  try {
    const ca = await readFile(t.pki.caFile, "utf8");
    const before = await handshake(t.addr.ws_port, { ca });
    await tally.run("reload on request with a garbage certificate and key", async () => {
      await writeFile(t.pki.serverCertFile, "garbage");
      await writeFile(t.pki.serverKeyFile, "-----BEGIN PRIVATE KEY-----\nAAAA\n");
      await t.service.reload(); // what the SIGHUP handler of `serve` calls
      const ready = JSON.parse((await httpsGet(t.healthUrl("/health/ready"), ca)).body);
      assert.match(String(ready.checks.tls.last_reload_error), /\w/, JSON.stringify(ready.checks));
      assert.equal((await handshake(t.addr.ws_port, { ca })).fingerprint, before.fingerprint);
      assert.equal((await handshake(t.addr.health_port, { ca })).fingerprint, before.fingerprint);
      assert.ok(t.logs.some((l) => l.msg === "certificate reload requested" && l.ok === false));
    });
  } finally {
    await t.stop();
  }
});

Deno.test("hardening tls - summary", () => tally.report());
