/**
 * The web console in a real browser (headless Chromium + playwright-core) against the real
 * service: sign-in, roles, session expiry, System page, phone layout. Screenshots of each page
 * go to tests/screenshots/. Skipped (loudly) when /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { haveChromium, launchBrowser } from "./support/browser.ts";
import { startTestService } from "./support/service.ts";

const ignore = !haveChromium();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };

/** Sign in through the form with `credential`. */
export async function signIn(page: Page, credential: string): Promise<void> {
  await page.getByLabel("JWT or API key").fill(credential);
  await page.getByRole("button", { name: "Sign in" }).click();
}

Deno.test(
  "console browser - sign-in, admin System page, reload, session expiry, viewer",
  opts,
  async () => {
    const t = await startTestService();
    // The service itself serves the console on its WSS port (same origin as /ws and /files).
    const consoleUrl = `https://127.0.0.1:${t.addr.ws_port}`;
    const b = await launchBrowser({ trust: [t.pki.server.certPem] });
    try {
      const page = await b.page();
      const index = await page.goto(`${consoleUrl}/`);
      const headers = index?.headers() ?? {};
      assert.match(headers["content-security-policy"] ?? "", /script-src 'self'/);
      assert.equal(headers["x-frame-options"], "DENY");
      assert.equal(headers["strict-transport-security"], "max-age=31536000", "TLS is on");
      assert.match(
        headers["content-security-policy"] ?? "",
        /connect-src 'self' http:\/\/box\.example:8888 https:\/\/box\.example:8888;/,
        "MediaMTX's HLS origin from the config (public_host, hls_port)",
      );
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByText("Connected", { exact: true }).waitFor();
      await b.shot(page, "01-signin");

      // A wrong credential: a clear error, still on the sign-in page.
      await signIn(page, "not-a-token");
      await page.getByRole("alert").filter({ hasText: "Sign-in failed" }).waitFor();
      await b.shot(page, "02-signin-error");

      // Admin: the app with its navigation; the credential only in sessionStorage.
      const admin = await t.token("admin");
      await signIn(page, admin);
      await page.getByText("Role: admin").waitFor();
      await page.getByRole("heading", { name: "Cameras", level: 2 }).waitFor();
      assert.ok(!page.url().includes(admin), "the token is never in the URL");
      const stored = await page.evaluate(() => ({
        session: Object.values(sessionStorage),
        local: Object.keys(localStorage).length,
      }));
      assert.deepEqual(stored, { session: [admin], local: 0 });

      await page.getByRole("link", { name: "System" }).click();
      await page.getByRole("heading", { name: "System", level: 2 }).waitFor();
      const mediamtxRow = page.locator('tr[data-component="mediamtx"]');
      await mediamtxRow.waitFor();
      assert.match(await mediamtxRow.innerText(), /MediaMTX\s+(DEGRADED|UNHEALTHY)/);
      await page.getByRole("heading", { name: "Retention policy" }).waitFor();
      await page.getByRole("heading", { name: "Storage" }).waitFor();
      await b.shot(page, "03-system-admin");

      // The retention form saves through set_retention_policy and shows the service's message.
      await page.getByLabel("Policy", { exact: true }).selectOption("age");
      await page.getByLabel("Maximum age (days)").fill("14");
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByText(/retention policy saved: deletes files older than 14 days/).waitFor();

      // A reload keeps the session (sessionStorage), on the same page.
      await page.reload();
      await page.getByText("Role: admin").waitFor();
      await page.getByRole("heading", { name: "System", level: 2 }).waitFor();

      // Sign out forgets the credential.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);

      // Expiry: a 3-second operator token ends with a clear message and a way back.
      const short = await b.page();
      await short.goto(`${consoleUrl}/#/system`);
      await short.getByText("Connected", { exact: true }).waitFor();
      await signIn(short, await t.token("operator", 3));
      await short.getByText("Role: operator").waitFor();
      await short.getByRole("heading", { name: "Your session has expired" }).waitFor({
        timeout: 10_000,
      });
      assert.match(await short.getByRole("alert").first().innerText(), /token expired/);
      assert.equal(await short.evaluate(() => sessionStorage.length), 0);
      await b.shot(short, "04-session-expired");
      await short.getByRole("button", { name: "Back to sign-in" }).click();
      await short.getByRole("heading", { name: "Sign in" }).waitFor();

      // Viewer: no admin panels on System.
      const viewer = await b.page();
      await viewer.goto(`${consoleUrl}/#/system`);
      await viewer.getByText("Connected", { exact: true }).waitFor();
      await signIn(viewer, await t.token("viewer"));
      await viewer.getByText("Role: viewer").waitFor();
      await viewer.locator('tr[data-component="mediamtx"]').waitFor();
      assert.equal(await viewer.getByRole("heading", { name: "Retention policy" }).count(), 0);
      assert.equal(await viewer.getByRole("heading", { name: "Storage" }).count(), 0);
      await b.shot(viewer, "05-system-viewer");

      // Phone screen: no horizontal scrolling.
      const phone = await b.page({ width: 390, height: 844 });
      await phone.goto(`${consoleUrl}/#/system`);
      await phone.getByText("Connected", { exact: true }).waitFor();
      await signIn(phone, admin);
      await phone.getByRole("heading", { name: "Retention policy" }).waitFor();
      const overflow = await phone.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.ok(overflow <= 0, `no horizontal scroll on a phone (overflow ${overflow}px)`);
      await b.shot(phone, "06-system-phone");

      assert.deepEqual(b.problems, [], "no CSP violations or page errors");
    } finally {
      await b.close();
      await t.stop();
    }
  },
);
