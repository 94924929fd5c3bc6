/**
 * The spawn helper (src/util/spawn_helper.ts): tools started through the Perl fork server give
 * the same results as direct spawns (output, exit codes, signals, missing tools, timeouts, group
 * kills), are children of the helper and not of the service, and nothing is left behind when
 * the helper is closed or lost.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keepalive } from "../src/media/keepalive.ts";
import { runProcess, ToolMissingError } from "../src/util/process.ts";
import { currentSpawnHelper, useSpawnHelper } from "../src/util/spawn.ts";
import { findExecutable, MAX_HELPER_STARTS, SpawnHelper } from "../src/util/spawn_helper.ts";

const perl = findExecutable("perl");
const ignore = perl === null;
if (ignore) console.warn("SKIPPED spawn helper tests: no perl on PATH");

/** Runs `fn` with every spawnTool going through a fresh helper; closes it after. */
async function withHelper(fn: (h: SpawnHelper) => Promise<void>): Promise<void> {
  const h = new SpawnHelper({ perl: perl! });
  useSpawnHelper(h);
  try {
    await fn(h);
  } finally {
    useSpawnHelper(null);
    await h.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid) || (await stateOf(pid)) === "Z") return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function stateOf(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return null;
  }
}

const opts = { timeoutMs: 5000 };

Deno.test({
  name: "spawn helper - output, exit codes, arguments, cwd and signals as with a direct spawn",
  ignore,
  fn: () =>
    withHelper(async (h) => {
      const r = await runProcess("sh", ["-c", "echo out; echo err >&2; exit 3"], opts);
      assert.deepEqual([r.code, r.signal, r.stdout, r.stderr], [3, null, "out\n", "err\n"]);
      const args = await runProcess("printf", ["[%s]", "a b", "", "ü", "$HOME", "'\""], opts);
      assert.equal(args.stdout, "[a b][][ü][$HOME]['\"]");
      assert.equal((await runProcess("pwd", [], { ...opts, cwd: "/usr" })).stdout, "/usr\n");
      const killed = await runProcess("sh", ["-c", "kill -USR1 $$"], opts);
      assert.deepEqual([killed.code, killed.signal], [null, "SIGUSR1"]);
      const big = await runProcess("head", ["-c", "3000000", "/dev/urandom"], {
        ...opts,
        maxOutputBytes: 4_000_000,
      });
      assert.equal(new TextEncoder().encode(big.stdout).length > 0, true);
      const counted = await runProcess("sh", ["-c", "head -c 3000000 /dev/zero | wc -c"], opts);
      assert.equal(counted.stdout.trim(), "3000000");
      const zeros = await runProcess("head", ["-c", "3000000", "/dev/zero"], {
        ...opts,
        maxOutputBytes: 4_000_000,
      });
      assert.equal(zeros.stdout.length, 3_000_000, "every byte of a large output arrives");
      // The tool is the helper's child, not the service's.
      const ppid = await runProcess("sh", ["-c", "echo $PPID"], opts);
      assert.equal(Number(ppid.stdout), h.pid);
      // Default signal handling in the tool, though the helper ignores TERM and INT.
      const term = await runProcess("sh", ["-c", "kill -TERM $$; sleep 5"], opts);
      assert.equal(term.signal, "SIGTERM");
      // Many at once.
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, i) => runProcess("sh", ["-c", `echo ${i}`], opts)),
      );
      assert.deepEqual(many.map((m) => m.stdout), many.map((_, i) => `${i}\n`));
      assert.equal(h.running, 0);
    }),
});

