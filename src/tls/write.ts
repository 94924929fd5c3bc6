/**
 * Writes generated certificates to disk: files 0600, a created folder 0700, written atomically
 * (temp file + rename) so a watching server never reads half a file.
 */
import { chmod, mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GeneratedCertificate } from "./generate.ts";

/** Options of {@link writeCertificateFiles}. */
export interface WriteOptions {
  /** Write `<base>.pem` holding chain + key instead of `<base>.crt` + `<base>.key`. */
  combined?: boolean;
  /** Replace existing files (default: refuse, so a CA key is never overwritten by accident). */
  overwrite?: boolean;
}

/** Paths written by {@link writeCertificateFiles}. */
export interface WrittenFiles {
  /** The certificate (chain when there is one), or the combined file. */
  certFile: string;
  /** The private key, or the combined file again. */
  keyFile: string;
  combined: boolean;
}

/** Creates `dir` (and parents) with mode 0700 when missing; an existing folder is left as is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const existed = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (existed) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // the umask may have narrowed or widened the mkdir mode
}

/** Writes `text` to `file` with mode 0600, atomically. */
export async function writePrivateFile(
  file: string,
  text: string,
  overwrite = false,
): Promise<void> {
  if (!overwrite && await stat(file).then(() => true, () => false)) {
    throw new Error(`${file} already exists (use --force to replace it)`);
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: "wx" });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Writes a generated certificate into `dir` as `<base>.crt` (chain when issued by a CA) and
 * `<base>.key`, or with `combined` as one `<base>.pem` (chain then key, the seed's format).
 */
export async function writeCertificateFiles(
  dir: string,
  base: string,
  cert: GeneratedCertificate,
  opts: WriteOptions = {},
): Promise<WrittenFiles> {
  await ensurePrivateDir(dir);
  const chain = cert.chainPem ?? cert.certPem;
  if (opts.combined) {
    const file = join(dir, `${base}.pem`);
    await writePrivateFile(file, chain + cert.keyPem, opts.overwrite);
    return { certFile: file, keyFile: file, combined: true };
  }
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  for (const f of [certFile, keyFile]) {
    if (!opts.overwrite && await stat(f).then(() => true, () => false)) {
      throw new Error(`${f} already exists (use --force to replace it)`);
    }
  }
  // Key first: a watcher that sees the new certificate then finds its key already in place.
  await writePrivateFile(keyFile, cert.keyPem, true);
  await writePrivateFile(certFile, chain, true);
  return { certFile, keyFile, combined: false };
}
