import assert from "node:assert/strict";
import {
  parseCurrent,
  parseFormats,
  parseInfo,
  splitSections,
  summarize,
} from "../src/cameras/v4l2.ts";
import { FIXTURES } from "./cameras_helpers.ts";

const fixture = (name: string) => Deno.readTextFile(`${FIXTURES}${name}`);

Deno.test("v4l2 parseInfo - UVC capture node is a video capture device", async () => {
  const info = parseInfo(await fixture("uvc-capture-info.txt"));
  assert.equal(info.driver, "uvcvideo");
  assert.equal(info.card, "HD Pro Webcam C920");
  assert.equal(info.busInfo, "usb-0000:00:14.0-2");
  assert.deepEqual(info.deviceCaps, ["Video Capture", "Streaming", "Extended Pix Format"]);
  assert.equal(info.videoCapture, true);
});

Deno.test("v4l2 parseInfo - UVC metadata node is not video capture (driver caps ignored)", async () => {
  const info = parseInfo(await fixture("uvc-metadata-info.txt"));
  assert.equal(info.card, "HD Pro Webcam C920");
  assert.deepEqual(info.deviceCaps, ["Metadata Capture", "Streaming", "Extended Pix Format"]);
  assert.equal(info.videoCapture, false);
});

Deno.test("v4l2 parseInfo - without Device Caps falls back to Capabilities", () => {
  const text = "Driver Info:\n\tDriver name   : old\n\tCard type     : Old Cam\n" +
    "\tCapabilities  : 0x05000001\n\t\tVideo Capture\n\t\tStreaming\n";
  const info = parseInfo(text);
  assert.equal(info.card, "Old Cam");
  assert.equal(info.videoCapture, true);
});

Deno.test("v4l2 parseInfo - error text gives an empty, non-capture result", async () => {
  const info = parseInfo(await fixture("cannot-open.txt"));
  assert.equal(info.card, "");
  assert.equal(info.videoCapture, false);
});

Deno.test("v4l2 parseFormats - YUYV and MJPG with discrete sizes and rates", async () => {
  const formats = parseFormats(await fixture("uvc-capture-formats.txt"));
  assert.deepEqual(formats.map((f) => f.fourcc), ["YUYV", "MJPG"]);
  assert.equal(formats[0].description, "YUYV 4:2:2");
  assert.equal(formats[1].description, "Motion-JPEG, compressed");
  assert.deepEqual(
    formats[0].sizes.map((s) => `${s.width}x${s.height}`),
    ["640x480", "160x90", "1280x720", "1920x1080"],
  );
  assert.deepEqual(formats[0].sizes[0].fps, [30, 24, 20, 15, 10, 7.5, 5]);
  assert.deepEqual(formats[0].sizes[3].fps, [5]);
  assert.deepEqual(formats[1].sizes[2].fps[0], 30);
});

Deno.test("v4l2 parseFormats - metadata node lists no formats", async () => {
  assert.deepEqual(parseFormats(await fixture("uvc-metadata-formats.txt")), []);
});

Deno.test("v4l2 parseFormats - stepwise size and continuous interval", async () => {
  const [f] = parseFormats(await fixture("stepwise-formats.txt"));
  assert.equal(f.fourcc, "YU12");
  assert.deepEqual(f.sizes, [{ width: 1920, height: 1920, fps: [30, 1] }]);
});

Deno.test("v4l2 summarize - unique resolutions largest first, whole fps", async () => {
  const s = summarize(parseFormats(await fixture("uvc-capture-formats.txt")));
  assert.deepEqual(s.formats, ["YUYV", "MJPG"]);
  assert.deepEqual(s.resolutions, ["1920x1080", "1280x720", "640x480", "160x90"]);
  assert.deepEqual(s.fps_options, [30, 24, 20, 15, 10, 5]);
});

Deno.test("v4l2 parseCurrent - format and frame rate", async () => {
  const text = (await fixture("uvc-capture-fmt.txt")) + (await fixture("uvc-capture-parm.txt"));
  assert.deepEqual(parseCurrent(text), {
    width: 640,
    height: 480,
    fourcc: "YUYV",
    fps: 30,
  });
  assert.deepEqual(parseCurrent(""), {});
});

