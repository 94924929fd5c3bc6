/**
 * Recording end to end on the MediaMTX simulator (real RTSP server, real ffmpeg recorder):
 * a timed recording stops by itself and what it reports matches what ffprobe reads.
 */
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { MediaMtxClient } from "../src/mediamtx/client.ts";
import { FileService } from "../src/media/files.ts";
import { RecordingService, segmentStartMs } from "../src/media/recordings.ts";
import type { RecordingStatusEvent } from "../src/core/events.ts";
import { cameraStub, mediaConfig, recordingBus, sleep } from "./media_helpers.ts";
import { startMediaPlane } from "./support/mediamtx_sim.ts";
import { ffprobeVideo, missingTools, TEST_PATTERN_RUN_ON_INIT } from "./support/rtsp.ts";

const skip = missingTools(["ffmpeg", "ffprobe", "rtsp-server-perl"], "media recording e2e test")
  .length > 0;

const SECONDS = Number(Deno.env.get("MEDIA_E2E_SECONDS") ?? 5);

Deno.test({
  name: `recordings e2e - a ${SECONDS} s timed recording is H.264 of that length, figures agree`,
  ignore: skip,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const media = await startMediaPlane(root);
    const { rtsp, sim } = media;
    const client = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 3000 });
    const config = mediaConfig(root, (c) => {
      c.mediamtx.rtsp_port = rtsp.readPort;
      c.snapshots.rtsp_transport = "udp";
    });
    const { bus, seen } = recordingBus();
    const recordings = new RecordingService({
      config,
      cameras: cameraStub(),
      mediamtx: client,
      events: bus,
    });
    const files = new FileService({ config, recordings });
    try {
      await client.replacePathConfig("camera0", {
        runOnInit: TEST_PATTERN_RUN_ON_INIT,
        runOnInitRestart: true,
      });
      for (let i = 0; i < 100 && !(await client.getPath("camera0"))?.available; i++) {
        await sleep(200);
      }
      const started = await recordings.start("camera0", { duration: SECONDS });
      assert.ok(["RECORDING", "STARTING"].includes(started.status));
      let stopped: RecordingStatusEvent | undefined;
      for (let i = 0; i < (SECONDS + 15) * 20 && !stopped; i++) {
        await sleep(50);
        stopped = seen.map((e) => e.payload as RecordingStatusEvent).find((p) =>
          p.status === "STOPPED"
        );
      }
      assert.ok(stopped, "auto-stopped");
      assert.equal(stopped.reason, "duration");
      if (started.filename) assert.equal(stopped.filename, started.filename);
      assert.ok(stopped.filename, sim.mediaLog("camera0").join("\n"));
      const segment = stopped.filename.slice("camera0_".length);
      const file = `${files.root("recordings")}/camera0/${segment}`;
      const info = await files.recordingInfo(stopped.filename);
      assert.deepEqual(await ffprobeVideo(file), { codec: "h264", width: 640, height: 480 });
      const ms = info.duration_ms as number;
      // The deadline counts from the segment's start as MediaMTX names it (its first frame).
      // The simulator names a segment when its recorder process starts; its first frame comes
      // later (RTSP connect + probing) but not after the file is created (birthtime). So here:
      // (deadline - birthtime) - 0.5 s <= recorded <= requested + 0.5 s. On MediaMTX the gap is ~0.
      const named = segmentStartMs(segment)!;
      const born = (await stat(file)).birthtimeMs;
      const stopMs = named + SECONDS * 1000;
      console.log(
        `requested ${SECONDS} s; recorded ${ms} ms, ${info.file_size} bytes; simulator's ` +
          `segment file created ${Math.round(born - named)} ms after its named start`,
      );
      assert.ok(ms <= SECONDS * 1000 + 500, `duration ${ms} ms`);
      if (born > 0) assert.ok(ms >= stopMs - born - 500, `duration ${ms} ms`);
      assert.equal(info.duration, stopped.duration, "event and info report the same duration");
      assert.equal(info.codec, "h264");
      assert.equal(info.recording, false);
    } finally {
      await recordings.shutdown();
      await media.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
