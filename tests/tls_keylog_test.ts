import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { memoryLogger } from "../src/observability/log.ts";
import { attachKeyLog } from "../src/tls/keylog.ts";
import { loadTlsMaterial } from "../src/tls/load.ts";
import { tlsServerOptions } from "../src/tls/options.ts";
import { makeTestPki } from "./support/certs.ts";
import { bundleForNode, lastJsonLine, SRC } from "./support/node_bundle.ts";

function checkKeyLog(text: string): void {
  for (const line of text.trim().split("\n")) {
    assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
  }
  assert.match(text, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET /m, "TLS 1.3 secrets");
  assert.match(text, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m, "TLS 1.2 master secret");
}

/** The same scenario as a standalone program (run by Deno here, by Node after bundling). */
function scenario(src: string): string {
  return `
import https from "node:https";
import { readFileSync } from "node:fs";
import { loadTlsMaterial } from "${src}/tls/load.ts";
import { tlsServerOptions } from "${src}/tls/options.ts";
import { attachKeyLog } from "${src}/tls/keylog.ts";
import { memoryLogger } from "${src}/observability/log.ts";
const [sslJson, file, ca] = process.argv.slice(2);
const ssl = JSON.parse(sslJson);
const server = https.createServer(tlsServerOptions(await loadTlsMaterial(ssl), ssl), (_q, r) => r.end("ok"));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const { log, lines } = memoryLogger();
const kl = attachKeyLog(server, file, log);
const get = (maxVersion) => new Promise((resolve, reject) => {
  https.get({ host: "127.0.0.1", port: server.address().port, ca: readFileSync(ca, "utf8"),
    servername: "localhost", agent: false, maxVersion }, (res) => { res.resume(); res.on("end", resolve); })
    .on("error", reject);
});
await get(undefined);
await get("TLSv1.2");
await kl.close();
server.close();
console.log(JSON.stringify({ lines: kl.lines(), log: lines() }));
`;
}

Deno.test("keylog - under Node (bundled like the executable): NSS lines for TLS 1.3 and 1.2, 0600", async () => {
  const pki = await makeTestPki();
  try {
    const bundle = bundleForNode(pki.dir, "keylog_entry", scenario(SRC));
    const file = join(pki.dir, "keys.log");
    const out = execFileSync("node", [bundle, JSON.stringify(pki.ssl()), file, pki.caFile], {
      encoding: "utf8",
    });
    const result = lastJsonLine(out);
    assert.ok(result.lines >= 2, out);
    assert.match(result.log[0].msg, /SSLKEYLOGFILE is set/);
    assert.equal(result.log.length, 1, "no 'runtime gave no key material' warning on Node");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    checkKeyLog(readFileSync(file, "utf8"));
  } finally {
    await pki.cleanup();
  }
});

Deno.test("keylog - under Deno: lines if the runtime gives them, else a warning says why", async () => {
  const pki = await makeTestPki();
  const ssl = pki.ssl();
  const server = https.createServer(
    tlsServerOptions(await loadTlsMaterial(ssl), ssl),
    (_q, r) => r.end("ok"),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const file = join(pki.dir, "keys.log");
  const { log, lines } = memoryLogger();
  const kl = attachKeyLog(server, file, log);
  try {
    assert.equal(lines()[0].level, "warn");
    assert.match(String(lines()[0].msg), /SSLKEYLOGFILE is set/);
    assert.equal(lines()[0].file, file);
    await new Promise<void>((resolve, reject) => {
      https.get(
        { host: "127.0.0.1", port, ca: pki.ca.certPem, servername: "localhost", agent: false },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      ).on("error", reject);
    });
  } finally {
    await kl.close();
    await new Promise<void>((r) => {
      server.closeAllConnections?.();
      server.close(() => r());
    });
  }
  if (kl.lines() > 0) {
    for (const line of readFileSync(file, "utf8").trim().split("\n")) {
      assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    }
  } else {
    assert.equal(lines().length, 2);
    assert.match(String(lines()[1].msg), /gave no TLS key material/);
  }
  await pki.cleanup();
});
