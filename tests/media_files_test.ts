import assert from "node:assert/strict";
import { mkdir, readdir, statfs, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FileService } from "../src/media/files.ts";
import { RetentionService } from "../src/media/retention.ts";
import { UrlSigner } from "../src/media/signing.ts";
import { storageInfo } from "../src/media/storage.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { contractErrors } from "./media_contract.ts";
import { mediaConfig, putFile, sleep } from "./media_helpers.ts";

const code = (n: number) => (e: unknown) => {
  assert.ok(e instanceof RpcError, String(e));
  assert.equal(e.code, n, JSON.stringify(e.data));
  return true;
};

/** A PNG header claiming width x height. */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

async function fixture() {
  const root = await Deno.makeTempDir();
  const config = mediaConfig(root);
  const rec = config.recording.directory, snap = config.snapshots.directory;
  // recordings: camera0 has 3 segments, camera1 has 1; ages in seconds
  await putFile(join(rec, "camera0", "2026-01-01_00-00-00-000001.mp4"), 1000, 400);
  await putFile(join(rec, "camera0", "2026-01-01_00-10-00-000001.mp4"), 2000, 300);
  await putFile(join(rec, "camera1", "2026-01-01_00-05-00-000001.ts"), 3000, 200);
  await putFile(join(rec, "camera0", "2026-01-01_00-20-00-000001.mp4"), 4000, 100);
  await putFile(join(rec, "camera0", ".hidden-temp.mp4"), 10, 50);
  await putFile(join(snap, "old.jpg"), 500, 1000);
  await putFile(join(snap, "new.jpg"), 600, 10);
  await writeFile(join(snap, "pic.png"), pngHeader(640, 480));
  const active = new Set<string>();
  const files = new FileService({
    config,
    signer: new UrlSigner({ secret: "k", ttlSeconds: 60 }),
    probe: () => Promise.resolve({ duration: 4.6, codec: "h264", width: 640, height: 480 }),
    recordings: { isBeingWritten: (device) => active.has(device) },
  });
  return { root, config, files, active, cleanup: () => Deno.remove(root, { recursive: true }) };
}

/** Runs `fn` on a fresh fixture and removes its temp folder afterwards. */
async function withFixture(fn: (f: Awaited<ReturnType<typeof fixture>>) => Promise<void>) {
  const f = await fixture();
  try {
    await fn(f);
  } finally {
    await f.cleanup();
  }
}

Deno.test("files - listing is newest first, paged, with total, download_url and contract shape", () =>
  withFixture(async (f) => {
    const all = await f.files.list("recordings", { limit: 50, offset: 0 });
    assert.deepEqual(contractErrors("list_recordings", all), []);
    assert.equal(all.total, 4);
    assert.deepEqual(all.files.map((x) => x.filename), [
      "camera0_2026-01-01_00-20-00-000001.mp4",
      "camera1_2026-01-01_00-05-00-000001.ts",
      "camera0_2026-01-01_00-10-00-000001.mp4",
      "camera0_2026-01-01_00-00-00-000001.mp4",
    ]);
    assert.deepEqual(all.files.map((x) => x.file_size), [4000, 3000, 2000, 1000]);
    assert.equal(all.files[1].device, "camera1");
    assert.match(
      all.files[0].download_url!,
      /^\/files\/recordings\/camera0_2026.*\?expires=\d+&sig=/,
    );
    const page = await f.files.list("recordings", { limit: 2, offset: 1 });
    assert.equal(page.total, 4);
    assert.deepEqual(page.files.map((x) => x.file_size), [3000, 2000]);
    assert.deepEqual((await f.files.list("recordings", { limit: 5, offset: 10 })).files, []);
    const snaps = await f.files.list("snapshots", { limit: 50, offset: 0 });
    assert.deepEqual(contractErrors("list_snapshots", snaps), []);
    assert.deepEqual(snaps.files.map((x) => x.filename), ["pic.png", "new.jpg", "old.jpg"]);
  }));

