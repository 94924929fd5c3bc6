import assert from "node:assert/strict";
import { keepaliveArgs, SNAPSHOT_INPUT_OPTIONS, snapshotArgs } from "../src/media/ffmpeg_args.ts";

const jpg = snapshotArgs({
  url: "rtsp://127.0.0.1:8554/camera0",
  output: "/snap/.tmp-1.jpg",
  format: "jpg",
  quality: 85,
  transport: "tcp",
});

/** The value following `flag` among the arguments before `-i` (input options), or undefined. */
function inputOption(args: string[], flag: string): string | undefined {
  const input = args.slice(0, args.indexOf("-i"));
  const i = input.indexOf(flag);
  return i < 0 ? undefined : input[i + 1];
}

Deno.test("snapshotArgs - fast-start input options come before -i (they apply to the input)", () => {
  assert.equal(inputOption(jpg, "-analyzeduration"), "0");
  assert.equal(inputOption(jpg, "-probesize"), "32");
  // No frame threading: a frame-threaded decoder holds the first frame back for threads-1 frames.
  assert.equal(inputOption(jpg, "-thread_type"), "slice");
  // Only the video track is SETUP.
  assert.equal(inputOption(jpg, "-allowed_media_types"), "video");
  assert.equal(inputOption(jpg, "-rtsp_transport"), "tcp");
  for (let i = 0; i < SNAPSHOT_INPUT_OPTIONS.length; i += 2) {
    assert.equal(inputOption(jpg, SNAPSHOT_INPUT_OPTIONS[i]), SNAPSHOT_INPUT_OPTIONS[i + 1]);
  }
});

Deno.test("snapshotArgs - one fresh frame from the live URL, decoded, at the mapped quality", () => {
  assert.equal(jpg[jpg.indexOf("-i") + 1], "rtsp://127.0.0.1:8554/camera0");
  assert.deepEqual(jpg.slice(jpg.indexOf("-frames:v"), jpg.indexOf("-frames:v") + 2), [
    "-frames:v",
    "1",
  ]);
  assert.equal(jpg.at(-1), "/snap/.tmp-1.jpg");
  // Frames are decoded, not skipped: no -skip_frame/-discard and no corrupt-frame output.
  for (const flag of ["-skip_frame", "-discard", "-flags2", "-ec"]) assert.ok(!jpg.includes(flag));
  assert.ok(!jpg.includes("-flags"), "no decoder flags (low_delay would drop reordering)");
  assert.deepEqual(jpg.slice(jpg.indexOf("-c:v"), jpg.indexOf("-c:v") + 4), [
    "-c:v",
    "mjpeg",
    "-q:v",
    "6", // quality 85 → qscale 6 (jpegQscale)
  ]);
});

Deno.test("snapshotArgs - png is lossless (no -q:v) with the same input options", () => {
  const png = snapshotArgs({
    url: "u",
    output: "o.png",
    format: "png",
    quality: 1,
    transport: "udp",
  });
  assert.ok(!png.includes("-q:v"));
  assert.deepEqual(png.slice(png.indexOf("-c:v"), png.indexOf("-c:v") + 2), ["-c:v", "png"]);
  assert.equal(inputOption(png, "-thread_type"), "slice");
  assert.equal(inputOption(png, "-rtsp_transport"), "udp");
});

Deno.test("keepaliveArgs - the keepalive reader copies every track and decodes nothing", () => {
  const k = keepaliveArgs("rtsp://h:1/camera0", "udp");
  assert.ok(!k.includes("-allowed_media_types") && !k.includes("-thread_type"));
  assert.deepEqual(k.slice(k.indexOf("-map")), ["-map", "0", "-c", "copy", "-f", "null", "-"]);
});
