/** runProcess with `processGroup: false` (how v4l2-ctl probes run): same results, own kill. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { runProcess } from "../src/util/process.ts";

/** The process group of `pid` (field 5 of /proc/PID/stat). */
async function pgid(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

Deno.test("runProcess - processGroup false: output and exit code as usual, the group is ours", async () => {
  const r = await runProcess("sh", ["-c", "echo out; echo err >&2; exit 4"], {
    timeoutMs: 5000,
    processGroup: false,
  });
  assert.deepEqual([r.code, r.stdout, r.stderr, r.timedOut], [4, "out\n", "err\n", false]);
  // The tool's group is ours; with the default, the tool leads a group of its own.
  const groupOf = async (processGroup: boolean) =>
    Number(
      (await runProcess("sh", ["-c", "cut -d' ' -f5 /proc/$$/stat"], {
        timeoutMs: 5000,
        processGroup,
      })).stdout,
    );
  const mine = await pgid(Deno.pid);
  assert.equal(await groupOf(false), mine);
  assert.notEqual(await groupOf(true), mine);
});

Deno.test("runProcess - processGroup false: a timeout still ends the tool (SIGTERM, then SIGKILL)", async () => {
  const started = Date.now();
  const r = await runProcess("sleep", ["30"], { timeoutMs: 200, processGroup: false });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGTERM");
  const stubborn = await runProcess("sh", ["-c", "trap '' TERM; while :; do sleep 0.05; done"], {
    timeoutMs: 200,
    killGraceMs: 200,
    processGroup: false,
  });
  assert.equal(stubborn.timedOut, true);
  assert.equal(stubborn.signal, "SIGKILL");
  assert.ok(Date.now() - started < 5000);
});
