import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { MediaMtxClient } from "../src/mediamtx/client.ts";
import type { PathState } from "../src/mediamtx/types.ts";
import { type MediaMtxSim, startMediaPlane } from "./support/mediamtx_sim.ts";
import { OpenApiValidator } from "./support/sim_openapi.ts";
import {
  ffprobeVideo,
  missingTools,
  publishTestPattern,
  TEST_PATTERN_RUN_ON_INIT,
} from "./support/rtsp.ts";

const skip = missingTools(["ffmpeg", "ffprobe", "rtsp-server-perl"], "MediaMTX real-media tests")
  .length > 0;

async function waitFor<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  ms = 20000,
) {
  const deadline = Date.now() + ms;
  while (true) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes whose command line mentions `needle` (excluding this probe). */
function processesWith(needle: string): string[] {
  try {
    return execFileSync("pgrep", ["-af", needle], { encoding: "utf8" }).split("\n")
      .filter((l) => l && !l.includes("pgrep"));
  } catch {
    return [];
  }
}

async function media(
  fn: (ctx: {
    client: MediaMtxClient;
    readPort: number;
    publishPort: number;
    root: string;
    sim: MediaMtxSim;
  }) => Promise<void>,
) {
  const root = await Deno.makeTempDir();
  const media = await startMediaPlane(root);
  const { rtsp, sim } = media;
  const client = new MediaMtxClient({ baseUrl: sim.url, timeoutMs: 3000 });
  try {
    await fn({ client, readPort: rtsp.readPort, publishPort: rtsp.publishPort, root, sim });
  } finally {
    await media.close();
    await Deno.remove(root, { recursive: true });
  }
  assert.deepEqual(processesWith(`:${rtsp.publishPort}/`), [], "no orphan publisher");
  assert.deepEqual(processesWith(`:${rtsp.readPort}/`), [], "no orphan reader");
}

Deno.test({
  name: "mediamtx sim media - runOnInit publishes real H.264, record:true writes a readable mp4",
  ignore: skip,
  fn: () =>
    media(async ({ client, readPort, root, sim }) => {
      await client.replacePathConfig("camera0", {
        runOnInit: TEST_PATTERN_RUN_ON_INIT,
        runOnInitRestart: true,
      });
      const p = await waitFor("camera0 available", async () => {
        const s = await client.getPath("camera0");
        return s?.available ? s : null;
      }).catch((e) => {
        throw new Error(`${e.message}\n${sim.mediaLog("camera0").join("\n")}`);
      }) as PathState;
      assert.equal(p.source?.type, "rtspSession");
      assert.deepEqual(p.tracks, ["H264"]);
      assert.equal(p.tracks2[0].codecProps?.width, 640);
      assert.equal(p.tracks2[0].codecProps?.height, 480);
      const raw = await fetch(`${sim.url}/v3/paths/get/camera0`).then((r) => r.json());
      const v = new OpenApiValidator();
      assert.deepEqual(v.validateResponse("GET", "/v3/paths/get/camera0", 200, raw), []);

      const probed = await ffprobeVideo(`rtsp://127.0.0.1:${readPort}/camera0`);
      assert.deepEqual(probed, { codec: "h264", width: 640, height: 480 });
      const later = (await client.getPath("camera0"))!;
      assert.ok(later.inboundBytes > p.inboundBytes, "inboundBytes grows while media flows");

      await client.patchPathConfig("camera0", {
        record: true,
        recordPath: "./recordings/%path/%Y-%m-%d_%H-%M-%S-%f",
        recordFormat: "fmp4",
      });
      await waitFor("a segment on disk", async () => {
        const r = await client.getRecording("camera0");
        return (r?.segments.length ?? 0) > 0;
      });
      await new Promise((r) => setTimeout(r, 3000));
      await client.patchPathConfig("camera0", { record: false });
      const after = (await client.getPath("camera0"))!;
      assert.equal(after.availableTime, p.availableTime, "record toggles keep the path");

      const rec = (await client.getRecording("camera0"))!;
      assert.equal(rec.segments.length, 1);
      const files = [...Deno.readDirSync(`${root}/recordings/camera0`)].map((e) => e.name);
      assert.equal(files.length, 1);
      assert.match(files[0], /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}\.mp4$/);
      const file = `${root}/recordings/camera0/${files[0]}`;
      const video = await waitFor("finalised mp4", () => ffprobeVideo(file), 8000);
      assert.deepEqual(video, { codec: "h264", width: 640, height: 480 });

      await client.deletePathConfig("camera0");
      assert.equal(await client.getPath("camera0"), null);
    }),
});

Deno.test({
  name: "mediamtx sim media - a source: rtsp:// path pulls the stream in",
  ignore: skip,
  fn: () =>
    media(async ({ client, readPort, publishPort, sim }) => {
      const upstream = publishTestPattern(publishPort, "upstream");
      try {
        await client.replacePathConfig("camera5", {
          source: `rtsp://127.0.0.1:${readPort}/upstream`,
          rtspTransport: "udp",
        });
        const p = await waitFor("camera5 available", async () => {
          const s = await client.getPath("camera5");
          return s?.available ? s : null;
        }).catch((e) => {
          throw new Error(`${e.message}\n${sim.mediaLog("camera5").join("\n")}`);
        }) as PathState;
        assert.equal(p.source?.type, "rtspSource");
        assert.deepEqual(p.tracks, ["H264"]);
        assert.ok(p.inboundBytes > 0);
      } finally {
        await upstream.stop();
      }
    }),
});
