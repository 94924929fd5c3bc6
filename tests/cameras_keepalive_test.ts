/** StreamKeepalive on the shared media Keepalive reader: restart after an early exit, group kill. */
import assert from "node:assert/strict";
import { StreamKeepalive } from "../src/cameras/keepalive.ts";
import { memoryLogger } from "../src/observability/log.ts";
import { waitFor } from "./cameras_helpers.ts";
import { alive } from "./media_helpers.ts";

Deno.test("stream keepalive - an early exit is restarted; stop kills the reader's process group", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cams-keepalive-" });
  const runs = `${dir}/runs`;
  // The first run exits at once; later runs hang with a child, like a reading ffmpeg.
  await Deno.writeTextFile(
    `${dir}/ffmpeg`,
    `#!/bin/sh\necho "$$" >> '${runs}'\n[ $(wc -l < '${runs}') -eq 1 ] && exit 1\n` +
      `sleep 60 &\necho $! >> '${runs}.kids'\nwait\n`,
    { mode: 0o755 },
  );
  const { log, lines } = memoryLogger();
  const keepalive = new StreamKeepalive({
    ffmpegPath: `${dir}/ffmpeg`,
    keepaliveSec: 30,
    urlFor: (id) => `rtsp://127.0.0.1:1/${id}`,
    restartDelayMs: 50,
    log,
  });
  try {
    const { session, extended } = await keepalive.start("camera0");
    assert.equal(extended, false);
    assert.equal(session.starts, 1);
    const first = session.pid!;
    await waitFor(() => (keepalive.get("camera0")?.starts ?? 0) >= 2, 3000, "a restart");
    await waitFor(
      () => {
        try {
          return Deno.readTextFileSync(`${runs}.kids`).trim() !== "";
        } catch {
          return false;
        }
      },
      3000,
      "the second reader's child",
    );
    const now = keepalive.get("camera0")!;
    assert.equal(now.starts, 2);
    assert.ok(now.pid !== null && now.pid !== first, "a new reader process");
    assert.equal(now.startedAt.getTime(), session.startedAt.getTime(), "same session");
    const restarted = lines().find((l) =>
      String(l.msg) === "stream keepalive reader exited early; restarting"
    );
    assert.equal(restarted?.device, "camera0");

    const ended = await keepalive.stop("camera0");
    assert.equal(ended?.pid, null);
    assert.equal(keepalive.get("camera0"), undefined);
    const kid = Number(Deno.readTextFileSync(`${runs}.kids`).trim());
    await waitFor(() => !alive(now.pid!) && !alive(kid), 3000, "reader and its child gone");
    assert.equal(await keepalive.stop("camera0"), null);
  } finally {
    await keepalive.stopAll();
    await Deno.remove(dir, { recursive: true });
  }
});
