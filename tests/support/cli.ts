/** Running CLI sub-commands in-process with their output captured (no process, no console). */
import type { CliCommand, CliContext } from "../../src/cli/types.ts";
import type { Config } from "../../src/config/types.ts";

/** What a command printed and returned. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

/** Options of {@link captureCli}. */
export interface CaptureOptions {
  env?: Record<string, string | undefined>;
  /** What ctx.config() resolves to; without it a call rejects (the command must not need it). */
  config?: Config;
}

/** A CliContext whose out/err lines land in the returned arrays. */
export function captureCli(
  opts: CaptureOptions = {},
): { ctx: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const { config } = opts;
  const ctx: CliContext = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: opts.env ?? {},
    config: () =>
      config ? Promise.resolve(config) : Promise.reject(new Error("this command needs no config")),
  };
  return { ctx, out, err };
}

/** Runs `cmd` with `args` on a capturing context. */
export async function runCli(
  cmd: CliCommand,
  args: string[],
  opts: CaptureOptions = {},
): Promise<CliRun> {
  const { ctx, out, err } = captureCli(opts);
  const code = await cmd(args, ctx);
  return { code, out, err };
}

/** An argv from one space-separated string (for arguments that contain no space). */
export function argv(line: string): string[] {
  return line.split(" ");
}
