import assert from "node:assert/strict";
import { formatDuration, normaliseDuration, parseDuration } from "../src/mediamtx/normalise.ts";
import { encodePathName, errorText } from "../src/mediamtx/client.ts";
import { expandVars, forceUdpPublisher, splitCommand } from "./support/sim_proc.ts";
import { parseStreamLine } from "./support/sim_media.ts";
import { listSegments, renderRecordPath } from "./support/sim_record.ts";
import { decodePathConf, pathNameProblem } from "./support/sim_conf.ts";
import { withTempDir } from "./support/temp.ts";

Deno.test("mediamtx durations - formatted like MediaMTX (Go + days, zero as empty)", () => {
  assert.equal(formatDuration(0), "");
  assert.equal(formatDuration(10), "10s");
  assert.equal(formatDuration(90), "1m30s");
  assert.equal(formatDuration(3600), "1h0m0s");
  assert.equal(formatDuration(86400), "1d");
  assert.equal(formatDuration(90000), "1d1h0m0s");
  assert.equal(formatDuration(0.5), "500ms");
  assert.equal(formatDuration(1.5), "1.5s");
});

Deno.test("mediamtx durations - parsed from Go syntax with a day prefix", () => {
  assert.equal(parseDuration("1d2h"), 93600);
  assert.equal(parseDuration("1h30m"), 5400);
  assert.equal(parseDuration("1.5s"), 1.5);
  assert.equal(parseDuration("250ms"), 0.25);
  assert.equal(parseDuration(""), 0);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("10"), null);
  assert.equal(parseDuration("abc"), null);
  assert.equal(parseDuration("1h junk"), null);
  assert.equal(normaliseDuration("1h"), "1h0m0s");
  assert.equal(normaliseDuration("0s"), "");
  assert.equal(normaliseDuration("24h"), "1d");
  assert.equal(normaliseDuration("nonsense"), "nonsense");
});

Deno.test("mediamtx client helpers - names keep '/', error bodies parsed defensively", () => {
  assert.equal(encodePathName("site 1/cam#2"), "site%201/cam%232");
  assert.equal(
    errorText('{"status":"error","error":"path already exists"}'),
    "path already exists",
  );
  assert.equal(errorText("404 page not found"), "404 page not found");
  assert.equal(errorText(""), "(empty body)");
  assert.equal(errorText('{"unexpected":true}'), '{"unexpected":true}');
});

Deno.test("mediamtx sim - hook commands split shell-style and expanded", () => {
  assert.deepEqual(splitCommand(`ffmpeg -i "a b" 'c d' e\\ f "" -x`), [
    "ffmpeg",
    "-i",
    "a b",
    "c d",
    "e f",
    "",
    "-x",
  ]);
  assert.throws(() => splitCommand(`bash -c "unterminated`));
  const vars = { MTX_PATH: "camera0", RTSP_PORT: "5545" };
  assert.equal(
    expandVars("rtsp://localhost:$RTSP_PORT/${MTX_PATH}$NO_SUCH_VAR_X", vars),
    "rtsp://localhost:5545/camera0",
  );
});

Deno.test("mediamtx sim - publishers are forced to RTSP over UDP (rtsp-server-perl)", () => {
  const out = "rtsp://localhost:5545/camera0";
  assert.deepEqual(forceUdpPublisher(["ffmpeg", "-i", "x", "-f", "rtsp", out]), [
    "ffmpeg",
    "-i",
    "x",
    "-f",
    "rtsp",
    "-rtsp_transport",
    "udp",
    out,
  ]);
  assert.deepEqual(
    forceUdpPublisher(["/usr/bin/ffmpeg", "-i", "x", "-rtsp_transport", "tcp", out]),
    ["/usr/bin/ffmpeg", "-i", "x", "-rtsp_transport", "udp", out],
  );
  // The input's transport is left alone; only the output gets udp.
  const tcpInput = ["ffmpeg", "-rtsp_transport", "tcp", "-i", "rtsp://cam/s", "-f", "rtsp"];
  assert.deepEqual(forceUdpPublisher([...tcpInput, out]), [
    ...tcpInput,
    "-rtsp_transport",
    "udp",
    out,
  ]);
  assert.deepEqual(forceUdpPublisher(["gst-launch-1.0", "x", out]), ["gst-launch-1.0", "x", out]);
});

Deno.test("mediamtx sim - ffmpeg stream lines become tracks2", () => {
  assert.deepEqual(
    parseStreamLine(
      "  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 640x480 [SAR 1:1]",
    ),
    { codec: "H264", codecProps: { width: 640, height: 480, profile: "Constrained Baseline" } },
  );
  assert.deepEqual(parseStreamLine("  Stream #0:1: Audio: aac (LC), 48000 Hz"), {
    codec: "MPEG-4 Audio",
  });
  assert.equal(parseStreamLine("Press [q] to stop"), null);
});

Deno.test("mediamtx sim - recordPath rendered and parsed back to segment starts", async () => {
  await withTempDir(async (root) => {
    const start = new Date(2026, 0, 2, 3, 4, 5, 250);
    const pattern = "./rec/%path/%Y-%m-%d_%H-%M-%S-%f";
    const file = renderRecordPath({ recordPath: pattern, root, name: "camera0", start });
    assert.equal(file, `${root}/rec/camera0/2026-01-02_03-04-05-250000`);
    await Deno.mkdir(`${root}/rec/camera0`, { recursive: true });
    await Deno.writeTextFile(file + ".mp4", "x");
    await Deno.writeTextFile(file + ".ts", "x");
    const segs = await listSegments({ recordPath: pattern, format: "fmp4", root, name: "camera0" });
    assert.equal(segs.length, 1, "only the extension of the record format");
    assert.equal(segs[0].startMs, start.getTime());
    assert.match(segs[0].start, /^2026-01-02T03:04:05\.25(Z|[+-]\d\d:\d\d)$/);

    const epoch = "%path/%s";
    const f2 = renderRecordPath({ recordPath: epoch, root, name: "camera1", start });
    await Deno.mkdir(`${root}/camera1`);
    await Deno.writeTextFile(f2 + ".ts", "x");
    const s2 = await listSegments({ recordPath: epoch, format: "mpegts", root, name: "camera1" });
    assert.equal(s2[0].startMs, Math.floor(start.getTime() / 1000) * 1000);
  });
});

Deno.test("mediamtx sim - request decoding and path names follow MediaMTX rules", () => {
  assert.deepEqual(decodePathConf('{"record":true,"readUser":null}'), { record: true });
  assert.throws(() => decodePathConf('{"record":"yes"}'), /cannot unmarshal/);
  assert.throws(() => decodePathConf('{"recordSegmentDuration":"soon"}'), /invalid duration/);
  assert.throws(() => decodePathConf("[1]"), /cannot unmarshal/);
  assert.throws(() => decodePathConf(""), /EOF/);
  assert.equal(pathNameProblem("site1/camera2"), null);
  assert.equal(pathNameProblem("~^cam(\\d+)$"), null);
  assert.notEqual(pathNameProblem("/camera0"), null);
  assert.notEqual(pathNameProblem("a/../b"), null);
  assert.notEqual(pathNameProblem("cam era"), null);
});
