/**
 * The console end to end in headless Chromium against the real service, the MediaMTX
 * simulator and a real RTSP server: sign in, camera0 appears when its device file appears,
 * snapshot shown, recording started and stopped and found in Files, downloaded; a viewer sees
 * no operator controls. Screenshots in tests/screenshots/. Skipped loudly without Chromium,
 * ffmpeg or rtsp-server-perl.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { fakeV4l2 } from "./cameras_helpers.ts";
import { haveChromium, launchBrowser } from "./support/browser.ts";
import { startMediaPlane } from "./support/mediamtx_sim.ts";
import { ffprobeVideo, missingTools } from "./support/rtsp.ts";
import { startTestService } from "./support/service.ts";

const ignore = !haveChromium() ||
  missingTools(["ffmpeg", "ffprobe", "rtsp-server-perl"], "console end-to-end test").length > 0;

/**
 * An ffmpeg stand-in: a V4L2 input (`-f v4l2 ... -i /dev/videoN`) becomes a 640x480 test
 * pattern; everything else (snapshots, probes) is the real ffmpeg.
 */
const FFMPEG_WRAPPER = `#!/bin/bash
out=(); v4l2=""
while [ $# -gt 0 ]; do
  case "$1" in
    -f) if [ "$2" = "v4l2" ]; then v4l2=1; shift 2; continue; fi;;
    -input_format|-video_size|-framerate) if [ -n "$v4l2" ]; then shift 2; continue; fi;;
    -i) if [ -n "$v4l2" ]; then
          out+=(-re -f lavfi -i testsrc=size=640x480:rate=25); v4l2=""; shift 2; continue
        fi;;
  esac
  out+=("$1"); shift
done
exec ffmpeg "\${out[@]}"
`;

/** Total size of the files under `dir` (recursively), or 0. */
async function recordedBytes(dir: string): Promise<number> {
  let total = 0;
  try {
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
    }
  } catch { /* not created yet */ }
  return total;
}

