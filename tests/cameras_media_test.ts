/** Real media: ffprobe discovery and the keepalive reader against rtsp-server-perl + ffmpeg. */
import assert from "node:assert/strict";
import { ffprobeProbe } from "../src/cameras/external.ts";
import { StreamKeepalive } from "../src/cameras/keepalive.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { missingTools, publishTestPattern, startRtspServer } from "./support/rtsp.ts";
import { alive, waitFor } from "./cameras_helpers.ts";

const skip = missingTools(["ffmpeg", "ffprobe", "rtsp-server-perl"], "cameras media tests").length >
  0;

Deno.test({
  name: "media - ffprobe finds a real H.264 stream; keepalive reader holds it until stopped",
  ignore: skip,
  async fn() {
    const server = await startRtspServer();
    const pub = publishTestPattern(server.publishPort, "cam");
    const url = `rtsp://127.0.0.1:${server.readPort}/cam`;
    const { log, lines } = memoryLogger();
    const keepalive = new StreamKeepalive({
      ffmpegPath: "ffmpeg",
      keepaliveSec: 30,
      urlFor: () => url,
      rtspTransport: "udp",
      log,
    });
    try {
      let found = await ffprobeProbe("ffprobe")(url, 8);
      for (let i = 0; !found.ok && i < 10; i++) {
        await new Promise((r) => setTimeout(r, 300)); // the publisher may not be up yet
        found = await ffprobeProbe("ffprobe")(url, 8);
      }
      assert.equal(found.ok, true, found.error);
      assert.deepEqual(found.capabilities, { codec: "h264", width: 640, height: 480, fps: 25 });

      const { session } = await keepalive.start("cam");
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(alive(session.pid!), "the reader keeps reading");
      assert.ok(!lines().some((l) => String(l.msg).includes("exited early")), "reader stayed up");
      await keepalive.stop("cam");
      await waitFor(() => !alive(session.pid!), 3000, "reader gone");
    } finally {
      await keepalive.stopAll();
      await pub.stop();
      await server.close();
    }
  },
});
