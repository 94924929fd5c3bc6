/**
 * The console's Cameras page in a real browser (headless Chromium) against a scripted JSON-RPC
 * peer (tests/support/console_fake_api.ts): live camera list from notifications, snapshot shown,
 * copy buttons, recording timer driven by notifications, role gating, live view (failure
 * message, and real HLS playback through hls.js). The real-service flow is console_e2e_test.ts.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { camera, FakeApi, files } from "./support/console_fake_api.ts";
import { consoleUiTest } from "./support/console_ui.ts";
import { haveTool } from "./support/rtsp.ts";

consoleUiTest("console ui - Cameras page", async (h, t) => {
  await h.step(
    t,
    "camera appears on notification; snapshot, copy, record timer",
    async ({ b, url, open }) => {
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
      // The timer runs: it leaves 0:00 (no upper bound: a loaded machine may tick late).
      await card.locator("time.timer").filter({ hasText: /^0:0[1-9]$/ }).waitFor();
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
      assert.equal(
        await card.getByRole("button", { name: "Take snapshot" }).isDisabled(),
        true,
      );
      await b.shot(page, "11-cameras-disconnected");
    },
  );
  await h.step(
    t,
    "a viewer gets no snapshot, record or delete controls",
    async ({ b, open }) => {
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
    },
  );
  await h.step(
    t,
    "live view explains when the HLS stream cannot be loaded",
    async ({ b, open }) => {
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
        await card.getByRole("button", { name: "Hide live view" }).getAttribute(
          "aria-expanded",
        ),
        "true",
      );
      await b.shot(p, "16-cameras-live-error");
      // Keyboard: the button toggles with Enter.
      await card.getByRole("button", { name: "Hide live view" }).focus();
      await p.keyboard.press("Enter");
      await card.getByRole("button", { name: "Live view" }).waitFor();
    },
  );
  await h.step(
    t,
    "live view plays an HLS stream (hls.js, fMP4 segments like MediaMTX)",
    async ({ b, open }) => {
      if (!haveTool("ffmpeg")) {
        console.error("SKIPPED: the HLS playback step needs ffmpeg");
        return;
      }
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
            headers: { "Access-Control-Allow-Origin": "*" }, // as MediaMTX (hlsAllowOrigins)
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
        assert.ok(
          served.includes("index.m3u8") && served.includes("init.mp4"),
          served.join(","),
        );
        await b.shot(page, "17-cameras-live-playing");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
});
