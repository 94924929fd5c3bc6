import assert from "node:assert/strict";
import { CameraRegistry, type PathLookup } from "../src/cameras/registry.ts";
import type { Config } from "../src/config/types.ts";
import { type CameraStatusEvent, EventBus } from "../src/core/events.ts";
import type { PathState } from "../src/mediamtx/types.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { fakeV4l2, testConfig, waitFor } from "./cameras_helpers.ts";

async function setup(patch?: (c: Config) => void, mediamtx?: PathLookup) {
  const root = await Deno.makeTempDir({ prefix: "cams-" });
  await fakeV4l2(root);
  const config = testConfig(root, patch);
  const events = new EventBus();
  const seen: CameraStatusEvent[] = [];
  events.on("camera_status_update", (e) => seen.push(e));
  const { log, lines } = memoryLogger();
  const registry = new CameraRegistry({ config, events, log, mediamtx });
  const done = async () => {
    await registry.stop();
    await Deno.remove(root, { recursive: true });
  };
  return { root, config, registry, seen, lines, done };
}

Deno.test("registry - hotplugged video0 is announced CONNECTED within 1 s, removal DISCONNECTED", async () => {
  const t = await setup();
  try {
    await t.registry.start();
    assert.equal(t.registry.isReady, true);
    assert.deepEqual(t.registry.list(), []);
    const t0 = Date.now();
    await Deno.writeTextFile(`${t.root}/dev/video0`, "capture");
    await waitFor(() => t.seen.length > 0, 1000, "camera_status_update");
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 1000, `announced after ${elapsed} ms`);
    const ev = t.seen[0];
    assert.deepEqual(ev, {
      device: "camera0",
      status: "CONNECTED",
      name: "HD Pro Webcam C920",
      resolution: "640x480",
      fps: 30,
      streams: {
        rtsp: "rtsp://box.example:8554/camera0",
        hls: "http://box.example:8888/camera0/index.m3u8",
        webrtc: "http://box.example:8889/camera0",
      },
    });
    assert.deepEqual(t.registry.list().map((c) => [c.device, c.status]), [[
      "camera0",
      "CONNECTED",
    ]]);
    assert.deepEqual(t.registry.record("camera0")?.capabilities?.formats, ["YUYV", "MJPG"]);
    const paths = t.registry.desiredPaths();
    assert.deepEqual([...paths.keys()], ["camera0"]);
    assert.match(String(paths.get("camera0")!.runOnDemand), /-i \S+\/dev\/video0 /);

    await Deno.remove(`${t.root}/dev/video0`);
    await waitFor(() => t.seen.length > 1, 1000, "DISCONNECTED event");
    assert.equal(t.seen[1].status, "DISCONNECTED");
    assert.equal(t.seen[1].reason, "device removed");
    assert.equal(t.registry.get("camera0")?.status, "DISCONNECTED");
    assert.equal(t.registry.desiredPaths().size, 0);

    await Deno.writeTextFile(`${t.root}/dev/video0`, "capture");
    await waitFor(() => t.seen.length > 2, 1000, "reconnect");
    assert.equal(t.seen[2].status, "CONNECTED");
  } finally {
    await t.done();
  }
});

