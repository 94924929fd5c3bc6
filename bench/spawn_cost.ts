/**
 * What starting a child process costs the service afterwards, with and without the spawn helper
 * (src/util/spawn.ts, src/util/spawn_helper.ts):
 *
 *   deno run -A bench/spawn_cost.ts [--rounds N] [--ballast-mb M]
 *
 * The process holds M MB of touched memory (a service with its connections). Each round starts
 * `true` (directly, then through the helper), waits for it to close, and times the first write
 * to every page of that memory afterwards, with the page faults it took. Runs under Deno, then
 * bundled by esbuild under Node (the runtime of the single executable), and prints one table.
 * The helper's own RSS is printed too.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnDirect, type ToolSpawner } from "../src/util/spawn.ts";
import { bundleFileForNode } from "../tests/support/node_bundle.ts";
import { SpawnHelper } from "../src/util/spawn_helper.ts";

interface Row {
  runtime: string;
  way: string;
  spawn_ms: number;
  touch_ms: number;
  faults: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

/** Minor + major page faults of this process so far. */
function faults(): number {
  const s = readFileSync("/proc/self/stat", "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[7]) + Number(f[9]);
}

function startAndClose(spawn: ToolSpawner["spawn"]): Promise<void> {
  return new Promise((res, rej) => {
    const c = spawn("true", [], { group: true, stdout: true, stderr: true });
    c.once("close", () => res());
    c.once("error", rej);
  });
}

async function measure(): Promise<{ rows: Row[]; helperRssKb: number }> {
  const rounds = arg("--rounds", 20);
  const ballast = Array.from({ length: arg("--ballast-mb", 60) }, () => new Uint8Array(1 << 20));
  const touch = () => {
    const t0 = performance.now();
    for (const b of ballast) for (let i = 0; i < b.length; i += 4096) b[i]++;
    return performance.now() - t0;
  };
  touch();
  const runtime = process.versions.deno
    ? `deno ${process.versions.deno}`
    : `node ${process.version}`;
  const helper = SpawnHelper.create();
  if (!helper) throw new Error("perl is not on PATH");
  const rows: Row[] = [];
  try {
    const ways: [string, ToolSpawner["spawn"]][] = [
      ["direct", spawnDirect],
      ["spawn helper", helper.spawn.bind(helper)],
    ];
    for (const [way, spawn] of ways) {
      await startAndClose(spawn); // warm-up (and the helper's own start)
      let spawnMs = 0, touchMs = 0, f = 0;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        await startAndClose(spawn);
        spawnMs += performance.now() - t0;
        const f0 = faults();
        touchMs += touch();
        f += faults() - f0;
      }
      rows.push({
        runtime,
        way,
        spawn_ms: spawnMs / rounds,
        touch_ms: touchMs / rounds,
        faults: Math.round(f / rounds),
      });
    }
    const status = readFileSync(`/proc/${helper.pid}/status`, "utf8");
    return { rows, helperRssKb: Number(status.match(/VmRSS:\s+(\d+)/)?.[1]) };
  } finally {
    await helper.close();
  }
}

const self = fileURLToPath(import.meta.url);

if (process.env.SPAWN_COST_CHILD) {
  console.log(JSON.stringify(await measure()));
} else {
  const deno = await measure();
  const dir = await mkdtemp(join(tmpdir(), "spawn-cost-"));
  let node: typeof deno;
  try {
    const out = bundleFileForNode(self, join(dir, "spawn_cost.mjs"));
    node = JSON.parse(
      execFileSync("node", [out, ...process.argv.slice(2)], {
        env: { ...process.env, SPAWN_COST_CHILD: "1" },
        encoding: "utf8",
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `| runtime | spawned | spawn → close ms | first write to the memory after it, ms | page faults |`,
  );
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const r of [...deno.rows, ...node.rows]) {
    console.log(
      `| ${r.runtime} | ${r.way} | ${r.spawn_ms.toFixed(1)} | ${
        r.touch_ms.toFixed(1)
      } | ${r.faults} |`,
    );
  }
  console.log(`\nspawn helper RSS: ${Math.round(node.helperRssKb / 102.4) / 10} MB`);
}
