/** `config check`: load and validate the configuration, print it with secrets masked. */
import { ConfigError, formatProblem } from "../config/errors.ts";
import { loadConfig } from "../config/load.ts";
import { maskConfig } from "../config/mask.ts";
import { type CliCommand, CliUsageError, parseFlags } from "./types.ts";

const USAGE = `usage:
  config check [--config FILE] [--json]
      Load the configuration (--config FILE, else the file named by CAMERA_SERVICE_CONFIG,
      else the embedded default), apply environment overrides, validate it, and print the
      resolved configuration with secrets masked (YAML; JSON with --json).
      Exit 0 when valid; exit 1 with one problem per line when not.`;

/**
 * The `config check` command. `args` are the words after `config check` (a leading "check"
 * is accepted too, for a dispatcher that passes the words after `config`).
 */
export const configCommand: CliCommand = async (args, ctx) => {
  const words = args[0] === "check" ? args.slice(1) : args;
  if (words.includes("--help") || words.includes("-h") || words[0] === "help") {
    ctx.out(USAGE);
    return 0;
  }
  let flags: Record<string, string | boolean | string[]>;
  try {
    const parsed = parseFlags(words, { strings: ["config"], booleans: ["json"] });
    if (parsed.rest.length > 0) throw new CliUsageError(`unexpected argument "${parsed.rest[0]}"`);
    flags = parsed.flags;
  } catch (e) {
    ctx.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    ctx.err(USAGE);
    return 2;
  }
  const json = flags.json === true;
  const file = typeof flags.config === "string" ? flags.config : undefined;
  try {
    const loaded = await loadConfig({ file, env: ctx.env });
    const masked = maskConfig(loaded.config);
    if (json) {
      ctx.out(JSON.stringify(
        { ok: true, source: loaded.source, notes: loaded.notes, config: masked },
        null,
        2,
      ));
    } else {
      ctx.out(`# configuration is valid`);
      ctx.out(`# source: ${loaded.source}`);
      for (const note of loaded.notes) ctx.out(`# note: ${note}`);
      const { stringify } = await import("yaml"); // only this output needs the YAML package
      ctx.out(stringify(masked, { lineWidth: 0 }).trimEnd());
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) {
      ctx.err(`error: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    if (json) {
      ctx.out(JSON.stringify(
        { ok: false, source: e.source, notes: e.notes, problems: e.problems },
        null,
        2,
      ));
    } else {
      for (const note of e.notes) ctx.err(`note: ${note}`);
      const n = e.problems.length;
      ctx.err(`invalid configuration (${e.source}): ${n} problem${n === 1 ? "" : "s"}`);
      for (const p of e.problems) ctx.err(formatProblem(p));
    }
    return 1;
  }
};
