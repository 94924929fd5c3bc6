/** The command line: dispatches sub-commands; one-line reason and non-zero exit on errors. */
import { buildInfo } from "../buildinfo.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import { type CliCommand, type CliContext, CliUsageError } from "./types.ts";

export const HELP =
  `camera-service: control plane for edge camera boxes (JSON-RPC 2.0 over WSS, MediaMTX)

usage: camera-service <command> [options]

commands:
  serve                      run the service (default config: embedded)
  config check               validate the config and print it with secrets masked
  token create --role R      print a JWT signed with the configured secret
  token verify TOKEN         show a token's claims or why it is refused
  apikey create|list|revoke  manage API keys (stored as hashes)
  cert self-signed|ca create|issue|inspect
                             make and inspect certificates (no openssl needed)
  rpc <method> [json]        call one JSON-RPC method over WSS
  --version                  print version, commit and build date

global options:
  --config FILE              config file (else CAMERA_SERVICE_CONFIG, else embedded default)

Run "camera-service <command> --help" for a command's options.`;

/** Commands by their words; loaded lazily so `--version` stays fast. */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  serve: async () => (await import("./serve_cmd.ts")).serveCommand,
  rpc: async () => (await import("./rpc_cmd.ts")).rpcCommand,
  "config check": async () => (await import("./config_cmd.ts")).configCommand,
  token: async () => (await import("./token_cmd.ts")).tokenCommand,
  apikey: async () => (await import("./apikey_cmd.ts")).apikeyCommand,
  cert: async () => (await import("./cert_cmd.ts")).certCommand,
};

/** `--config FILE` anywhere in the arguments (also `--config=FILE`). */
function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") return args[i + 1];
    if (args[i].startsWith("--config=")) return args[i].slice(9);
  }
  return undefined;
}

/** Run the CLI with `argv` (without the program name). Returns the exit code. */
export async function main(
  argv: string[],
  io: { out(line: string): void; err(line: string): void } = {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  },
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [first, second] = argv;
  if (!first || first === "--help" || first === "-h" || first === "help") {
    io.out(HELP);
    return first ? 0 : 2;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    const b = buildInfo();
    io.out(
      `camera-service ${b.version} (commit ${b.commit}, built ${b.date}, runtime ${b.runtime})`,
    );
    return 0;
  }
  const key = first === "config" ? `config ${second ?? ""}`.trim() : first;
  const load = COMMANDS[key];
  if (!load) {
    io.err(`error: unknown command "${key}". Run camera-service --help for the list.`);
    return 2;
  }
  const rest = argv.slice(key.split(" ").length);
  let cached: Config | null = null;
  const ctx: CliContext = {
    ...io,
    env,
    config: async () => {
      if (!cached) {
        const loaded = await loadConfig({ file: configFlag(argv), env });
        // Notes (e.g. an ignored system-wide SSL_CERT_FILE) matter when serving; other
        // commands stay quiet so scripts get clean output.
        if (key === "serve") { for (const note of loaded.notes) io.err(`note: ${note}`); }
        cached = loaded.config;
      }
      return cached;
    },
  };
  try {
    const command = await load();
    return await command(rest, ctx);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    io.err(`error: ${msg.replace(/\n/g, "\n  ")}`);
    return err instanceof CliUsageError ? 2 : 1;
  }
}
