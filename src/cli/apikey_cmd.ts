/** `apikey create|list|revoke`: manage hashed API keys in security.api_keys_file. */
import { ApiKeyError, type ApiKeyRecord, ApiKeyStore } from "../auth/apikeys.ts";
import { parseDurationSeconds } from "../auth/duration.ts";
import { isRole, ROLES } from "../auth/roles.ts";
import { apiKeysFile } from "../auth/setup.ts";
import { withoutConfigFlag } from "./token_cmd.ts";
import { type CliCommand, type CliContext, CliUsageError, parseFlags } from "./types.ts";

const USAGE = `usage:
  apikey create --role viewer|operator|admin --name NAME [--expires 30d|2027-01-31T00:00:00Z] [--json]
      Create a key and print it ONCE (only its SHA-256 hash is stored).
  apikey list [--json]
      Show the keys (id, name, role, status, created, expires); never the keys themselves.
  apikey revoke ID|NAME
      Revoke a key; a running service stops accepting it within a second.
The key file is security.api_keys_file (default <data_dir>/api-keys.json).`;

/** The `apikey` command. */
export const apikeyCommand: CliCommand = async (args, ctx) => {
  const [sub, ...rest] = withoutConfigFlag(args);
  if (sub === undefined) {
    ctx.err(USAGE);
    return 2;
  }
  if (sub === "--help" || sub === "-h" || sub === "help" || rest.includes("--help")) {
    ctx.out(USAGE);
    return 0;
  }
  try {
    if (sub === "create") return await create(rest, ctx);
    if (sub === "list") return await list(rest, ctx);
    if (sub === "revoke") return await revoke(rest, ctx);
    throw new CliUsageError(`unknown apikey sub-command "${sub}" (create, list, revoke)`);
  } catch (e) {
    if (e instanceof CliUsageError || e instanceof ApiKeyError) {
      ctx.err(`error: ${e.message}`);
      return 2;
    }
    ctx.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
};

async function openStore(ctx: CliContext): Promise<ApiKeyStore> {
  return await ApiKeyStore.open(apiKeysFile(await ctx.config()));
}

/** `--expires`: a duration from now (30d, 12h, 3600) or an ISO 8601 date/time. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const secs = parseDurationSeconds(text);
  if (secs !== null) return new Date(now + secs * 1000);
  const t = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)
    ? Date.parse(text)
    : NaN;
  if (Number.isNaN(t)) {
    throw new CliUsageError(
      `bad --expires "${text}": a duration like 30d or 12h, or an ISO date like 2027-01-31`,
    );
  }
  if (t <= now) throw new CliUsageError(`--expires ${text} is in the past`);
  return new Date(t);
}

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { flags, rest } = parseFlags(args, {
    strings: ["role", "name", "expires"],
    booleans: ["json"],
  });
  if (rest.length > 0) throw new CliUsageError(`unexpected argument "${rest[0]}"`);
  if (typeof flags.role !== "string") throw new CliUsageError("--role is required");
  if (!isRole(flags.role)) {
    throw new CliUsageError(`unknown role "${flags.role}" (one of: ${ROLES.join(", ")})`);
  }
  if (typeof flags.name !== "string" || flags.name === "") {
    throw new CliUsageError("--name is required");
  }
  const expiresAt = typeof flags.expires === "string" ? parseExpiry(flags.expires) : undefined;
  const store = await openStore(ctx);
  const k = await store.create({ name: flags.name, role: flags.role, expiresAt });
  if (flags.json) {
    ctx.out(JSON.stringify(k));
  } else {
    ctx.out(k.key);
    ctx.err(
      `created API key "${k.name}" (id ${k.id}, role ${k.role}, expires ${
        k.expires_at ?? "never"
      }) in ${store.file}`,
    );
  }
  ctx.err("warning: store this key now; it is not saved and cannot be shown again");
  return 0;
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { flags, rest } = parseFlags(args, { booleans: ["json"] });
  if (rest.length > 0) throw new CliUsageError(`unexpected argument "${rest[0]}"`);
  const store = await openStore(ctx);
  const keys = store.list();
  if (flags.json) {
    ctx.out(JSON.stringify(keys, null, 2));
    return 0;
  }
  if (keys.length === 0) {
    ctx.out(`no API keys (${store.file})`);
    return 0;
  }
  for (const line of table(keys)) ctx.out(line);
  return 0;
}

function table(keys: ApiKeyRecord[]): string[] {
  const rows = [
    ["ID", "NAME", "ROLE", "STATUS", "CREATED", "EXPIRES"],
    ...keys.map((k) => [k.id, k.name, k.role, k.status, k.created_at, k.expires_at ?? "never"]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
}

async function revoke(args: string[], ctx: CliContext): Promise<number> {
  const { rest } = parseFlags(args, {});
  if (rest.length !== 1) throw new CliUsageError("apikey revoke needs exactly one ID or NAME");
  const store = await openStore(ctx);
  const target = store.list().find((k) => k.id === rest[0] && k.status !== "revoked") ??
    store.list().find((k) => k.name === rest[0] && k.status !== "revoked");
  if (!target || !(await store.revoke(target.id))) {
    ctx.err(`error: no unrevoked API key with id or name "${rest[0]}"`);
    return 1;
  }
  ctx.out(`revoked API key "${target.name}" (id ${target.id})`);
  return 0;
}
