/** What every CLI sub-command receives. Commands return the process exit code. */
import type { Config } from "../config/types.ts";

export interface CliIO {
  /** Write a line to standard output. */
  out(line: string): void;
  /** Write a line to standard error. */
  err(line: string): void;
}

export interface CliContext extends CliIO {
  /** Loads the resolved config (honours --config / CAMERA_SERVICE_CONFIG); only called when needed. */
  config(): Promise<Config>;
  env: Record<string, string | undefined>;
}

/** A sub-command: parses its own args (after the command words), returns an exit code. */
export type CliCommand = (args: string[], ctx: CliContext) => Promise<number>;

/** Thrown for a usage or input problem: the CLI prints `error: <message>` and exits 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

/** Minimal flag parser: --name value, --name=value, --flag (boolean when in `booleans`). */
export function parseFlags(
  args: string[],
  spec: { strings?: string[]; booleans?: string[]; multi?: string[] },
): { flags: Record<string, string | boolean | string[]>; rest: string[] } {
  const flags: Record<string, string | boolean | string[]> = {};
  const rest: string[] = [];
  const strings = new Set([...(spec.strings ?? []), ...(spec.multi ?? [])]);
  const booleans = new Set(spec.booleans ?? []);
  const multi = new Set(spec.multi ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--") || a === "--") {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.has(name)) {
      flags[name] = eq > 0 ? a.slice(eq + 1) !== "false" : true;
    } else if (strings.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
      if (multi.has(name)) flags[name] = [...((flags[name] as string[]) ?? []), value];
      else flags[name] = value;
    } else {
      throw new CliUsageError(`unknown option --${name}`);
    }
  }
  return { flags, rest };
}