/** Resolves when `f()` is truthy; rejects after `ms`. */
async function waitFor(what: string, f: () => Promise<unknown>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function signIn(page: Page, url: string, credential: string, hash = "") {
  await page.goto(`${url}/${hash}`);
  await page.getByText("Connected", { exact: true }).waitFor();
  await page.getByLabel("JWT or API key").fill(credential);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(/^Role: /).waitFor();
}

Deno.test({
  name: "console e2e - camera appears, snapshot, record, Files, download, viewer controls",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const root = await mkdtemp(join(tmpdir(), "console-e2e-"));
    await fakeV4l2(root);
    await writeFile(join(root, "ffmpeg"), FFMPEG_WRAPPER, { mode: 0o755 });
    const media = await startMediaPlane(root);
    const { rtsp, sim } = media;
    const t = await startTestService((c) => {
      c.mediamtx.host = "127.0.0.1";
      c.mediamtx.api_port = sim.port;
      c.mediamtx.rtsp_port = rtsp.readPort;
      c.camera.v4l2ctl_path = join(root, "v4l2-ctl");
      c.camera.sysfs_dir = join(root, "sys");
      c.camera.on_demand = false;
      c.ffmpeg.path = join(root, "ffmpeg");
      c.snapshots.rtsp_transport = "udp"; // rtsp-server-perl relays UDP only
    });
    // The service itself serves the console on its WSS port (same origin as /ws and /files).
    const consoleUrl = `https://127.0.0.1:${t.addr.ws_port}`;
    const b = await launchBrowser({ trust: [t.pki.server.certPem] });
    try {
      const page = await b.page();
      await signIn(page, consoleUrl, await t.token("admin"));
      await page.getByText("No cameras yet").waitFor();

      // The device file appears: camera0 shows up by itself (notification, no reload).
      await Deno.writeTextFile(join(t.config.camera.device_dir, "video0"), "capture");
      const card = page.locator('article[data-device="camera0"]');
      await card.getByText("CONNECTED", { exact: true }).waitFor({ timeout: 15_000 });
      assert.match(await card.innerText(), /\d+x\d+/);
      await card.getByText("Stream URLs").click();
      assert.equal(
        await card.getByLabel("RTSP URL", { exact: true }).inputValue(),
        `rtsp://box.example:${rtsp.readPort}/camera0`,
      );
      await b.shot(page, "20-e2e-camera0");

      // Snapshot: the picture is shown (fetched with the signed URL).
      await card.getByRole("button", { name: "Take snapshot" }).click();
      await card.locator(".snapshot img, .error").first().waitFor({ timeout: 30_000 });
      assert.equal(await card.locator(".error").count(), 0, await card.innerText());
      await page.waitForFunction(
        () => {
          const i = document.querySelector<HTMLImageElement>(".snapshot img");
          return i !== null && i.complete && i.naturalWidth === 640;
        },
        undefined,
        { timeout: 10_000 },
      );
      await b.shot(page, "21-e2e-snapshot");

      // Record for a few seconds, timer running, then stop.
      await card.getByRole("button", { name: "Start recording" }).click();
      await card.locator("time.timer, .error").first().waitFor({ timeout: 20_000 });
      assert.equal(await card.locator(".error").count(), 0, await card.innerText());
      // MediaMTX (the simulator) writes segments: wait until there are bytes on disk (slow on
      // a loaded machine), and at least 3 s of timer.
      await waitFor("recorded bytes on disk", () => recordedBytes(t.config.recording.directory));
      await page.waitForFunction(() =>
        /^0:0[3-9]|^0:[1-5]\d/.test(document.querySelector("time.timer")?.textContent ?? "")
      );
      await b.shot(page, "22-e2e-recording");
      await card.getByRole("button", { name: "Stop recording" }).click();
      const saved = card.locator(".saved");
      await saved.waitFor({ timeout: 20_000 });
      const filename = /Last recording: (\S+?),/.exec(await saved.innerText())?.[1];
      assert.ok(filename, `a recording file name in "${await saved.innerText()}"`);

      // Files: the recording is listed; download it through its signed link.
      await page.getByRole("link", { name: "Files" }).click();
      const link = page.getByRole("link", { name: `Download ${filename}` });
      await link.waitFor();
      await b.shot(page, "23-e2e-files");
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      assert.equal(download.suggestedFilename(), filename);
      assert.equal(await download.failure(), null);
      const saveTo = join(root, "downloaded.mp4");
      await download.saveAs(saveTo);
      assert.ok((await stat(saveTo)).size > 1000, "the download has the recording's bytes");
      const probed = await ffprobeVideo(saveTo);
      assert.ok(
        probed && probed.width === 640,
        `a playable 640-wide video (${JSON.stringify(probed)})`,
      );
      // Preview: the recording plays in the browser (fMP4 through the signed URL, ranges).
      await page.getByRole("button", { name: `Preview ${filename}` }).click();
      await page.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>("dialog video");
          return v !== null && v.readyState >= 1 && v.videoWidth === 640;
        },
        undefined,
        { timeout: 15_000 },
      );
      await b.shot(page, "25-e2e-recording-preview");
      await page.keyboard.press("Escape");
      const snaps = page.getByRole("button", { name: "Snapshots" });
      await snaps.click();
      await page.getByRole("button", { name: /^Preview / }).first().click();
      await page.getByRole("dialog").getByRole("img").waitFor();
      await page.keyboard.press("Escape");

      // A viewer: the camera with its live view and URLs, but no operator controls.
      const viewer = await b.page();
      await signIn(viewer, consoleUrl, await t.token("viewer"));
      const vcard = viewer.locator('article[data-device="camera0"]');
      await vcard.getByText("CONNECTED", { exact: true }).waitFor();
      assert.equal(await vcard.getByRole("button", { name: "Take snapshot" }).count(), 0);
      assert.equal(await vcard.getByRole("button", { name: /recording/i }).count(), 0);
      assert.equal(await vcard.getByRole("button", { name: "Live view" }).count(), 1);
      await viewer.getByRole("link", { name: "Files" }).click();
      await viewer.getByRole("link", { name: `Download ${filename}` }).waitFor();
      assert.equal(await viewer.getByRole("button", { name: /^Delete / }).count(), 0);
      await b.shot(viewer, "24-e2e-viewer-files");

      assert.deepEqual(b.problems, [], "no CSP violations or page errors");
    } finally {
      await b.close();
      await t.stop();
      await media.close();
      await rm(root, { recursive: true, force: true });
    }
  },
});
