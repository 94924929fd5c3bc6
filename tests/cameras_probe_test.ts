/** The v4l2-ctl prober's concurrency cap (a box booting with many cameras). */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { PROBE_CONCURRENCY, V4l2Prober } from "../src/cameras/probe.ts";
import { Logger } from "../src/observability/log.ts";

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
