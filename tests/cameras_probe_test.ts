/** The v4l2-ctl prober: one run per probe, partial failures, errors, the concurrency cap. */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { PROBE_CONCURRENCY, probeArgs, V4l2Prober } from "../src/cameras/probe.ts";
import { Logger, memoryLogger } from "../src/observability/log.ts";
import { fakeV4l2, fakeV4l2Calls, FIXTURES } from "./cameras_helpers.ts";
import { withTempDir } from "./support/temp.ts";

/** A prober on {@link fakeV4l2} in a temp root, with a device file per `kinds` entry. */
async function withFake(
  kinds: string[],
  fn: (p: V4l2Prober, root: string, lines: () => Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "probe-" });
  try {
    await fakeV4l2(root);
    for (const [i, k] of kinds.entries()) await Deno.writeTextFile(`${root}/dev/video${i}`, k);
    const { log, lines } = memoryLogger();
    const prober = new V4l2Prober({ v4l2ctlPath: `${root}/v4l2-ctl`, timeoutSec: 0.5, log });
    await fn(prober, root, lines);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("probe - one v4l2-ctl run per probe, asking for info, formats, format and rate at once", async () => {
  await withFake(["capture", "metadata", "noparm"], async (prober, root) => {
    const cam = await prober.probe(`${root}/dev/video0`, "fallback");
    const calls = () => Deno.readTextFile(fakeV4l2Calls(root)).then((t) => t.trim().split("\n"));
    assert.equal((await calls()).length, 1, "one spawn for the capture node");
    assert.deepEqual((await calls())[0].split(" ").sort(), [
      "--get-fmt-video",
      "--get-parm",
      "--info",
      "--list-formats-ext",
      "-d",
      `${root}/dev/video0`,
    ]);
    assert.equal(cam.kind, "camera");
    if (cam.kind !== "camera") return;
    assert.equal(cam.name, "HD Pro Webcam C920");
    assert.equal(cam.driver, "uvcvideo");
    assert.deepEqual(cam.capabilities?.formats, ["YUYV", "MJPG"]);
    assert.deepEqual(cam.current, { width: 640, height: 480, fourcc: "YUYV", fps: 30 });
    await prober.probe(`${root}/dev/video1`, "fallback");
    await prober.probe(`${root}/dev/video2`, "fallback");
    assert.equal((await calls()).length, 3, "one spawn per probe, whatever the node answers");
  });
});

Deno.test("probe - a failed optional query (no VIDIOC_G_PARM, exit 255) keeps the camera, without its rate", async () => {
  await withFake(["noparm"], async (prober, root, lines) => {
    const cam = await prober.probe(`${root}/dev/video0`, "fallback");
    assert.equal(cam.kind, "camera");
    if (cam.kind !== "camera") return;
    assert.equal(cam.name, "HD Pro Webcam C920");
    assert.deepEqual(cam.capabilities?.resolutions, ["1920x1080", "1280x720", "640x480", "160x90"]);
    assert.deepEqual(cam.current, { width: 640, height: 480, fourcc: "YUYV" });
    const note = lines().find((l) => String(l.msg).includes("some queries failed"));
    assert.deepEqual(note?.failed, ["VIDIOC_G_PARM: failed: Inappropriate ioctl for device"]);
  });
});

Deno.test("probe - metadata node (its get ioctls fail, exit 255) is not a capture node", async () => {
  await withFake(["metadata"], async (prober, root) => {
    assert.deepEqual(await prober.probe(`${root}/dev/video0`, "fallback"), {
      kind: "not_capture",
      caps: ["Metadata Capture", "Streaming", "Extended Pix Format"],
    });
  });
});

Deno.test("probe - open failure is an error with v4l2-ctl's message; a hang times out", async () => {
  await withFake(["fail", "hang"], async (prober, root) => {
    assert.deepEqual(await prober.probe(`${root}/dev/video0`, "fallback"), {
      kind: "error",
      reason: `v4l2-ctl failed: Cannot open device ${root}/dev/video0, exiting.`,
    });
    const t0 = Date.now();
    assert.deepEqual(await prober.probe(`${root}/dev/video1`, "fallback"), {
      kind: "error",
      reason: "v4l2-ctl timed out after 0.5s",
    });
    assert.ok(Date.now() - t0 < 5000);
  });
});

Deno.test("probe - exit 0 without driver info is an error, not a nameless camera", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/v4l2-ctl`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const prober = new V4l2Prober({
      v4l2ctlPath: `${dir}/v4l2-ctl`,
      timeoutSec: 2,
      log: memoryLogger().log,
    });
    assert.deepEqual(await prober.probe("/dev/video0", "x"), {
      kind: "error",
      reason: "v4l2-ctl failed: no driver info in its output",
    });
  });
});

Deno.test("probe - the fake tool answers the probe call byte for byte as the combined fixtures", async () => {
  await withTempDir(async (root) => {
    await fakeV4l2(root);
    const cases: [string, string, number][] = [
      ["capture", "uvc-capture-probe.txt", 0],
      ["noparm", "uvc-capture-noparm-probe.txt", 255],
      ["metadata", "uvc-metadata-probe.txt", 255],
    ];
    for (const [kind, file, code] of cases) {
      await Deno.writeTextFile(`${root}/dev/video0`, kind);
      const out = await new Deno.Command(`${root}/v4l2-ctl`, {
        args: probeArgs(`${root}/dev/video0`),
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout), await Deno.readTextFile(FIXTURES + file));
      assert.equal(out.code, code, kind);
    }
  }, "probe-");
});

Deno.test("probe - the real v4l2-ctl takes the combined call; a node it cannot use is an error", async () => {
  const real = ["/usr/bin/v4l2-ctl", "/bin/v4l2-ctl"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!real) return; // v4l-utils not installed here
  const prober = new V4l2Prober({ v4l2ctlPath: real, timeoutSec: 5, log: memoryLogger().log });
  // Options are parsed before the device is looked at: an unknown option would fail with
  // usage text instead of these messages.
  assert.deepEqual(await prober.probe("/dev/null", "x"), {
    kind: "error",
    reason: "v4l2-ctl failed: Unable to detect what device /dev/null is, exiting.",
  });
  assert.deepEqual(await prober.probe("/nonexistent/video0", "x"), {
    kind: "error",
    reason: "v4l2-ctl failed: Cannot open device /nonexistent/video0, exiting.",
  });
});

Deno.test("probe - at most PROBE_CONCURRENCY v4l2-ctl runs at once, never more than the cores (max 4)", async () => {
  assert.ok(PROBE_CONCURRENCY >= 1 && PROBE_CONCURRENCY <= 4);
  assert.ok(PROBE_CONCURRENCY <= Math.max(1, availableParallelism()));
  const dir = await Deno.makeTempDir();
  try {
    const running = join(dir, "running");
    await Deno.mkdir(running);
    // Each run marks itself in `running`, logs how many are marked, waits, unmarks.
    const tool = join(dir, "v4l2-ctl");
    await Deno.writeTextFile(
      tool,
      `#!/bin/sh
touch "${running}/$$"
ls "${running}" | wc -l >> "${dir}/counts"
sleep 0.1
rm -f "${running}/$$"
echo "Cannot open device" >&2
exit 1
`,
      { mode: 0o755 },
    );
    const prober = new V4l2Prober({
      v4l2ctlPath: tool,
      timeoutSec: 5,
      log: new Logger({ level: "error", format: "json", sink: () => {} }),
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => prober.probe(`/dev/video${i}`, `cam ${i}`)),
    );
    assert.ok(results.every((r) => r.kind === "error"));
    const counts = (await Deno.readTextFile(join(dir, "counts"))).trim().split("\n").map(Number);
    assert.equal(counts.length, 10);
    assert.ok(Math.max(...counts) <= PROBE_CONCURRENCY, `at most ${PROBE_CONCURRENCY}: ${counts}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
