import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { jpegQscale, rtspUrl, snapshotArgs } from "../src/media/ffmpeg_args.ts";
import { imageSizeFromBytes } from "../src/media/image_size.ts";
import {
  contentTypeOf,
  formatFromName,
  numberedName,
  splitRecordingName,
  withImageExtension,
} from "../src/media/names.ts";
import { isNotFound, lastLine, runProcess, ToolMissingError } from "../src/util/process.ts";
import { UrlSigner } from "../src/media/signing.ts";
import { recordFormatOf, segmentStartMs } from "../src/media/recordings.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { alive, sleep } from "./media_helpers.ts";
import { withTempDir } from "./support/temp.ts";

Deno.test("jpegQscale - maps quality 1..100 onto ffmpeg -q:v 31..2", () => {
  assert.equal(jpegQscale(100), 2);
  assert.equal(jpegQscale(1), 31);
  assert.equal(jpegQscale(50), 17);
  // monotonic: better quality never gives a larger (worse) qscale
  for (let q = 2; q <= 100; q++) assert.ok(jpegQscale(q) <= jpegQscale(q - 1));
  assert.equal(jpegQscale(500), 2);
  assert.equal(jpegQscale(-3), 31);
  const args = snapshotArgs({
    url: "rtsp://h:1/camera0",
    output: "/tmp/x.jpg",
    format: "jpg",
    quality: 100,
    transport: "udp",
  });
  assert.deepEqual(args.slice(args.indexOf("-q:v"), args.indexOf("-q:v") + 2), ["-q:v", "2"]);
  assert.ok(args.join(" ").includes("-rtsp_transport udp -analyzeduration 0 -probesize 32"));
  const png = snapshotArgs({
    url: "u",
    output: "o.png",
    format: "png",
    quality: 1,
    transport: "tcp",
  });
  assert.ok(!png.includes("-q:v") && png.includes("png"));
});

Deno.test("rtspUrl - loopback for wildcard hosts, IPv6 bracketed", () => {
  assert.equal(rtspUrl("0.0.0.0", 8554, "camera0"), "rtsp://127.0.0.1:8554/camera0");
  assert.equal(rtspUrl("::1", 8554, "camera1"), "rtsp://[::1]:8554/camera1");
  assert.equal(rtspUrl("mtx", 9, "camera2"), "rtsp://mtx:9/camera2");
});

Deno.test("runProcess - exit code and bounded output", async () => {
  const r = await runProcess("sh", ["-c", "echo hi; echo err >&2; exit 3"], { timeoutMs: 5000 });
  assert.equal(r.code, 3);
  assert.equal(r.stdout, "hi\n");
  assert.equal(r.stderr, "err\n");
  assert.equal(r.timedOut, false);
  const big = await runProcess("sh", ["-c", "head -c 300000 /dev/zero | tr '\\0' a"], {
    timeoutMs: 5000,
    maxOutputBytes: 1000,
  });
  assert.equal(big.stdout.length, 1000);
  // A big chunk followed by a small one: the tail still holds the last 1000 bytes.
  const split = await runProcess(
    "sh",
    ["-c", "head -c 70000 /dev/zero | tr '\\0' a; sleep 0.2; printf bbbbbbbbbb"],
    { timeoutMs: 5000, maxOutputBytes: 1000 },
  );
  assert.equal(split.stdout.length, 1000);
  assert.ok(split.stdout.endsWith("a".repeat(990) + "b".repeat(10)));
});

Deno.test("runProcess - timeout kills the child and its children", async () => {
  await withTempDir(async (dir) => {
    const pids = join(dir, "pids");
    const started = Date.now();
    const r = await runProcess(
      "sh",
      ["-c", `sleep 100 & echo $! > ${pids}; sleep 100 & echo $! >> ${pids}; wait`],
      { timeoutMs: 400, killGraceMs: 300 },
    );
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - started < 5000);
    const list = (await readFile(pids, "utf8")).trim().split("\n").map(Number);
    assert.equal(list.length, 2);
    await sleep(50);
    for (const pid of list) assert.equal(alive(pid), false, `grandchild ${pid} still alive`);
  });
});

Deno.test("runProcess - SIGTERM-ignoring child is SIGKILLed after the grace time", async () => {
  await withTempDir(async (dir) => {
    const script = join(dir, "stubborn.sh");
    await writeFile(script, "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.1; done\n");
    await chmod(script, 0o755);
    const r = await runProcess(script, [], { timeoutMs: 200, killGraceMs: 200 });
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, "SIGKILL");
  });
});

Deno.test("runProcess - abort signal ends the process", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await runProcess("sleep", ["30"], { timeoutMs: 10_000, signal: ac.signal });
  assert.equal(r.aborted, true);
  assert.equal(r.timedOut, false);
});

Deno.test("runProcess - missing executable is a typed error", async () => {
  await assert.rejects(
    runProcess("/nonexistent/ffmpeg", ["-version"], { timeoutMs: 1000 }),
    (e: unknown) =>
      e instanceof ToolMissingError && e.message === "ffmpeg not found at /nonexistent/ffmpeg",
  );
});

