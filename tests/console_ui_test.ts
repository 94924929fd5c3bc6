/**
 * The console's behaviour in a real browser (headless Chromium) against a scripted JSON-RPC
 * peer (tests/support/console_fake_api.ts): live camera list from notifications, snapshot
 * shown, recording timer driven by notifications, copy buttons, paging, delete confirmation,
 * role gating, live-view failure message. The page is the embedded bundle served by
 * consoleRoutes(). The real-service flow is in console_browser_test.ts.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { consoleRoutes } from "../src/http/console.ts";
import { haveChromium, launchBrowser, type TestBrowser } from "./support/browser.ts";
import { camera, FakeApi, files } from "./support/console_fake_api.ts";
import { haveTool } from "./support/rtsp.ts";

const ignore = !haveChromium();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };

async function withConsole(
  fn: (
    ctx: {
      b: TestBrowser;
      url: string;
      open(api: FakeApi, token: string, hash?: string): Promise<Page>;
    },
  ) => Promise<void>,
) {
  const app = consoleRoutes({ tls: false, hlsOrigins: ["http://box.example:8888"] });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const b = await launchBrowser();
  try {
    await fn({
      b,
      url,
      open: async (api, token, hash = "") => {
        const page = await b.page();
        await api.attach(page);
        await page.goto(`${url}/${hash}`);
        await page.getByLabel("JWT or API key").fill(token);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByText(/^Role: /).waitFor();
        return page;
      },
    });
    assert.deepEqual(b.problems, [], "no CSP violations or page errors");
  } finally {
    await b.close();
    await server.shutdown();
  }
}

Deno.test(
  "console ui - camera appears on notification; snapshot, copy, record timer",
  opts,
  async () => {
    await withConsole(async ({ b, url, open }) => {
      await b.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
      const api = new FakeApi();
      const page = await open(api, "operator-token");
      await page.getByText("No cameras yet").waitFor();

      // camera0 appears from a notification alone (no polling: one get_camera_list).
      api.notify("camera_status_update", camera(0));
      const card = page.locator('article[data-device="camera0"]');
      await card.waitFor();
      assert.match(
        await card.innerText(),
        /USB Camera 0 \(camera0\)[\s\S]*CONNECTED[\s\S]*1280x720/,
      );
      assert.equal(await page.getByRole("status").innerText(), "USB Camera 0 is connected");
      assert.equal(api.calls.filter((c) => c.method === "get_camera_list").length, 1);

      // Stream URLs with copy buttons.
      await card.getByText("Stream URLs").click();
      await card.getByRole("button", { name: "Copy RTSP URL" }).click();
      await card.getByText("Copied").waitFor();
      assert.equal(
        await page.evaluate(() => navigator.clipboard.readText()),
        "rtsp://box.example:8554/camera0",
      );

      // Snapshot: the picture is shown from the signed URL.
      await card.getByRole("button", { name: "Take snapshot" }).click();
      const img = card.getByRole("img", { name: /Snapshot from USB Camera 0/ });
      await img.waitFor();
      await page.waitForFunction(() => {
        const i = document.querySelector<HTMLImageElement>(".snapshot img");
        return i !== null && i.complete && i.naturalWidth === 32;
      });
      assert.match(
        String(await img.getAttribute("src")),
        /^\/files\/snapshots\/camera0_.*\.jpg\?expires=/,
      );

      // Record with a duration: timer runs; the service's STOPPED notification ends it.
      await card.getByLabel("Duration (s, optional)").fill("30");
      await card.getByRole("button", { name: "Start recording" }).click();
      await card.getByText(/Recording 0:0\d of 0:30/).waitFor();
      assert.deepEqual(api.calls.find((c) => c.method === "start_recording")?.params, {
        device: "camera0",
        duration: 30,
      });
      await page.waitForTimeout(1200);
      assert.match(await card.locator("time.timer").innerText(), /^0:0[1-3]$/);
      await b.shot(page, "10-cameras-recording");
      api.recording.delete("camera0");
      api.notify("recording_status_update", {
        device: "camera0",
        status: "STOPPED",
        filename: "camera0_rec.mp4",
        duration: 2,
      });
      await card.getByText("Last recording: camera0_rec.mp4, 0:02").waitFor();
      await card.getByRole("button", { name: "Start recording" }).waitFor();

      // Stop through the button.
      await card.getByLabel("Duration (s, optional)").fill("");
      await card.getByRole("button", { name: "Start recording" }).click();
      await card.getByRole("button", { name: "Stop recording" }).click();
      await card.getByText(/Last recording: camera0_rec\.mp4, 0:0\d, 4\.0 KiB/).waitFor();

      // Disconnect from a notification: controls disabled.
      api.notify("camera_status_update", { ...camera(0, "DISCONNECTED") });
      await card.getByText("DISCONNECTED").waitFor();
      assert.equal(await card.getByRole("button", { name: "Take snapshot" }).isDisabled(), true);
      await b.shot(page, "11-cameras-disconnected");
    });
  },
);

Deno.test(
  "console ui - files paged newest first; preview; admin delete asks first",
  opts,
  async () => {
    await withConsole(async ({ b, open }) => {
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
      assert.equal(await link.getAttribute("href"), api.recordings[0].download_url);
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
    });
  },
);

Deno.test("console ui - a viewer gets no snapshot, record or delete controls", opts, async () => {
  await withConsole(async ({ b, open }) => {
    const api = new FakeApi();
    api.cameras = [camera(0), camera(1, "DISCONNECTED")];
    api.recordings = files("recordings", 2);
    const page = await open(api, "viewer-token");
    await page.locator('article[data-device="camera1"]').waitFor();
    assert.equal(await page.getByRole("button", { name: "Take snapshot" }).count(), 0);
    assert.equal(await page.getByRole("button", { name: /recording/i }).count(), 0);
    assert.equal(await page.getByLabel("Duration (s, optional)").count(), 0);
    assert.equal(await page.getByRole("button", { name: "Live view" }).count(), 2);
    await b.shot(page, "15-cameras-viewer");
    await page.getByRole("link", { name: "Files" }).click();
    await page.getByRole("button", { name: /^Preview / }).first().waitFor();
    assert.equal(await page.getByRole("button", { name: /^Delete / }).count(), 0);
    assert.equal(await page.getByRole("link", { name: /^Download / }).count(), 2);
  });
});

Deno.test(
  "console ui - live view explains when the HLS stream cannot be loaded",
  opts,
  async () => {
    await withConsole(async ({ b, open }) => {
      const api = new FakeApi();
      api.cameras = [camera(0)];
      let asked = "";
      const p = await open(api, "viewer-token");
      await p.route(/box\.example:8888/, (route) => {
        asked = route.request().url();
        return route.fulfill({ status: 404, body: "not found" });
      });
      const card = p.locator('article[data-device="camera0"]');
      await card.getByRole("button", { name: "Live view" }).click();
      await card.getByRole("alert").filter({ hasText: "Live view unavailable" }).waitFor({
        timeout: 15_000,
      });
      assert.equal(asked, "http://box.example:8888/camera0/index.m3u8");
      assert.equal(
        await card.getByRole("button", { name: "Hide live view" }).getAttribute("aria-expanded"),
        "true",
      );
      await b.shot(p, "16-cameras-live-error");
      // Keyboard: the button toggles with Enter.
      await card.getByRole("button", { name: "Hide live view" }).focus();
      await p.keyboard.press("Enter");
      await card.getByRole("button", { name: "Live view" }).waitFor();
    });
  },
);

Deno.test("console ui - live view plays an HLS stream (hls.js, fMP4 segments like MediaMTX)", {
  ...opts,
  ignore: ignore || !haveTool("ffmpeg"),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ff = new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "25",
        "-f",
        "hls",
        "-hls_time",
        "1",
        "-hls_list_size",
        "0",
        "-hls_segment_type",
        "fmp4",
        "-hls_playlist_type",
        "vod",
        `${dir}/index.m3u8`,
      ],
    });
    assert.equal((await ff.output()).code, 0, "ffmpeg made the HLS test stream");
    await withConsole(async ({ b, open }) => {
      const api = new FakeApi();
      api.cameras = [camera(0)];
      const page = await open(api, "viewer-token");
      const served: string[] = [];
      await page.route(/^http:\/\/box\.example:8888\/camera0\//, async (route) => {
        const name = new URL(route.request().url()).pathname.split("/").pop()!;
        served.push(name);
        const type = name.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp4";
        await route.fulfill({
          status: 200,
          contentType: type,
          body: Buffer.from(await Deno.readFile(`${dir}/${name}`)),
        });
      });
      const card = page.locator('article[data-device="camera0"]');
      await card.getByRole("button", { name: "Live view" }).click();
      await card.locator('.live[data-state="playing"]').waitFor({ timeout: 15_000 }).catch(
        async (e) => {
          throw new Error(
            `${e}\nserved: ${served}\ncard: ${await card.innerText()}\n${b.problems}`,
          );
        },
      );
      await page.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>(".live video");
          return v !== null && v.readyState >= 2 && v.videoWidth === 320;
        },
        undefined,
        { timeout: 15_000 },
      );
      assert.ok(served.includes("index.m3u8") && served.includes("init.mp4"), served.join(","));
      await b.shot(page, "17-cameras-live-playing");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "console ui - reconnects and re-authenticates; a -32001 answer ends the session",
  opts,
  async () => {
    await withConsole(async ({ b, open }) => {
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
    });
  },
);

Deno.test(
  "console ui - System: health, storage bar, retention form, certificate expiry",
  opts,
  async () => {
    await withConsole(async ({ b, open }) => {
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
      assert.match(await page.getByText(/^Expires/).innerText(), /\(in 42 days\); subject CN=box\.$/);
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
    });
  },
);
