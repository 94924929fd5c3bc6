import assert from "node:assert/strict";
import { memoryLogger } from "../src/observability/log.ts";
import { expiryStatus, ExpiryWarner } from "../src/tls/expiry.ts";
import type { CertInfo } from "../src/tls/inspect.ts";
import { createCA } from "../src/tls/generate.ts";
import { inspectCertificate } from "../src/tls/load.ts";

const DAY = 86_400_000;
const T0 = new Date("2027-01-01T00:00:00Z");

function cert(notAfter: Date, fingerprint = "AA"): CertInfo {
  return {
    subject: "CN=box",
    issuer: "CN=CA",
    serialNumber: "01",
    dnsNames: [],
    ipAddresses: [],
    notBefore: new Date(notAfter.getTime() - 365 * DAY),
    notAfter,
    daysLeft: 0,
    fingerprint256: fingerprint,
    keyType: "ECDSA P-256",
    isCA: false,
    selfSigned: false,
  };
}

Deno.test("expiry - status by days left", () => {
  const at = (days: number) => expiryStatus(cert(new Date(T0.getTime() + days * DAY)), T0);
  assert.deepEqual(at(90), {
    not_after: new Date(T0.getTime() + 90 * DAY).toISOString(),
    days_left: 90,
    status: "healthy",
    warning: null,
  });
  assert.equal(at(31).warning, null);
  const w30 = at(30);
  assert.equal(w30.status, "healthy");
  assert.match(w30.warning!, /CN=box expires in 30 days .*renew it/);
  assert.equal(at(8).status, "healthy");
  assert.equal(at(7).status, "degraded");
  assert.match(at(1).warning!, /expires in 1 day \(/);
  const gone = expiryStatus(cert(new Date(T0.getTime() - 1000)), T0);
  assert.equal(gone.status, "unhealthy");
  assert.equal(gone.days_left, -1);
  assert.match(gone.warning!, /expired on .*renew it/);
});

Deno.test("expiry - a real certificate's status", async () => {
  const ca = await createCA({ commonName: "Soon", days: 5 });
  const [info] = inspectCertificate(ca.certPem);
  const st = expiryStatus(info);
  assert.equal(st.status, "degraded");
  assert.equal(st.days_left, 4); // 5 days minus the few seconds already gone
});

Deno.test("expiry - warner logs once per threshold crossing, resets for a new certificate", () => {
  const { log, lines } = memoryLogger();
  let now = T0;
  let current = cert(new Date(T0.getTime() + 45 * DAY), "OLD");
  const w = new ExpiryWarner({ current: () => current, log, now: () => now, intervalMs: 60_000 });
  try {
    assert.equal(lines().length, 0, "45 days left: quiet");
    const step = (days: number) => {
      now = new Date(now.getTime() + days * DAY);
      w.check();
      w.check(); // a second check at the same time never repeats a warning
    };
    step(15); // 30 left
    assert.equal(lines().length, 1);
    assert.equal(lines()[0].level, "warn");
    assert.equal(lines()[0].threshold_days, 30);
    step(10); // 20 left
    assert.equal(lines().length, 1);
    step(13); // 7 left
    assert.equal(lines().length, 2);
    assert.equal(lines()[1].threshold_days, 7);
    step(6); // 1 left
    assert.equal(lines()[2].level, "error");
    assert.equal(lines()[2].threshold_days, 1);
    step(2); // expired
    assert.equal(lines().length, 4);
    assert.match(String(lines()[3].msg), /expired on/);
    step(1);
    assert.equal(lines().length, 4);
    // Renewed (reload): a fresh certificate is quiet, and its own thresholds warn again later.
    current = cert(new Date(now.getTime() + 90 * DAY), "NEW");
    assert.equal(w.check().status, "healthy");
    assert.equal(lines().length, 4);
    step(85);
    assert.equal(lines().length, 5);
    assert.equal(lines()[4].threshold_days, 7);
  } finally {
    w.close();
  }
});

Deno.test("expiry - warner checks at start and on its timer", async () => {
  const { log, lines } = memoryLogger();
  let current = cert(new Date(Date.now() + 100 * DAY), "X");
  const w = new ExpiryWarner({ current: () => current, log, intervalMs: 20 });
  try {
    assert.equal(lines().length, 0);
    current = cert(new Date(Date.now() + 3 * DAY), "Y");
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(lines().length, 1, "the timer checked and warned once");
    assert.equal(lines()[0].threshold_days, 7);
  } finally {
    w.close();
  }
  const started = memoryLogger();
  const w2 = new ExpiryWarner({
    current: () => cert(new Date(Date.now() - DAY), "Z"),
    log: started.log,
  });
  w2.close();
  assert.equal(started.lines()[0].level, "error", "an expired certificate is reported at start");
});