Deno.test("registry - devices present at start are ready; metadata node is not a camera", async () => {
  const root = await Deno.makeTempDir({ prefix: "cams-" });
  await fakeV4l2(root);
  await Deno.writeTextFile(`${root}/dev/video0`, "capture");
  await Deno.writeTextFile(`${root}/dev/video1`, "metadata");
  await Deno.writeTextFile(`${root}/dev/video12`, "capture"); // outside the range 0..9
  await Deno.writeTextFile(`${root}/dev/videoX`, "capture");
  const events = new EventBus();
  const seen: CameraStatusEvent[] = [];
  events.on("camera_status_update", (e) => seen.push(e));
  const registry = new CameraRegistry({
    config: testConfig(root),
    events,
    log: memoryLogger().log,
  });
  try {
    let ready = false;
    registry.ready.then(() => ready = true);
    await registry.start();
    await Promise.resolve();
    assert.equal(ready, true);
    assert.deepEqual(registry.list().map((c) => c.device), ["camera0"]);
    assert.deepEqual(seen.map((e) => e.device), ["camera0"]);
    assert.deepEqual(registry.health(), {
      status: "healthy",
      ready: true,
      cameras: [{ device: "camera0", status: "CONNECTED", name: "HD Pro Webcam C920" }],
    });
  } finally {
    await registry.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("registry - probe failure is ERROR with the reason; timeout kills the probe", async () => {
  const t = await setup((c) => c.camera.probe_timeout = 0.3);
  try {
    await Deno.writeTextFile(`${t.root}/dev/video2`, "fail");
    await Deno.writeTextFile(`${t.root}/dev/video3`, "hang");
    const t0 = Date.now();
    await t.registry.start();
    assert.ok(Date.now() - t0 < 5000, "a hanging v4l2-ctl must not block discovery");
    const r2 = t.registry.record("camera2")!;
    const r3 = t.registry.record("camera3")!;
    assert.equal(r2.status, "ERROR");
    assert.match(r2.reason!, /Cannot open device .*video2/);
    assert.equal(r3.status, "ERROR");
    assert.match(r3.reason!, /timed out after 0.3s/);
    assert.equal(t.registry.health().status, "degraded");
    assert.equal(t.seen.find((e) => e.device === "camera2")?.status, "ERROR");
    assert.equal(t.registry.desiredPaths().size, 0);
    // The device recovers: a refresh re-probes ERROR devices.
    await Deno.writeTextFile(`${t.root}/dev/video2`, "capture");
    await t.registry.refresh();
    assert.equal(t.registry.record("camera2")!.status, "CONNECTED");
  } finally {
    await t.done();
  }
});

Deno.test("registry - missing v4l2-ctl: one clear log line, cameras listed with sysfs or generic names", async () => {
  const t = await setup((c) => c.camera.v4l2ctl_path = "/nonexistent/v4l2-ctl");
  try {
    await Deno.writeTextFile(`${t.root}/dev/video0`, "capture");
    await Deno.writeTextFile(`${t.root}/dev/video4`, "capture");
    await Deno.mkdir(`${t.root}/sys/video4`);
    await Deno.writeTextFile(`${t.root}/sys/video4/name`, "USB Camera: Sysfs Name\n");
    await t.registry.start();
    const cams = t.registry.list();
    assert.deepEqual(cams.map((c) => [c.device, c.status, c.name]), [
      ["camera0", "CONNECTED", "Video device 0"],
      ["camera4", "CONNECTED", "USB Camera: Sysfs Name"],
    ]);
    assert.equal(cams[0].resolution, undefined);
    assert.equal(t.registry.record("camera0")!.capabilities, null);
    const missing = t.lines().filter((l) => String(l.msg).includes("v4l2-ctl not found"));
    assert.equal(missing.length, 1);
    assert.equal(t.registry.desiredPaths().size, 2);
  } finally {
    await t.done();
  }
});

Deno.test("registry - poll finds a device when no watch event arrives", async () => {
  const root = await Deno.makeTempDir({ prefix: "cams-" });
  await fakeV4l2(root);
  // The device folder does not exist at start: the watch fails and the poll is the safety net.
  await Deno.remove(`${root}/dev`);
  const config = testConfig(root, (c) => c.camera.poll_interval = 0.1);
  const { log, lines } = memoryLogger();
  const registry = new CameraRegistry({ config, events: new EventBus(), log });
  try {
    await registry.start();
    await waitFor(
      () => lines().some((l) => String(l.msg).includes("relying on the poll")),
      1000,
      "watch failure log",
    );
    await Deno.mkdir(`${root}/dev`);
    await Deno.writeTextFile(`${root}/dev/video5`, "capture");
    await waitFor(() => registry.get("camera5")?.status === "CONNECTED", 2000, "poll");
    // Later devices in the recreated folder are found too.
    await Deno.writeTextFile(`${root}/dev/video6`, "capture");
    await waitFor(() => registry.get("camera6")?.status === "CONNECTED", 2000, "video6");
  } finally {
    await registry.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("registry - IP camera from config: status from MediaMTX, credentials never shown", async () => {
  let available = false;
  let down = false;
  const mediamtx = {
    getPath: (name: string): Promise<PathState | null> =>
      down ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9997")) : Promise.resolve(
        name !== "camera10" ? null : {
          name,
          confName: name,
          source: available ? { type: "rtspSource", id: "" } : null,
          available,
          availableTime: available ? new Date().toISOString() : null,
          online: available,
          onlineTime: null,
          tracks: ["H264"],
          tracks2: available ? [{ codec: "H264", codecProps: { width: 1920, height: 1080 } }] : [],
          inboundBytes: 0,
          outboundBytes: 0,
          inboundFramesInError: 0,
          readers: [],
        },
      ),
  };
  const secret = "rtsp://admin:hunter2@10.0.0.5:554/stream1";
  const t = await setup((c) => {
    c.camera.sources = [{
      id: "camera10",
      name: "Gate",
      url: secret,
      rtsp_transport: "tcp",
      on_demand: false,
    }];
  }, mediamtx);
  try {
    await t.registry.start();
    await t.registry.refresh();
    assert.deepEqual(t.registry.get("camera10")?.status, "DISCONNECTED");
    available = true;
    await t.registry.refresh();
    const cam = t.registry.get("camera10")!;
    assert.equal(cam.status, "CONNECTED");
    assert.equal(cam.name, "Gate");
    assert.equal(cam.resolution, "1920x1080");
    assert.deepEqual(t.registry.desiredPaths().get("camera10"), {
      source: secret,
      sourceOnDemand: false,
      rtspTransport: "tcp",
    });
    down = true;
    await t.registry.refresh();
    assert.equal(t.registry.record("camera10")!.status, "ERROR");
    assert.match(
      t.registry.record("camera10")!.reason!,
      /MediaMTX unreachable: connect ECONNREFUSED/,
    );
    assert.deepEqual(t.seen.map((e) => e.status), ["DISCONNECTED", "CONNECTED", "ERROR"]);
    const shown = JSON.stringify([t.registry.list(), t.seen, t.registry.health(), t.lines()]);
    assert.ok(!shown.includes("hunter2"), "credentials leaked into list/events/health/logs");
    assert.ok(t.lines().some((l) => String(l.url ?? "").startsWith("rtsp://***@10.0.0.5")));
  } finally {
    await t.done();
  }
});

Deno.test("registry - a hanging device does not delay another device's announcement", async () => {
  const t = await setup((c) => c.camera.probe_timeout = 3);
  try {
    await t.registry.start();
    await Deno.writeTextFile(`${t.root}/dev/video3`, "hang");
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await Deno.writeTextFile(`${t.root}/dev/video0`, "capture");
    await waitFor(() => t.seen.some((e) => e.device === "camera0"), 1000, "camera0 event");
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(t.registry.get("camera3"), undefined, "camera3 is still being probed");
  } finally {
    await t.done();
  }
  assert.equal(t.registry.record("camera3")?.status, "ERROR", "stop waits for the probe");
});