Deno.test({
  name: "spawn helper - missing and non-executable tools fail as ToolMissingError",
  ignore,
  fn: () =>
    withHelper(async () => {
      const missing = await runProcess("/nonexistent/tool", [], opts).catch((e) => e);
      assert.ok(missing instanceof ToolMissingError);
      assert.equal(missing.code, "ENOENT");
      const dir = await mkdtemp(join(tmpdir(), "spawn-helper-x-"));
      try {
        const plain = join(dir, "tool");
        await writeFile(plain, "#!/bin/sh\necho ran\n", { mode: 0o644 });
        const notExec = await runProcess(plain, [], opts).catch((e) => e);
        assert.ok(notExec instanceof ToolMissingError, String(notExec));
        assert.equal(notExec.code, "EACCES");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const badCwd = await runProcess("true", [], { ...opts, cwd: "/nonexistent" }).catch((e) => e);
      assert.equal(badCwd.code, "ENOENT");
      const nul = await runProcess("echo", ["a\0b"], opts).catch((e) => e);
      assert.match(String(nul), /NUL/);
      // The helper still serves after these.
      assert.equal((await runProcess("echo", ["ok"], opts)).stdout, "ok\n");
    }),
});

Deno.test({
  name: "spawn helper - a timeout or an abort kills the tool's whole group",
  ignore,
  fn: () =>
    withHelper(async () => {
      const dir = await mkdtemp(join(tmpdir(), "spawn-helper-"));
      try {
        const pidFile = join(dir, "pid");
        const r = await runProcess("sh", ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
          timeoutMs: 1000,
        });
        assert.equal(r.timedOut, true);
        const written = (await readFile(pidFile, "utf8")).trim();
        assert.match(written, /^\d+$/, "the tool wrote its child's pid before the timeout");
        assert.ok(await waitGone(Number(written)), "what the tool started is gone too");
        // Aborted before the helper has even reported the pid: killed once it runs.
        const ac = new AbortController();
        const pending = runProcess("sleep", ["30"], { timeoutMs: 3000, signal: ac.signal });
        ac.abort();
        const aborted = await pending;
        assert.deepEqual([aborted.aborted, aborted.timedOut], [true, false]);
        assert.equal(aborted.signal, "SIGTERM");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
});

Deno.test({
  name: "spawn helper - a lost helper fails its tools, kills them, and is replaced; then direct",
  ignore,
  fn: async () => {
    const h = new SpawnHelper({ perl: perl! });
    useSpawnHelper(h);
    try {
      const first = h.spawn("sleep", ["30"], { group: true, stdout: false, stderr: false });
      await new Promise((r) => first.once("spawn", r));
      const sleeper = first.pid!;
      const errored = new Promise<Error>((r) => first.once("error", r));
      const helperPid = h.pid!;
      process.kill(helperPid, "SIGTERM"); // ignored: only the service ends it
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(alive(helperPid) && alive(sleeper));
      process.kill(helperPid, "SIGKILL");
      assert.match((await errored).message, /spawn helper exited/);
      assert.ok(await waitGone(sleeper), "the lost helper's tool is killed");
      // The next spawn starts a new helper.
      assert.equal((await runProcess("echo", ["again"], opts)).stdout, "again\n");
      assert.notEqual(h.pid, helperPid);
      // After MAX_HELPER_STARTS losses tools are spawned directly (our own child).
      for (let lost = 1; lost < MAX_HELPER_STARTS; lost++) {
        if (lost > 1) await runProcess("true", [], opts);
        const dying = h.pid!;
        process.kill(dying, "SIGKILL");
        await waitGone(dying);
        await new Promise((r) => setTimeout(r, 50));
      }
      const direct = await runProcess("sh", ["-c", "echo $PPID"], opts);
      assert.equal(Number(direct.stdout), Deno.pid);
      assert.equal(h.pid, undefined);
    } finally {
      useSpawnHelper(null);
      await h.close();
    }
  },
});

Deno.test({
  name: "spawn helper - close() ends the helper and the tools it still runs",
  ignore,
  fn: async () => {
    const h = new SpawnHelper({ perl: perl! });
    const child = h.spawn("sleep", ["30"], { group: false, stdout: false, stderr: false });
    await new Promise((r) => child.once("spawn", r));
    const helperPid = h.pid!;
    const errored = new Promise((r) => child.once("error", r));
    await h.close();
    await errored;
    assert.ok(await waitGone(child.pid!), "the tool got SIGTERM from the closing helper");
    assert.ok(await waitGone(helperPid));
    // Closed: a later spawn is direct (our own child) and still works.
    const after = h.spawn("sh", ["-c", "echo $PPID"], {
      group: false,
      stdout: true,
      stderr: false,
    });
    let out = "";
    after.on("stdout", (c: Uint8Array) => out += new TextDecoder().decode(c));
    await new Promise((r) => after.once("close", r));
    assert.equal(Number(out), Deno.pid);
    assert.equal(h.pid, undefined);
  },
});

Deno.test({
  name: "spawn helper - a keepalive reader stopped before its pid is known is still stopped",
  ignore,
  fn: () =>
    withHelper(async (h) => {
      const dir = await mkdtemp(join(tmpdir(), "spawn-helper-ka-"));
      try {
        const pidFile = join(dir, "pid");
        const fake = join(dir, "ffmpeg");
        await writeFile(fake, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`);
        await chmod(fake, 0o755);
        const reader = new Keepalive({
          ffmpegPath: fake,
          url: "rtsp://127.0.0.1:1/x",
          transport: "tcp",
        });
        void reader.start();
        assert.equal(reader.pid, null, "the helper has not reported the pid yet");
        await reader.stop();
        assert.equal(h.running, 0, "stop() waited for the reader, which was killed once it ran");
        assert.equal(reader.running, false);
        // The file is missing or empty when the reader was killed before it wrote its pid.
        const written = (await readFile(pidFile, "utf8").catch(() => "")).trim();
        if (/^\d+$/.test(written)) assert.ok(await waitGone(Number(written)));
        assert.equal(currentSpawnHelper(), h);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }),
});
