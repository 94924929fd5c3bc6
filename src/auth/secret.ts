/**
 * Where the JWT secret comes from: the configuration (or env) first, else `<data_dir>/jwt-secret`,
 * else a freshly generated one written there (0600, directory 0700). The value is never logged.
 */
import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../observability/log.ts";

/** File name of the generated secret inside the data directory. */
export const JWT_SECRET_FILE = "jwt-secret";

/** The resolved secret and where it came from. */
export interface ResolvedSecret {
  secret: string;
  /** The file it was read from or written to; null when it came from the configuration. */
  file: string | null;
  /** True when this call generated it. */
  generated: boolean;
}

/** Resolves the HS256 secret; see the module doc for the order. */
export async function resolveJwtSecret(
  configured: string,
  dataDir: string,
  log: Logger,
): Promise<ResolvedSecret> {
  if (configured.length > 0) return { secret: configured, file: null, generated: false };
  const file = join(dataDir, JWT_SECRET_FILE);
  const existing = await readSecretFile(file, log);
  if (existing !== null) return { secret: existing, file, generated: false };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  // Write to a private temp file, then hard-link it into place: the link fails if another
  // process created the file meanwhile, so two starters never end up with different secrets.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, secret + "\n", { mode: 0o600, flag: "wx" });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const other = await readSecretFile(file, log);
    if (other === null) throw new Error(`JWT secret file ${file} appeared empty; remove it`);
    return { secret: other, file, generated: false };
  } finally {
    await unlink(tmp).catch(() => {});
  }
  await chmod(file, 0o600);
  log.info("generated a JWT secret", {
    path: file,
    hint: "mint a token with: camera-service token create --role viewer",
  });
  return { secret, file, generated: true };
}

/** Reads the secret file; null when it does not exist. Empty or unreadable files are errors. */
async function readSecretFile(file: string, log: Logger): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "EACCES") {
      throw new Error(`JWT secret file ${file} is not readable by this user (fix its owner/mode)`);
    }
    throw new Error(`cannot read JWT secret file ${file}: ${(e as Error).message}`);
  }
  const secret = text.trim();
  if (secret.length === 0) {
    throw new Error(
      `JWT secret file ${file} is empty; delete it to generate a new one or put a secret in it`,
    );
  }
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0) {
    log.warn("JWT secret file is readable by group/others; run chmod 600 on it", {
      path: file,
      mode: (st.mode & 0o777).toString(8),
    });
  }
  return secret;
}