Deno.test("files - info: recording duration measured, snapshot resolution from the header", () =>
  withFixture(async (f) => {
    const r = await f.files.recordingInfo("camera1_2026-01-01_00-05-00-000001.ts");
    assert.deepEqual(contractErrors("get_recording_info", r), []);
    assert.equal(r.file_size, 3000);
    assert.equal(r.duration, 5);
    assert.equal(r.duration_ms, 4600);
    assert.equal(r.resolution, "640x480");
    assert.equal(r.recording, false);
    const s = await f.files.snapshotInfo("pic.png");
    assert.deepEqual(contractErrors("get_snapshot_info", s), []);
    assert.equal(s.resolution, "640x480");
    assert.equal(s.format, "png");
    assert.equal(s.file_size, 64);
    await assert.rejects(f.files.snapshotInfo("nope.jpg"), code(-32010));
    await assert.rejects(f.files.recordingInfo("camera0_nope.mp4"), code(-32010));
  }));

Deno.test("files - names cannot reach outside the storage folders", () =>
  withFixture(async (f) => {
    const secret = join(f.root, "secret.txt");
    await writeFile(secret, "top secret");
    await symlink(secret, join(f.config.snapshots.directory, "link.jpg"));
    await symlink(f.root, join(f.config.recording.directory, "camera7"));
    for (
      const bad of [
        "../secret.txt",
        "a/b.jpg",
        "a\\b.jpg",
        "/etc/passwd",
        "x\0.jpg",
        ".hidden",
        "..",
      ]
    ) {
      await assert.rejects(f.files.snapshotInfo(bad), code(-32602), bad);
      await assert.rejects(f.files.delete("snapshots", bad), code(-32602), bad);
    }
    // percent-encoded separators are just characters in a plain name: no such file
    await assert.rejects(f.files.snapshotInfo("..%2Fsecret.txt"), code(-32602));
    await assert.rejects(f.files.snapshotInfo("%2e%2e%2fsecret.txt"), code(-32010));
    // symlinks pointing out are refused, and never listed
    await assert.rejects(f.files.snapshotInfo("link.jpg"), code(-32010));
    await assert.rejects(f.files.recordingInfo("camera7_secret.txt"), code(-32010));
    await assert.rejects(f.files.delete("recordings", "camera7_secret.txt"), code(-32010));
    assert.ok(
      !(await f.files.list("snapshots", { limit: 50, offset: 0 })).files.some((x) =>
        x.filename === "link.jpg"
      ),
    );
    assert.equal((await f.files.list("recordings", { limit: 50, offset: 0 })).total, 4);
    assert.equal(await Deno.readTextFile(secret), "top secret");
  }));

Deno.test("files - delete removes the file; a segment being written is refused", () =>
  withFixture(async (f) => {
    const d = await f.files.delete("snapshots", "old.jpg");
    assert.deepEqual(contractErrors("delete_snapshot", d), []);
    assert.equal(d.deleted, true);
    assert.ok(!(await readdir(f.config.snapshots.directory)).includes("old.jpg"));
    await assert.rejects(f.files.delete("snapshots", "old.jpg"), code(-32010));
    f.active.add("camera0");
    // newest segment of the recording camera is open; older ones are complete
    await assert.rejects(
      f.files.delete("recordings", "camera0_2026-01-01_00-20-00-000001.mp4"),
      code(-32020),
    );
    const ok = await f.files.delete("recordings", "camera0_2026-01-01_00-00-00-000001.mp4");
    assert.deepEqual(contractErrors("delete_recording", ok), []);
    // any segment modified in the last seconds counts as being written
    await putFile(
      join(f.config.recording.directory, "camera2", "2026-01-01_01-00-00-000001.mp4"),
      5,
    );
    await assert.rejects(
      f.files.delete("recordings", "camera2_2026-01-01_01-00-00-000001.mp4"),
      code(-32020),
    );
  }));

Deno.test("storage - numbers come from statfs and the folders", () =>
  withFixture(async (f) => {
    const info = await storageInfo({ config: f.config, files: f.files });
    assert.deepEqual(contractErrors("get_storage_info", info), []);
    const s = await statfs(f.config.recording.directory);
    assert.equal(info.total_space, Number(s.blocks) * Number(s.bsize));
    assert.ok(
      Math.abs(info.available_space - Number(s.bavail) * Number(s.bsize)) < 512 * 1024 * 1024,
    );
    assert.ok(info.used_space + info.available_space <= info.total_space);
    const pct = (info.used_space / (info.used_space + info.available_space)) * 100;
    assert.ok(Math.abs(info.usage_percentage - pct) < 0.01);
    assert.equal(info.recordings_size, 10_000);
    assert.equal(info.recordings_count, 4);
    assert.equal(info.snapshots_size, 500 + 600 + 64);
    assert.equal(info.low_space_warning, info.usage_percentage >= 85);
    const full = await storageInfo({
      config: f.config,
      files: f.files,
      disk: () => Promise.resolve({ total: 100, used: 90, available: 10, usage_percent: 90 }),
    });
    assert.equal(full.low_space_warning, true);
    assert.equal(full.storage_blocked, false);
  }));

