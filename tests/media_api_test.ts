import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mediaMethods } from "../src/api/media.ts";
import type { MethodContext, MethodDef } from "../src/api/types.ts";
import { METHOD_ROLES } from "../src/auth/roles.ts";
import { Keepalive } from "../src/media/keepalive.ts";
import { RpcError } from "../src/rpc/errors.ts";
import { alive, sleep } from "./media_helpers.ts";
import { withTempDir } from "./support/temp.ts";

const calls: [string, unknown[]][] = [];
const rec = (name: string) => (...args: unknown[]) => {
  calls.push([name, args]);
  return Promise.resolve({ ok: name });
};
const methods = mediaMethods({
  snapshots: { take: rec("take") } as never,
  recordings: { start: rec("start"), stop: rec("stop") } as never,
  files: {
    list: rec("list"),
    recordingInfo: rec("recordingInfo"),
    snapshotInfo: rec("snapshotInfo"),
    delete: rec("delete"),
  } as never,
  retention: { set: rec("set"), cleanup: rec("cleanup") } as never,
  storage: rec("storage") as never,
});
const byName = new Map(methods.map((m) => [m.name, m]));
const ctx = {} as MethodContext;

async function call(name: string, params: unknown): Promise<[string, unknown[]]> {
  const m = byName.get(name) as MethodDef;
  calls.length = 0;
  await m.handler(m.params.parse(params, ""), ctx);
  return calls[0];
}

function refused(name: string, params: unknown, param: string) {
  const m = byName.get(name)!;
  assert.throws(() => m.params.parse(params, ""), (e: unknown) => {
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, -32602);
    assert.equal(e.data?.param, param, JSON.stringify(e.data));
    return true;
  }, `${name} ${JSON.stringify(params)}`);
}

Deno.test("media api - the twelve methods exist and all have a role", () => {
  const names = [
    "take_snapshot",
    "start_recording",
    "stop_recording",
    "list_recordings",
    "list_snapshots",
    "get_recording_info",
    "get_snapshot_info",
    "delete_recording",
    "delete_snapshot",
    "get_storage_info",
    "set_retention_policy",
    "cleanup_old_files",
  ];
  assert.deepEqual(methods.map((m) => m.name).sort(), [...names].sort());
  for (const n of names) assert.ok((METHOD_ROLES as Record<string, string>)[n], n);
});

Deno.test("media api - params: defaults, nullable, /dev/video mapping, ranges", async () => {
  assert.deepEqual(await call("take_snapshot", { device: "/dev/video2", filename: null }), [
    "take",
    ["camera2", { filename: undefined, format: undefined, quality: undefined }],
  ]);
  assert.deepEqual(
    await call("take_snapshot", {
      device: "camera0",
      format: "png",
      quality: 100,
      auth_token: "t",
    }),
    ["take", ["camera0", { filename: undefined, format: "png", quality: 100 }]],
  );
  refused("take_snapshot", { device: "camera0", quality: 0 }, "quality");
  refused("take_snapshot", { device: "camera0", format: "gif" }, "format");
  refused("take_snapshot", { device: "cam" }, "device");
  refused("take_snapshot", { device: "camera0", extra: 1 }, "extra");
  assert.deepEqual(
    await call("start_recording", { device: "camera1", duration: 5, format: "mp4" }),
    [
      "start",
      ["camera1", { duration: 5, format: "mp4" }],
    ],
  );
  refused("start_recording", { device: "camera1", duration: "5" }, "duration");
  assert.deepEqual(await call("list_recordings", {}), ["list", [
    "recordings",
    { limit: 50, offset: 0 },
  ]]);
  assert.deepEqual(await call("list_snapshots", { limit: 1000, offset: 3 }), ["list", [
    "snapshots",
    { limit: 1000, offset: 3 },
  ]]);
  refused("list_snapshots", { limit: 0 }, "limit");
  refused("list_snapshots", { limit: 1001 }, "limit");
  refused("list_snapshots", { offset: -1 }, "offset");
  assert.deepEqual(await call("delete_snapshot", { filename: "a.jpg" }), ["delete", [
    "snapshots",
    "a.jpg",
  ]]);
  refused("get_recording_info", {}, "filename");
  assert.deepEqual(
    await call("set_retention_policy", { policy_type: "age", enabled: true, max_age_days: 7 }),
    ["set", [{ policy_type: "age", enabled: true, max_age_days: 7 }]],
  );
  refused("set_retention_policy", { policy_type: "fifo", enabled: true }, "policy_type");
  refused("set_retention_policy", { policy_type: "age", max_age_days: 0 }, "max_age_days");
  refused("set_retention_policy", { policy_type: "size", max_size_gb: 0 }, "max_size_gb");
  assert.deepEqual(await call("cleanup_old_files", undefined), ["cleanup", []]);
  assert.deepEqual(await call("get_storage_info", {}), ["storage", []]);
});

Deno.test("keepalive - restarts an exited reader with backoff; stop kills the group", async () => {
  await withTempDir(async (dir) => {
    const log = join(dir, "runs");
    const fake = join(dir, "ffmpeg.sh");
    // first run exits at once, later runs hang (with a child) like a reading ffmpeg
    await writeFile(
      fake,
      `#!/bin/sh\necho "$$ $*" >> ${log}\n[ $(wc -l < ${log}) -eq 1 ] && exit 1\n` +
        `sleep 60 &\necho $! >> ${log}.kids\nwait\n`,
    );
    await chmod(fake, 0o755);
    const k = new Keepalive({
      ffmpegPath: fake,
      url: "rtsp://127.0.0.1:1/camera0",
      transport: "udp",
      backoffMs: 50,
    });
    k.start();
    for (let i = 0; i < 60 && k.starts < 2; i++) await sleep(50);
    await sleep(200);
    assert.equal(k.starts, 2);
    assert.equal(k.running, true);
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    assert.match(lines[0], /-rtsp_transport udp -i rtsp:\/\/127.0.0.1:1\/camera0 .* -f null -/);
    await k.stop();
    assert.equal(k.running, false);
    const kids = (await readFile(`${log}.kids`, "utf8")).trim().split("\n").map(Number);
    await sleep(50);
    for (const pid of [...kids, ...lines.map((l) => Number(l.split(" ")[0]))]) {
      assert.equal(alive(pid), false, `pid ${pid} survived`);
    }
  });
});
