/**
 * Builds the single executable (`deno task compile`):
 *
 *   deno run --allow-all compile/build.ts [--out dist] [--entry mod.ts] [--deno] [--if-changed]
 *                                         [--minify] [--no-code-cache] [--no-strip]
 *                                         [--node /path/to/node]
 *
 * 1. esbuild bundle → <out>/camera-service.cjs (CommonJS, node20, build info defined; comments
 *    and whitespace dropped, ASCII only; --minify also shortens identifiers)
 * 2. Node single executable → <out>/camera-service (offline: node + node_modules/postject)
 * 3. `deno compile` → <out>/camera-service-deno when DENORT_BIN is set (or --deno: one try)
 * <out>/build-info.json records the stamp, sizes, timings and the source hash.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildStamp, bundle } from "./bundle.ts";
import { buildSea, run } from "./sea.ts";
import { DENO_SKIPPED, denoCompile } from "./deno_compile.ts";
import { sourceHash } from "./source_hash.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Args {
  out: string;
  entry: string;
  deno: boolean;
  ifChanged: boolean;
  minify: boolean;
  codeCache: boolean;
  strip: boolean;
  node?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    out: join(ROOT, "dist"),
    entry: join(ROOT, "mod.ts"),
    deno: false,
    ifChanged: false,
    minify: false,
    codeCache: true,
    strip: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--out") a.out = resolve(value());
    else if (flag === "--entry") a.entry = resolve(value());
    else if (flag === "--node") a.node = resolve(value());
    else if (flag === "--deno") a.deno = true;
    else if (flag === "--if-changed") a.ifChanged = true;
    else if (flag === "--minify") a.minify = true;
    else if (flag === "--no-code-cache") a.codeCache = false;
    else if (flag === "--no-strip") a.strip = false;
    else throw new Error(`unknown option ${flag}`);
  }
  return a;
}

/** Paths whose content goes into the executable (also what sourceHash covers). */
const SOURCES = ["src", "config", "compile", "mod.ts", "package.json", "package-lock.json"];

/** Short HEAD commit, "-dirty" when the built sources differ from it; "unknown" outside git. */
async function gitCommit(): Promise<string> {
  try {
    const commit = (await run("git", ["rev-parse", "--short", "HEAD"], ROOT)).trim();
    if (!commit) return "unknown";
    const status = await run("git", ["status", "--porcelain", "--", ...SOURCES], ROOT);
    return status.trim() ? `${commit}-dirty` : commit;
  } catch {
    return "unknown";
  }
}

const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  try {
    await Deno.stat(args.entry);
  } catch {
    console.error(`error: entry ${args.entry} not found (pass --entry FILE)`);
    return 2;
  }
  await Deno.mkdir(args.out, { recursive: true });
  const pkg = JSON.parse(await Deno.readTextFile(join(ROOT, "package.json")));
  const commit = await gitCommit();
  const options =
    `entry=${args.entry} minify=${args.minify} cache=${args.codeCache} strip=${args.strip} node=${
      args.node ?? ""
    } commit=${commit}`;
  const hash = await sourceHash(ROOT, [options]);
  const exe = join(args.out, "camera-service");
  const infoFile = join(args.out, "build-info.json");
  if (args.ifChanged) {
    try {
      const prev = JSON.parse(await Deno.readTextFile(infoFile));
      await Deno.stat(exe);
      if (prev.hash === hash) {
        console.log(`up to date: ${exe} (${mib(prev.sea.bytes)}, sources unchanged)`);
        return 0;
      }
    } catch {
      // no previous build: build now
    }
  }
  const stamp: BuildStamp = {
    version: String(pkg.version),
    commit,
    date: new Date().toISOString(),
    runtime: "node-sea",
  };
  // Everything is made in a private folder, then renamed into place: two builds at once (test
  // runs in parallel) never mix their files, and a reader never sees a half-written executable.
  const work = await Deno.makeTempDir({ dir: args.out, prefix: ".build-" });
  try {
    const ok = await build(args, { work, hash, stamp });
    // DENORT_BIN set means the deno executable was asked for: its failure fails the build.
    if (!ok) return 1;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return 0;
}

async function build(
  args: Args,
  { work, hash, stamp }: { work: string; hash: string; stamp: BuildStamp },
): Promise<boolean> {
  const t0 = performance.now();
  const cjs = join(work, "camera-service.cjs");
  const b = await bundle({ entry: args.entry, outfile: cjs, stamp, minify: args.minify });
  for (const w of b.warnings) console.warn(w);
  const bundleSecs = secs(t0);
  console.log(`bundle: ${mib(b.bytes)} in ${bundleSecs} s (esbuild, cjs, node20)`);

  const t1 = performance.now();
  const sea = await buildSea({
    script: cjs,
    output: join(work, "camera-service"),
    root: ROOT,
    useCodeCache: args.codeCache,
    nodeBin: args.node,
    strip: args.strip,
  });
  const seaBytes = (await Deno.stat(join(work, "camera-service"))).size;
  const seaSecs = secs(t1);

  let deno: Record<string, unknown> = { built: false, reason: DENO_SKIPPED };
  let denoOk = true;
  const denort = Deno.env.get("DENORT_BIN");
  if (denort || args.deno) {
    const t2 = performance.now();
    const r = await denoCompile({
      entry: args.entry,
      output: join(work, "camera-service-deno"),
      env: Deno.env.toObject(),
      timeoutMs: denort ? 300_000 : 30_000,
    });
    if (r.built) {
      const out = join(args.out, "camera-service-deno");
      await Deno.rename(join(work, "camera-service-deno"), out);
      console.log(`deno executable: ${out} ${mib(r.bytes)} in ${secs(t2)} s`);
      deno = { built: true, bytes: r.bytes, seconds: Number(secs(t2)) };
    } else {
      console.log(`deno compile failed: ${r.reason}`);
      if (!denort) console.log(DENO_SKIPPED);
      deno = { built: false, reason: r.reason };
      if (denort) denoOk = false;
    }
  } else {
    console.log(DENO_SKIPPED);
  }
  const exe = join(args.out, "camera-service");
  await Deno.rename(cjs, join(args.out, "camera-service.cjs"));
  await Deno.rename(join(work, "camera-service"), exe);
  const strip = sea.stripped === true
    ? ", stripped"
    : typeof sea.stripped === "string"
    ? `, ${sea.stripped}`
    : "";
  console.log(
    `executable: ${exe} ${mib(seaBytes)} in ${seaSecs} s (node ${sea.nodeVersion}${strip})`,
  );
  const info = {
    hash,
    stamp,
    entry: args.entry,
    bundle: {
      file: join(args.out, "camera-service.cjs"),
      bytes: b.bytes,
      seconds: Number(bundleSecs),
    },
    sea: {
      file: exe,
      bytes: seaBytes,
      seconds: Number(seaSecs),
      node: sea.node,
      nodeVersion: sea.nodeVersion,
      codeCache: args.codeCache,
      stripped: sea.stripped,
    },
    deno,
  };
  const infoTmp = join(work, "build-info.json");
  await Deno.writeTextFile(infoTmp, JSON.stringify(info, null, 2) + "\n");
  await Deno.rename(infoTmp, join(args.out, "build-info.json"));
  console.log(`done in ${secs(t0)} s`);
  return denoOk;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
