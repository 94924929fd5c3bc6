/**
 * Node single executable application (SEA) step: sea-config.json → blob
 * (`node --experimental-sea-config`) → a copy of the node binary with the blob injected by
 * postject. Works offline: it only needs node and node_modules/postject.
 */
import { dirname, join, resolve } from "node:path";

/** The fuse every SEA-capable node binary carries (from the Node.js SEA documentation). */
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** Options of {@link buildSea}. */
export interface SeaOptions {
  /** The CommonJS bundle to embed. */
  script: string;
  /** The executable to write. */
  output: string;
  /** The node binary to copy (default: `node` from PATH, resolved to its real path). */
  nodeBin?: string;
  /** V8 code cache in the blob: faster start, bigger file, tied to this exact node build. */
  useCodeCache?: boolean;
  /** Repository root (where node_modules/postject lives). */
  root: string;
  /**
   * Strip symbols and debug info from the node copy before injecting (`strip --strip-all`,
   * when binutils' strip exists): node builds that ship debug info shrink by ~12 MiB.
   */
  strip?: boolean;
}

/** What {@link buildSea} used and did. */
export interface SeaResult {
  node: string;
  nodeVersion: string;
  /** True when the node copy was stripped; a reason string when stripping was asked but skipped. */
  stripped: boolean | string;
}

/** Runs a program; throws with its output when it fails. Returns stdout. */
export async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${text(out.stdout)}${text(out.stderr)}`,
    );
  }
  return text(out.stdout);
}

/** Finds the real node binary: `node` on PATH asked for its own `process.execPath`. */
export async function findNode(): Promise<string> {
  const path = (await run("node", ["-p", "process.execPath"])).trim();
  return await Deno.realPath(path);
}

/** Builds the single executable. Returns the node binary used and its version. */
export async function buildSea(opts: SeaOptions): Promise<SeaResult> {
  const node = opts.nodeBin ?? await findNode();
  const nodeVersion = (await run(node, ["--version"])).trim();
  const major = Number(nodeVersion.replace(/^v/, "").split(".")[0]);
  if (!(major >= 20)) {
    throw new Error(`${node} is ${nodeVersion}; single executables need node >= 20`);
  }
  const output = resolve(opts.output);
  const workDir = dirname(output);
  const seaConfig = join(workDir, "sea-config.json");
  const blob = join(workDir, "sea-prep.blob");
  await Deno.writeTextFile(
    seaConfig,
    JSON.stringify(
      {
        main: resolve(opts.script),
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: opts.useCodeCache ?? true,
      },
      null,
      2,
    ) + "\n",
  );
  await run(node, ["--experimental-sea-config", seaConfig], workDir);
  const tmp = `${output}.${Deno.pid}.tmp`;
  await Deno.copyFile(node, tmp);
  await Deno.chmod(tmp, 0o755);
  let stripped: boolean | string = false;
  if (opts.strip ?? true) {
    try {
      await run("strip", ["--strip-all", tmp]);
      stripped = true;
    } catch (e) {
      stripped = `not stripped: ${(e as Error).message.split("\n")[0]}`;
    }
  }
  // On linux no signature has to be removed (macOS would need `codesign --remove-signature`).
  const postject = join(opts.root, "node_modules", "postject", "dist", "cli.js");
  await run(node, [postject, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE]);
  await Deno.rename(tmp, output);
  await Deno.chmod(output, 0o755);
  await Deno.remove(blob);
  return { node, nodeVersion, stripped };
}
