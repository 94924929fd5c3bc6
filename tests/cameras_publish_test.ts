import assert from "node:assert/strict";
import { hostname } from "node:os";
import { join } from "node:path";
import {
  encoderArgs,
  ipPathConf,
  keyframeArgs,
  quoteArg,
  usbPathConf,
  usbPublishCommand,
} from "../src/cameras/publish.ts";
import { internalRtspUrl, publicHost, streamUrls } from "../src/cameras/streams.ts";
import { defaultConfig } from "../src/config/defaults.ts";
import { missingTools } from "./support/rtsp.ts";
import { splitCommand } from "./support/sim_proc.ts";

Deno.test("publish - USB on-demand path: ffmpeg V4L2 to H.264 baseline over RTSP", () => {
  const c = defaultConfig();
  assert.deepEqual(usbPathConf("/dev/video0", c), {
    source: "publisher",
    runOnDemand: "ffmpeg -hide_banner -loglevel error -f v4l2 -i /dev/video0 -c:v libx264 " +
      "-preset ultrafast -tune zerolatency -profile:v baseline -pix_fmt yuv420p -b:v 2M -g 25 " +
      "-force_key_frames 'expr:gte(t,n_forced*0.5)' " +
      "-an -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH",
    runOnDemandRestart: true,
  });
});

Deno.test("publish - runOnInit when on_demand is off; input format, size, rate and ffmpeg path", () => {
  const c = defaultConfig();
  c.camera.on_demand = false;
  c.ffmpeg.path = "/opt/ff mpeg/bin/ffmpeg";
  Object.assign(c.camera.encoder, {
    input_format: "mjpeg",
    video_size: "1280x720",
    framerate: 30,
    profile: "main",
    bitrate: "4M",
    gop: 30,
    keyframe_interval: 0,
  });
  const conf = usbPathConf("/dev/video2", c);
  assert.equal(conf.runOnDemand, undefined);
  assert.equal(conf.runOnInitRestart, true);
  assert.equal(
    conf.runOnInit,
    "'/opt/ff mpeg/bin/ffmpeg' -hide_banner -loglevel error -f v4l2 -input_format mjpeg " +
      "-video_size 1280x720 -framerate 30 -i /dev/video2 -c:v libx264 -preset ultrafast " +
      "-tune zerolatency -profile:v main -pix_fmt yuv420p -b:v 4M -g 30 -an -f rtsp " +
      "rtsp://localhost:$RTSP_PORT/$MTX_PATH",
  );
});

Deno.test("publish - codec copy skips encoder options; input override replaces the device", () => {
  const c = defaultConfig();
  c.camera.encoder.codec = "copy";
  c.camera.encoder.input_format = "h264";
  const cmd = usbPublishCommand("/dev/video0", c, {
    inputOverride: "-re -f lavfi -i testsrc=size=640x480:rate=25",
  });
  assert.equal(
    cmd,
    "ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=640x480:rate=25 " +
      "-c:v copy -an -f rtsp rtsp://localhost:$RTSP_PORT/$MTX_PATH",
  );
});

Deno.test("publish - keyframe_interval forces keyframes by time, 0 leaves only -g", () => {
  assert.deepEqual(keyframeArgs(0.5), ["-force_key_frames", "'expr:gte(t,n_forced*0.5)'"]);
  assert.deepEqual(keyframeArgs(2), ["-force_key_frames", "'expr:gte(t,n_forced*2)'"]);
  assert.deepEqual(keyframeArgs(0), []);
  const c = defaultConfig();
  c.camera.encoder.keyframe_interval = 1.5;
  const args = encoderArgs(c);
  const i = args.indexOf("-force_key_frames");
  assert.equal(args[i + 1], "'expr:gte(t,n_forced*1.5)'");
  assert.ok(i > args.indexOf("-c:v") && i < args.indexOf("-f"), "an output option");
  c.camera.encoder.codec = "copy";
  assert.ok(!encoderArgs(c).includes("-force_key_frames"), "copy re-encodes nothing");
});

Deno.test("publish - quoteArg leaves plain words and quotes the rest", () => {
  assert.equal(quoteArg("/dev/video0"), "/dev/video0");
  assert.equal(quoteArg("a b"), "'a b'");
  assert.equal(quoteArg("it's"), `'it'"'"'s'`);
  assert.equal(quoteArg(""), "''");
});

Deno.test("publish - IP camera pulls its source with the configured transport", () => {
  assert.deepEqual(
    ipPathConf({
      id: "camera10",
      name: "Gate",
      url: "rtsp://u:p@10.0.0.5/s",
      rtsp_transport: "udp",
      on_demand: true,
    }),
    { source: "rtsp://u:p@10.0.0.5/s", sourceOnDemand: true, rtspTransport: "udp" },
  );
});

Deno.test("streams - URLs use the public host, never localhost", () => {
  const c = defaultConfig();
  c.server.public_host = "cam-box.local";
  c.mediamtx.host = "127.0.0.1";
  assert.deepEqual(streamUrls("camera3", c), {
    rtsp: "rtsp://cam-box.local:8554/camera3",
    hls: "http://cam-box.local:8888/camera3/index.m3u8",
    webrtc: "http://cam-box.local:8889/camera3",
  });
  assert.equal(internalRtspUrl("camera3", c), "rtsp://127.0.0.1:8554/camera3");
  c.server.public_host = "";
  assert.equal(publicHost(c), hostname());
  assert.ok(!streamUrls("camera0", c).rtsp.includes("localhost") || hostname() === "localhost");
  c.server.public_host = "fd00::5";
  assert.equal(streamUrls("camera0", c).rtsp, "rtsp://[fd00::5]:8554/camera0");
});

Deno.test({
  name:
    "publish - the default command gives a keyframe every 0.5 s of a 25 fps stream (real ffmpeg)",
  ignore: missingTools(["ffmpeg", "ffprobe"], "publish keyframe test").length > 0,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const c = defaultConfig();
      const cmd = usbPublishCommand("/dev/video0", c, {
        inputOverride: "-f lavfi -i testsrc=size=160x120:rate=25 -t 3",
      });
      // Split as MediaMTX does, then write to a file instead of RTSP.
      const argv = splitCommand(cmd);
      const tail = argv.splice(argv.indexOf("rtsp") - 1);
      assert.deepEqual(tail, ["-f", "rtsp", "rtsp://localhost:$RTSP_PORT/$MTX_PATH"]);
      const file = join(dir, "out.ts");
      const enc = await new Deno.Command(argv[0], {
        args: [...argv.slice(1), "-f", "mpegts", file],
      })
        .output();
      assert.equal(enc.code, 0, new TextDecoder().decode(enc.stderr));
      const probe = await new Deno.Command("ffprobe", {
        args: ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"]
          .concat(["-of", "csv=p=0", file]),
      }).output();
      const keys = new TextDecoder().decode(probe.stdout).trim().split("\n")
        .map((l) => l.split(","))
        .filter(([, flags]) => flags?.startsWith("K"))
        .map(([t]) => Number(t));
      const first = keys[0];
      const gaps = keys.slice(1).map((t, i) => t - keys[i]);
      assert.ok(keys.length >= 6, `keyframes at ${keys.map((t) => (t - first).toFixed(2))}`);
      assert.ok(Math.max(...gaps) <= 0.52, `gaps ${gaps.map((g) => g.toFixed(2))}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
