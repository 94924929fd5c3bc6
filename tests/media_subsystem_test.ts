import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import type { PathConf } from "../src/mediamtx/types.ts";
import { createMediaSubsystem } from "../src/media/subsystem.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { cameraStub, mediaConfig, putFile, recordingBus, sleep } from "./media_helpers.ts";

Deno.test("media subsystem - wiring: methods, routes, retries adoption until MediaMTX answers", async () => {
  const root = await Deno.makeTempDir();
  const config = mediaConfig(root);
  let up = false;
  const confs = new Map<string, PathConf>([["camera0", { name: "camera0", record: true }]]);
  const patches: unknown[] = [];
  const mediamtx = {
    getPathConfig: (n: string) =>
      up ? Promise.resolve(confs.get(n) ?? null) : Promise.reject(new Error("ECONNREFUSED")),
    listPathConfigs: () =>
      up ? Promise.resolve([...confs.values()]) : Promise.reject(new Error("ECONNREFUSED")),
    patchPathConfig: (n: string, c: Partial<PathConf>) => {
      patches.push([n, c]);
      confs.set(n, { ...confs.get(n), ...c });
      return Promise.resolve();
    },
  };
  const { bus } = recordingBus();
  const { log, lines } = memoryLogger();
  const media = createMediaSubsystem({
    config,
    events: bus,
    log,
    cameras: cameraStub(),
    mediamtx,
    monitor: { require: () => {} },
    secret: "s3cret",
    authorize: () => Promise.resolve(null),
    publicBaseUrl: "https://box:8002",
    recoverRetryMs: 50,
  });
  try {
    assert.equal(media.methods.length, 12);
    await media.start();
    assert.equal(media.recordings.active().length, 0, "MediaMTX down: nothing adopted yet");
    const retries = () => lines().filter((l) => l.msg === "recordings adoption retry failed");
    for (let i = 0; i < 40 && retries().length < 2; i++) await sleep(25);
    up = true;
    for (let i = 0; i < 40 && !media.recordings.active().length; i++) await sleep(25);
    assert.deepEqual(media.recordings.active().map((a) => a.device), ["camera0"]);
    // One warning while MediaMTX stays down, the retries at debug, one line when it worked.
    const warns = lines().filter((l) => l.level === "warn" && /cannot adopt/.test(String(l.msg)));
    assert.equal(warns.length, 1, JSON.stringify(warns));
    assert.ok(retries().length >= 2 && retries().every((l) => l.level === "debug"));
    const adopted = () => lines().filter((l) => l.msg === "recordings adopted");
    for (let i = 0; i < 40 && !adopted().length; i++) await sleep(25);
    assert.equal(adopted().length, 1);
    assert.ok(Number(adopted()[0].attempts) >= 3, JSON.stringify(adopted()));
    assert.equal(media.recordingOverrides().get("camera0")?.record, true);

    await putFile(join(config.snapshots.directory, "a.jpg"), 3);
    await writeFile(join(config.snapshots.directory, "a.jpg"), "abc");
    const app = new Hono();
    app.route("/", media.routes);
    const list = await media.files.list("snapshots", { limit: 10, offset: 0 });
    const url = list.files[0].download_url!;
    assert.ok(url.startsWith("https://box:8002/files/snapshots/a.jpg?expires="));
    const res = await app.request(url.slice("https://box:8002".length));
    assert.equal(await res.text(), "abc");
    const health = await media.storageHealth();
    assert.ok(["healthy", "degraded", "unhealthy"].includes(health.status));
  } finally {
    await media.stop();
    await Deno.remove(root, { recursive: true });
  }
  assert.deepEqual(patches.at(-1), ["camera0", { record: false }], "stop() ends recordings");
});