Deno.test("v4l2 parseInfo - a memory-to-memory codec node is not a camera", () => {
  const text = "Driver Info:\n\tDriver name      : bcm2835-codec\n" +
    "\tCard type        : bcm2835-codec-decode\n\tBus info         : platform:bcm2835-codec\n" +
    "\tDriver version   : 6.1.21\n\tCapabilities     : 0x84204000\n" +
    "\t\tVideo Memory-to-Memory Multiplanar\n\t\tStreaming\n\t\tExtended Pix Format\n" +
    "\t\tDevice Capabilities\n\tDevice Caps      : 0x04204000\n" +
    "\t\tVideo Memory-to-Memory Multiplanar\n\t\tStreaming\n\t\tExtended Pix Format\n";
  const info = parseInfo(text);
  assert.equal(info.card, "bcm2835-codec-decode");
  assert.deepEqual(info.deviceCaps, [
    "Video Memory-to-Memory Multiplanar",
    "Streaming",
    "Extended Pix Format",
  ]);
  assert.equal(info.videoCapture, false);
});

Deno.test("v4l2 splitSections - the combined run of a capture node splits into its four sections", async () => {
  const s = splitSections(await fixture("uvc-capture-probe.txt"));
  assert.equal(s.info, await fixture("uvc-capture-info.txt").then((t) => t.split("Media ")[0]));
  assert.equal(s.format, await fixture("uvc-capture-fmt.txt"));
  assert.equal(s.parm, await fixture("uvc-capture-parm.txt"));
  assert.equal(s.formats, await fixture("uvc-capture-formats.txt"));
  assert.deepEqual(s.failed, []);
  assert.equal(parseInfo(s.info!).card, "HD Pro Webcam C920");
  assert.deepEqual(parseFormats(s.formats!).map((f) => f.fourcc), ["YUYV", "MJPG"]);
  assert.deepEqual(parseCurrent(s.format! + s.parm!), {
    width: 640,
    height: 480,
    fourcc: "YUYV",
    fps: 30,
  });
});

Deno.test("v4l2 splitSections - a failed optional ioctl is reported and the other sections kept", async () => {
  const s = splitSections(await fixture("uvc-capture-noparm-probe.txt"));
  assert.deepEqual(s.failed, ["VIDIOC_G_PARM: failed: Inappropriate ioctl for device"]);
  assert.equal(s.parm, null);
  assert.equal(parseInfo(s.info!).videoCapture, true);
  assert.deepEqual(parseCurrent(s.format!), { width: 640, height: 480, fourcc: "YUYV" });
  assert.equal(parseFormats(s.formats!).length, 2);
});

Deno.test("v4l2 splitSections - metadata node: not capture, both get ioctls failed, no formats", async () => {
  const s = splitSections(await fixture("uvc-metadata-probe.txt"));
  assert.equal(parseInfo(s.info!).videoCapture, false);
  assert.deepEqual(s.failed, [
    "VIDIOC_G_FMT: failed: Invalid argument",
    "VIDIOC_G_PARM: failed: Inappropriate ioctl for device",
  ]);
  assert.equal(s.format, null);
  assert.deepEqual(parseFormats(s.formats!), []);
});

Deno.test("v4l2 splitSections - independent of section order, libv4l2 header, CRLF", async () => {
  const parts = ["formats", "parm", "info", "fmt"].map((p) => fixture(`uvc-capture-${p}.txt`));
  const text = (await Promise.all(parts)).join("")
    .replace("Driver Info:", "Driver Info (using libv4l2):").replaceAll("\n", "\r\n");
  const s = splitSections(text);
  assert.equal(parseInfo(s.info!).card, "HD Pro Webcam C920");
  assert.equal(parseInfo(s.info!).videoCapture, true);
  assert.equal(parseCurrent(s.format! + s.parm!).fps, 30);
  assert.equal(summarize(parseFormats(s.formats!)).resolutions[0], "1920x1080");
});

Deno.test("v4l2 splitSections - an open failure gives no sections", async () => {
  assert.deepEqual(splitSections(await fixture("cannot-open.txt")), {
    info: null,
    format: null,
    parm: null,
    formats: null,
    failed: [],
  });
});
