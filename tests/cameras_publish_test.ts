import assert from "node:assert/strict";
import { hostname } from "node:os";
import { ipPathConf, quoteArg, usbPathConf, usbPublishCommand } from "../src/cameras/publish.ts";
import { internalRtspUrl, publicHost, streamUrls } from "../src/cameras/streams.ts";
import { defaultConfig } from "../src/config/defaults.ts";

Deno.test("publish - USB on-demand path: ffmpeg V4L2 to H.264 baseline over RTSP", () => {
  const c = defaultConfig();
  assert.deepEqual(usbPathConf("/dev/video0", c), {
    source: "publisher",
    runOnDemand: "ffmpeg -hide_banner -loglevel error -f v4l2 -i /dev/video0 -c:v libx264 " +
      "-preset ultrafast -tune zerolatency -profile:v baseline -pix_fmt yuv420p -b:v 2M -g 25 " +
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