Deno.test("retention - age policy deletes old files oldest first and spares the active segment", () =>
  withFixture(async (f) => {
    const ret = new RetentionService({ config: f.config, files: f.files });
    const set = await ret.set({ policy_type: "age", enabled: true, max_age_days: 1 });
    assert.deepEqual(contractErrors("set_retention_policy", set), []);
    // make some files older than a day
    const day = 86_400;
    const rec = f.config.recording.directory;
    await putFile(join(rec, "camera0", "2026-01-01_00-00-00-000001.mp4"), 1000, 3 * day);
    await putFile(join(rec, "camera0", "2026-01-01_00-10-00-000001.mp4"), 2000, 2 * day);
    await putFile(join(rec, "camera0", "2026-01-01_00-20-00-000001.mp4"), 4000, 2 * day);
    await putFile(join(f.config.snapshots.directory, "old.jpg"), 500, 5 * day);
    f.active.add("camera0"); // camera0 records: its newest segment is open
    const r = await ret.cleanup();
    assert.deepEqual(contractErrors("cleanup_old_files", r), []);
    assert.equal(r.cleanup_executed, true);
    assert.deepEqual(r.deleted, [
      "old.jpg",
      "camera0_2026-01-01_00-00-00-000001.mp4",
      "camera0_2026-01-01_00-10-00-000001.mp4",
    ]);
    assert.equal(r.files_deleted, 3);
    assert.equal(r.space_freed, 3500);
    const left = (await f.files.list("recordings", { limit: 50, offset: 0 })).files.map((x) =>
      x.filename
    );
    assert.ok(left.includes("camera0_2026-01-01_00-20-00-000001.mp4"), "active segment spared");
  }));

Deno.test("retention - size policy, persistence across restarts, manual/disabled, periodic job", () =>
  withFixture(async (f) => {
    const ret = new RetentionService({ config: f.config, files: f.files });
    // total = 10000 (recordings) + 1164 (snapshots); limit 6000 bytes
    await ret.set({ policy_type: "size", enabled: true, max_size_gb: 6000 / 1e9 });
    const again = new RetentionService({ config: f.config, files: f.files });
    assert.deepEqual(await again.load(), {
      policy_type: "size",
      enabled: true,
      max_age_days: 30,
      max_size_gb: 6e-6,
    });
    const r = await again.cleanup();
    // oldest first: old.jpg(1000s), camera0 00-00(400s), camera0 00-10(300s), camera1(200s)
    assert.deepEqual(r.deleted, [
      "old.jpg",
      "camera0_2026-01-01_00-00-00-000001.mp4",
      "camera0_2026-01-01_00-10-00-000001.mp4",
      "camera1_2026-01-01_00-05-00-000001.ts",
    ]);
    assert.equal(r.space_freed, 500 + 1000 + 2000 + 3000);
    await again.set({ policy_type: "manual" });
    assert.equal((await again.cleanup()).cleanup_executed, false);
    await again.set({ policy_type: "age", enabled: false, max_age_days: 1 });
    const off = await again.cleanup();
    assert.equal(off.cleanup_executed, false);
    assert.match(off.message, /disabled/);

    // periodic job: enabled age policy, everything older than a day goes
    await putFile(join(f.config.snapshots.directory, "ancient.jpg"), 10, 10 * 86_400);
    await again.set({ policy_type: "age", enabled: true, max_age_days: 1 });
    again.start(0.05);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(50);
      gone = !(await readdir(f.config.snapshots.directory)).includes("ancient.jpg");
    }
    await again.stop();
    assert.ok(gone, "periodic cleanup ran");
  }));

Deno.test("files - an empty storage lists nothing", async () => {
  const root = await Deno.makeTempDir();
  try {
    const files = new FileService({ config: mediaConfig(root) });
    assert.deepEqual(await files.list("recordings", { limit: 50, offset: 0 }), {
      files: [],
      total: 0,
      limit: 50,
      offset: 0,
    });
    await mkdir(join(root, "snapshots"), { recursive: true });
    assert.equal((await files.list("snapshots", { limit: 1, offset: 0 })).total, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
