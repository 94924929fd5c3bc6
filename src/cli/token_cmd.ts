/** `token create|verify`: mint and inspect HS256 tokens signed with the configured secret. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { decodeJwt } from "jose";
import { parseDurationSeconds } from "../auth/duration.ts";
import { signToken, validateSecret, verifyToken } from "../auth/jwt.ts";
import { isRole, ROLES } from "../auth/roles.ts";
import { JWT_SECRET_FILE, resolveJwtSecret } from "../auth/secret.ts";
import { Logger } from "../observability/log.ts";
import { RpcError } from "../rpc/errors.ts";
import { type CliCommand, type CliContext, CliUsageError, parseFlags } from "./types.ts";

const USAGE = `usage:
  token create --role viewer|operator|admin [--user ID] [--ttl 24h|90m|3600] [--json]
      Print a JWT (HS256) signed with the configured secret (security.jwt_secret_key or
      CAMERA_SERVICE_JWT_SECRET, else <data_dir>/jwt-secret, generated if missing).
      --user defaults to the OS user name; --ttl to security.jwt_expiry (units s, m, h, d, w).
  token verify TOKEN [--json]
      Check a token against the configured secret and print its claims (exit 1 if invalid).`;

/** The `token` command. */
export const tokenCommand: CliCommand = async (args, ctx) => {
  const [sub, ...rest] = withoutConfigFlag(args);
  if (sub === undefined) {
    ctx.err(USAGE);
    return 2;
  }
  if (sub === "--help" || sub === "-h" || sub === "help") {
    ctx.out(USAGE);
    return 0;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    ctx.out(USAGE);
    return 0;
  }
  try {
    if (sub === "create") return await create(rest, ctx);
    if (sub === "verify") return await verify(rest, ctx);
    throw new CliUsageError(`unknown token sub-command "${sub}" (create, verify)`);
  } catch (e) {
    ctx.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof CliUsageError ? 2 : 1;
  }
};

/** Drops the global `--config FILE` (handled by the dispatcher) from a command's arguments. */
export function withoutConfigFlag(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") i++;
    else if (!args[i].startsWith("--config=")) out.push(args[i]);
  }
  return out;
}

/** A logger whose lines go to the CLI's standard error. */
export function cliLogger(ctx: CliContext): Logger {
  return new Logger({ level: "info", format: "text", sink: (line) => ctx.err(line) });
}

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { flags, rest } = parseFlags(args, {
    strings: ["role", "user", "ttl"],
    booleans: ["json"],
  });
  if (rest.length > 0) throw new CliUsageError(`unexpected argument "${rest[0]}"`);
  const role = flags.role;
  if (typeof role !== "string") {
    throw new CliUsageError("--role is required (viewer, operator, admin)");
  }
  if (!isRole(role)) {
    throw new CliUsageError(`unknown role "${role}" (one of: ${ROLES.join(", ")})`);
  }
  const user = typeof flags.user === "string" ? flags.user.trim() : defaultUser();
  if (user.length === 0) throw new CliUsageError("--user must not be empty");
  let ttl: number | null = null;
  if (typeof flags.ttl === "string") {
    ttl = parseDurationSeconds(flags.ttl);
    if (ttl === null) {
      throw new CliUsageError(
        `bad --ttl "${flags.ttl}": a positive duration like 3600, 90m, 24h or 7d`,
      );
    }
  }
  const config = await ctx.config();
  ttl ??= config.security.jwt_expiry;
  const { secret } = await resolveJwtSecret(
    config.security.jwt_secret_key,
    config.data_dir,
    cliLogger(ctx),
  );
  const problem = validateSecret(secret);
  if (problem) ctx.err(`warning: ${problem}`);
  const now = Date.now();
  const token = await signToken({ secret, user_id: user, role, ttlSeconds: ttl, now });
  const expiresAt = new Date((Math.floor(now / 1000) + ttl) * 1000).toISOString();
  if (flags.json) {
    ctx.out(JSON.stringify({ token, user_id: user, role, expires_at: expiresAt }));
  } else {
    ctx.out(token);
    ctx.err(`token for user "${user}", role ${role}, expires ${expiresAt}`);
  }
  return 0;
}

async function verify(args: string[], ctx: CliContext): Promise<number> {
  const { flags, rest } = parseFlags(args, { booleans: ["json"] });
  if (rest.length !== 1) throw new CliUsageError("token verify needs exactly one TOKEN argument");
  const config = await ctx.config();
  const configured = config.security.jwt_secret_key;
  const file = join(config.data_dir, JWT_SECRET_FILE);
  if (configured === "" && !existsSync(file)) {
    ctx.err(`error: no JWT secret: none configured and ${file} does not exist yet`);
    return 1;
  }
  const { secret } = await resolveJwtSecret(configured, config.data_dir, cliLogger(ctx));
  try {
    const identity = await verifyToken(rest[0], secret);
    const claims = decodeJwt(rest[0]);
    const expiresAt = new Date((identity.expires_at ?? 0) * 1000).toISOString();
    if (flags.json) {
      ctx.out(JSON.stringify({ valid: true, claims, expires_at: expiresAt }));
    } else {
      ctx.out(`valid: user ${identity.user_id}, role ${identity.role}, expires ${expiresAt}`);
      ctx.out(JSON.stringify(claims, null, 2));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    const reason = String(e.data?.reason);
    if (flags.json) ctx.out(JSON.stringify({ valid: false, reason }));
    ctx.err(`error: invalid token: ${reason}`);
    return 1;
  }
}

function defaultUser(): string {
  try {
    return userInfo().username || "cli";
  } catch {
    return "cli";
  }
}
