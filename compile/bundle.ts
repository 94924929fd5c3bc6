/**
 * esbuild step of the executable build: one CommonJS file for Node 20 (what a Node single
 * executable application runs), with the build information defined as a global constant.
 */
import * as esbuild from "esbuild";
import { resolve } from "node:path";

/** What `__CAMERA_SERVICE_BUILD__` holds inside the executable (read by src/buildinfo.ts). */
export interface BuildStamp {
  version: string;
  commit: string;
  date: string;
  runtime: string;
}

/** Options of {@link bundle}. */
export interface BundleOptions {
  entry: string;
  outfile: string;
  stamp: BuildStamp;
  /**
   * Also shorten identifiers (smaller still; stack traces lose function names). Whitespace,
   * comments and syntax are always minified: the executable holds its whole source in memory.
   */
  minify?: boolean;
}

/** Result of {@link bundle}: the output size and esbuild's warnings as text. */
export interface BundleResult {
  bytes: number;
  warnings: string[];
}

/**
 * `import.meta` does not exist in CommonJS: esbuild would turn it into `{}`. The banner gives
 * the bundle a file URL of its own (inside a single executable `__filename` is the executable),
 * and `define` points `import.meta.url/dirname/filename` at it. `import.meta.main` is true in
 * the bundle: only the entry of the bundle is ever run as a program.
 */
const BANNER = [
  'var __cs_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  "var __cs_import_meta_filename = __filename;",
  "var __cs_import_meta_dirname = __dirname;",
].join("\n");

/**
 * ws `require`s the optional native add-ons bufferutil and utf-8-validate in a try/catch and
 * works without them. Left external, the require would reach the executable's built-in-only
 * `require`, which prints a warning at every start; a module that throws keeps ws quiet.
 */
const optionalAddons: esbuild.Plugin = {
  name: "optional-native-addons",
  setup(build) {
    build.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({
      path: args.path,
      namespace: "absent-addon",
    }));
    build.onLoad({ filter: /.*/, namespace: "absent-addon" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled`)});`,
      loader: "js",
    }));
  },
};

/**
 * `import.meta.main` is defined as true for the whole bundle, which is right only for the entry:
 * another project module that tests it would run its main block inside the executable. Fail
 * the build instead of shipping that.
 */
function onlyEntryIsMain(entry: string): esbuild.Plugin {
  return {
    name: "only-entry-is-main",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path === entry || args.path.includes("/node_modules/")) return undefined;
        const text = await Deno.readTextFile(args.path);
        if (!text.includes("import.meta.main")) return undefined;
        return {
          errors: [{
            text: `${args.path} uses import.meta.main: in the single executable it is always ` +
              "true; move the main block to the entry module",
          }],
        };
      });
    },
  };
}

/**
 * `\uXXXX` for every non-ASCII UTF-16 unit. esbuild escapes them in strings and identifiers
 * but leaves regular expression literals (and kept comments) alone, and one such character
 * makes V8 hold the whole bundle source as a two-byte string: twice its size, for the
 * process's life. Inside a regex or a comment the escape means the same; an identity escape
 * (`\µ`) loses its backslash, since `\\u00b5` would be a backslash and the letters.
 */
export function asciiOnly(code: string): string {
  return code.replace(/(\\*)([\u0080-\uffff])/g, (_, slashes: string, c: string) => {
    const kept = slashes.length % 2 ? slashes.slice(1) : slashes;
    return `${kept}\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** Bundles `entry` into one CommonJS file for Node 20. Throws with esbuild's errors. */
export async function bundle(opts: BundleOptions): Promise<BundleResult> {
  try {
    const result = await esbuild.build({
      entryPoints: [opts.entry],
      outfile: opts.outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      minifyWhitespace: true,
      minifySyntax: true,
      minifyIdentifiers: opts.minify ?? false,
      sourcemap: false,
      legalComments: "none",
      logLevel: "silent",
      plugins: [optionalAddons, onlyEntryIsMain(resolve(opts.entry))],
      // The embedded default config (and any other text asset) imported as a string.
      loader: { ".yaml": "text", ".yml": "text", ".txt": "text", ".pem": "text" },
      banner: { js: BANNER },
      define: {
        "import.meta.url": "__cs_import_meta_url",
        "import.meta.filename": "__cs_import_meta_filename",
        "import.meta.dirname": "__cs_import_meta_dirname",
        "import.meta.main": "true",
        "__CAMERA_SERVICE_BUILD__": JSON.stringify(opts.stamp),
      },
    });
    const warnings = await esbuild.formatMessages(result.warnings, { kind: "warning" });
    const code = await Deno.readTextFile(opts.outfile);
    const ascii = asciiOnly(code);
    if (ascii !== code) await Deno.writeTextFile(opts.outfile, ascii);
    const bytes = (await Deno.stat(opts.outfile)).size;
    return { bytes, warnings };
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors;
    if (!errors?.length) throw err;
    const text = await esbuild.formatMessages(errors, { kind: "error", color: false });
    const hint = text.some((t) => t.includes("Top-level await"))
      ? "\nhint: Node 20 single executables run CommonJS, which has no top-level await; " +
        "call the CLI as `main(args).then(...)` instead of `await main(args)`."
      : "";
    throw new Error(`esbuild failed:\n${text.join("\n")}${hint}`);
  } finally {
    await esbuild.stop();
  }
}