Deno.test("runProcess - ENOENT counts as not found, EACCES as missing but not 'not found'", async () => {
  const missing = await runProcess("/nonexistent/v4l2-ctl", [], { timeoutMs: 1000 }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(missing instanceof ToolMissingError);
  assert.equal(missing.code, "ENOENT");
  assert.equal(isNotFound(missing), true);
  const dir = await Deno.makeTempDir();
  try {
    const plain = join(dir, "ffprobe");
    await writeFile(plain, "#!/bin/sh\necho hi\n"); // not executable
    const denied = await runProcess(plain, [], { timeoutMs: 1000 }).then(() => null, (e) => e);
    assert.ok(denied instanceof ToolMissingError);
    assert.equal(denied.code, "EACCES");
    assert.equal(denied.message, `ffprobe at ${plain} may not be executed`);
    assert.equal(isNotFound(denied), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lastLine - last non-empty trimmed line, cut at 200 characters", () => {
  assert.equal(lastLine("first\n  second  \n\n"), "second");
  assert.equal(lastLine(""), "");
  assert.equal(lastLine("x".repeat(250)), "x".repeat(200) + "…");
});

Deno.test("imageSizeFromBytes - PNG IHDR and JPEG SOF", () => {
  const png = new Uint8Array(33);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(png.buffer).setUint32(16, 640);
  new DataView(png.buffer).setUint32(20, 480);
  assert.deepEqual(imageSizeFromBytes(png), { width: 640, height: 480, type: "png" });
  // SOI, APP0 (len 4), DQT (len 3), SOF0: len 11, precision 8, height 0x01E0, width 0x0280
  const jpg = Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    4,
    1,
    2,
    0xff,
    0xdb,
    0,
    3,
    9,
    0xff,
    0xc0,
    0,
    11,
    8,
    0x01,
    0xe0,
    0x02,
    0x80,
    3,
    1,
    0x22,
    0,
  ]);
  assert.deepEqual(imageSizeFromBytes(jpg), { width: 640, height: 480, type: "jpeg" });
  assert.equal(imageSizeFromBytes(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2])), null);
  assert.equal(imageSizeFromBytes(new TextEncoder().encode("not an image at all")), null);
});

Deno.test("names - extensions, numbering, recording names, content types", () => {
  assert.equal(withImageExtension("pic", "jpg"), "pic.jpg");
  assert.equal(withImageExtension("pic.PNG", "jpg"), "pic.jpg");
  assert.equal(withImageExtension("pic.jpeg", "png"), "pic.png");
  assert.equal(formatFromName("a.JPEG"), "jpg");
  assert.equal(formatFromName("a.png"), "png");
  assert.equal(formatFromName("a.gif"), undefined);
  assert.equal(numberedName("a.jpg", 0), "a.jpg");
  assert.equal(numberedName("a.jpg", 2), "a_2.jpg");
  assert.equal(numberedName("noext", 1), "noext_1");
  assert.deepEqual(splitRecordingName("camera0_2026-01-01_00-00-00-000001.mp4"), [
    "camera0",
    "2026-01-01_00-00-00-000001.mp4",
  ]);
  for (const bad of ["nounderscore.mp4", "_x.mp4", "camera0_", "../camera0_x", "camera0_..x"]) {
    assert.equal(splitRecordingName(bad), null, bad);
  }
  assert.equal(contentTypeOf("a.mp4"), "video/mp4");
  assert.equal(contentTypeOf("a.ts"), "video/mp2t");
  assert.equal(contentTypeOf("a.JPG"), "image/jpeg");
  assert.equal(contentTypeOf("a.png"), "image/png");
  assert.equal(contentTypeOf("a.bin"), "application/octet-stream");
});

Deno.test("recordFormatOf - fmp4/mp4/mpegts, mkv unsupported, others invalid", () => {
  assert.equal(recordFormatOf(undefined, "mpegts"), "mpegts");
  assert.equal(recordFormatOf("mp4", "mpegts"), "fmp4");
  assert.equal(recordFormatOf("fmp4", "mpegts"), "fmp4");
  assert.equal(recordFormatOf("mpegts", "fmp4"), "mpegts");
  assert.throws(
    () => recordFormatOf("mkv", "fmp4"),
    (e: unknown) => (e as RpcError).code === -32030,
  );
  assert.throws(
    () => recordFormatOf("avi", "fmp4"),
    (e: unknown) => (e as RpcError).code === -32602,
  );
});

Deno.test("segmentStartMs - parses MediaMTX segment names in local time", () => {
  const t = segmentStartMs("2026-03-04_05-06-07-123456.mp4");
  assert.equal(t, new Date(2026, 2, 4, 5, 6, 7, 123).getTime() + 0.456);
  assert.equal(segmentStartMs("x.mp4"), null);
});

Deno.test("UrlSigner - valid, tampered, other name/kind, expired", () => {
  let now = 1_800_000_000_000;
  const s = new UrlSigner({ secret: "k", ttlSeconds: 60, now: () => now });
  const url = new URL(s.sign("snapshots", "a b.jpg"), "https://x");
  assert.equal(url.pathname, "/files/snapshots/a%20b.jpg");
  const exp = url.searchParams.get("expires")!, sig = url.searchParams.get("sig")!;
  assert.equal(Number(exp), 1_800_000_060);
  assert.equal(s.verify("snapshots", "a b.jpg", exp, sig), "ok");
  assert.equal(s.verify("recordings", "a b.jpg", exp, sig), "bad");
  assert.equal(s.verify("snapshots", "b.jpg", exp, sig), "bad");
  assert.equal(s.verify("snapshots", "a b.jpg", String(Number(exp) + 1), sig), "bad");
  assert.equal(s.verify("snapshots", "a b.jpg", exp, sig.slice(0, -1) + "A"), "bad");
  assert.equal(s.verify("snapshots", "a b.jpg", undefined, sig), "bad");
  const other = new UrlSigner({ secret: "other", ttlSeconds: 60, now: () => now });
  assert.equal(other.verify("snapshots", "a b.jpg", exp, sig), "bad");
  now += 61_000;
  assert.equal(s.verify("snapshots", "a b.jpg", exp, sig), "expired");
  const abs = new UrlSigner({ secret: "k", ttlSeconds: 5, baseUrl: "https://box:8002/" });
  assert.ok(abs.sign("recordings", "r.mp4").startsWith("https://box:8002/files/recordings/r.mp4?"));
});
