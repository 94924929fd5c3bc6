/**
 * The console's Files and System pages and its session handling in a real browser (headless
 * Chromium) against a scripted JSON-RPC peer: paging newest first, preview, delete with
 * confirmation (admin), health/storage/retention/certificate, reconnection with
 * re-authentication, expiry on a -32001 answer, keyboard navigation, phone layout.
 */
import assert from "node:assert/strict";
import { FakeApi, files } from "./support/console_fake_api.ts";
import { consoleUiTest } from "./support/console_ui.ts";

consoleUiTest("console ui - Files, System, session", async (h, t) => {
  await h.step(
    t,
    "files paged newest first; preview; admin delete asks first",
    async ({ b, open }) => {
      const api = new FakeApi();
      api.recordings = files("recordings", 45);
      api.snapshots = files("snapshots", 3);
      const page = await open(api, "admin-token", "#/files");
      const caption = page.locator("table.files caption");
      await caption.waitFor();
      assert.match(await caption.innerText(), /newest first: 1–\s*20 of 45/);
      const first = await page.locator("tbody th").first().innerText();
      assert.equal(first, api.recordings[0].filename);
      await page.getByRole("button", { name: "Older" }).click();
      await page.getByText(/21–\s*40 of 45/).waitFor();
      await page.getByRole("button", { name: "Older" }).click();
      await page.getByText(/41–\s*45 of 45/).waitFor();
      assert.equal(await page.getByRole("button", { name: "Older" }).isDisabled(), true);
      assert.deepEqual(
        api.calls.filter((c) => c.method === "list_recordings").map((c) => c.params.offset),
        [0, 20, 40],
      );
      await page.getByRole("button", { name: "Newer" }).click();
      await page.getByRole("button", { name: "Newer" }).click();
      await page.getByText(/1–\s*20 of 45/).waitFor();
      const link = page.getByRole("link", { name: `Download ${api.recordings[0].filename}` });
      // The signed URL names the service's public address; the link stays on this origin.
      assert.equal(
        await link.getAttribute("href"),
        String(api.recordings[0].download_url).replace("https://box.example:8002", ""),
      );
      assert.equal(await link.getAttribute("download"), api.recordings[0].filename);
      await b.shot(page, "12-files-recordings");

      // Delete: Cancel keeps the file, Escape too; confirming deletes it and reloads.
      const doomed = String(api.recordings[0].filename);
      await page.getByRole("button", { name: `Delete ${doomed}` }).click();
      const dialog = page.getByRole("dialog", { name: "Delete this file?" });
      await dialog.waitFor();
      await b.shot(page, "13-files-delete-confirm");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.getByRole("button", { name: `Delete ${doomed}` }).click();
      // Escape only reaches an open dialog: pressed earlier (a loaded machine), it is lost.
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      assert.equal(api.calls.filter((c) => c.method === "delete_recording").length, 0);
      await page.getByRole("button", { name: `Delete ${doomed}` }).click();
      await dialog.getByRole("button", { name: "Delete" }).click();
      await page.getByText(/1–\s*20 of 44/).waitFor();
      assert.deepEqual(api.calls.find((c) => c.method === "delete_recording")?.params, {
        filename: doomed,
      });
      assert.equal(await page.getByRole("status").innerText(), `Deleted ${doomed}`);

      // Snapshots: preview in a dialog.
      await page.getByRole("button", { name: "Snapshots" }).click();
      await page.getByText(/Snapshots, newest first: 1–\s*3 of 3/).waitFor();
      const snap = String(api.snapshots[0].filename);
      await page.getByRole("button", { name: `Preview ${snap}` }).click();
      const preview = page.getByRole("dialog", { name: `Preview: ${snap}` });
      await preview.getByRole("img").waitFor();
      await b.shot(page, "14-files-preview");
      await preview.getByRole("button", { name: "Close" }).click();
      await preview.waitFor({ state: "hidden" });
    },
  );
  await h.step(
    t,
    "reconnects and re-authenticates; a -32001 answer ends the session",
    async ({ b, open }) => {
      const api = new FakeApi();
      api.recordings = files("recordings", 1);
      const page = await open(api, "operator-token", "#/files");
      await page.getByText(/1–\s*1 of 1/).waitFor();

      // The socket drops: the console reconnects, signs in again with the stored credential
      // and reloads the page's data.
      await api.drop();
      await page.waitForFunction(() =>
        document.querySelector(".conn")?.textContent === "Connected"
      );
      await page.waitForTimeout(300);
      const auths = api.calls.filter((c) => c.method === "authenticate");
      assert.equal(auths.length, 2);
      assert.equal(auths[1].params.auth_token, "operator-token");
      assert.ok(api.calls.filter((c) => c.method === "list_recordings").length >= 2);
      await page.getByText("Role: operator").waitFor();

      // Keyboard: Tab reaches the navigation; Enter follows it and focus moves to the page.
      await page.getByRole("link", { name: "Cameras" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Cameras", level: 2 }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), "main");

      // The service says the token expired: a clear message, the credential forgotten.
      api.expired = "token expired";
      await page.getByRole("link", { name: "Files" }).click();
      await page.getByRole("heading", { name: "Your session has expired" }).waitFor();
      assert.match(await page.getByRole("alert").first().innerText(), /token expired/);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      await page.getByRole("button", { name: "Back to sign-in" }).click();
      await page.getByLabel("JWT or API key").waitFor();

      // A phone screen: the files table becomes blocks, no horizontal scrolling.
      api.expired = null;
      api.recordings = files("recordings", 3);
      const phone = await b.page({ width: 390, height: 844 });
      await api.attach(phone);
      await phone.goto(page.url().replace(/#.*$/, "#/files"));
      await phone.getByLabel("JWT or API key").fill("admin-token");
      await phone.getByRole("button", { name: "Sign in" }).click();
      await phone.getByRole("button", { name: /^Delete / }).first().waitFor();
      const overflow = await phone.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.ok(overflow <= 0, `no horizontal scroll (overflow ${overflow}px)`);
      await b.shot(phone, "18-files-phone");
    },
  );
  await h.step(
    t,
    "System: health, storage bar, retention form, certificate expiry",
    async ({ b, open }) => {
      const api = new FakeApi();
      api.status = {
        ...api.status,
        tls: {
          not_after: "2027-01-10T00:00:00Z",
          days_left: 42,
          subject: "CN=box",
          warning: false,
        },
      };
      const page = await open(api, "admin-token", "#/system");
      const row = (k: string) => page.locator(`tr[data-component="${k}"]`);
      await row("mediamtx").waitFor();
      assert.match(await row("mediamtx").innerText(), /MediaMTX\s+UNHEALTHY/);
      assert.match(await row("camera_monitor").innerText(), /Camera monitor\s+HEALTHY/);
      await page.getByText("Uptime").waitFor();
      assert.match(await page.locator("table.kv").first().innerText(), /Uptime\s+1:02:05/);
      assert.match(
        await page.getByText(/^Expires/).innerText(),
        /\(in 42 days\); subject CN=box\.$/,
      );
      const meter = page.getByRole("meter");
      await meter.waitFor();
      assert.equal(await meter.getAttribute("value"), "85");
      assert.equal(await meter.getAttribute("low"), "80");
      await page.getByText("Low disk space (above 80%).").waitFor();
      await page.getByText("85.0 GiB used of 100.0 GiB, 15.0 GiB free.").waitFor();
      assert.ok(api.calls.some((c) => c.method === "get_status"), "admins use get_status");

      await page.getByLabel("Policy", { exact: true }).selectOption("size");
      await page.getByLabel("Maximum size (GB)").fill("50");
      await page.getByLabel("Automatic cleanup enabled").uncheck();
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByText("saved size").waitFor();
      assert.deepEqual(api.calls.find((c) => c.method === "set_retention_policy")?.params, {
        policy_type: "size",
        enabled: false,
        max_size_gb: 50,
      });
      await b.shot(page, "19-system-admin-fake");

      // An operator: get_system_status (viewer method), no storage or retention.
      delete api.status.tls;
      const op = await open(api, "operator-token", "#/system");
      await op.locator('tr[data-component="mediamtx"]').waitFor();
      assert.ok(api.calls.some((c) => c.method === "get_system_status"));
      await op.getByText("The API does not report the certificate expiry.", { exact: false })
        .waitFor();
      assert.equal(await op.getByRole("meter").count(), 0);
      assert.equal(await op.getByRole("button", { name: "Save policy" }).count(), 0);
    },
  );
});
