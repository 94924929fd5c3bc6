/** The error every certificate/key/CA problem becomes: a code, the file, and what to do. */
import { lstat, readlink } from "node:fs/promises";

/** Machine-readable reason of a {@link TlsConfigError}. */
export type TlsErrorCode =
  | "CERT_NOT_CONFIGURED"
  | "FILE_MISSING"
  | "FILE_UNREADABLE"
  | "NOT_A_FILE"
  | "NOT_PEM"
  | "NO_CERTIFICATE"
  | "CERT_INVALID"
  | "CA_BUNDLE"
  | "NO_PRIVATE_KEY"
  | "KEY_INVALID"
  | "KEY_ENCRYPTED"
  | "KEY_PASSPHRASE_WRONG"
  | "KEY_MISMATCH"
  | "CERT_NOT_YET_VALID"
  | "CA_FILE_REQUIRED"
  | "CA_FILE_INVALID"
  | "VERIFY_MODE_INVALID";

/** A TLS configuration problem; `message` names the file and says how to fix it. */
export class TlsConfigError extends Error {
  constructor(
    readonly code: TlsErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = "TlsConfigError";
  }
}

/** Which setting a file came from, for messages. */
export interface FileRole {
  /** "certificate", "private key", "CA". */
  what: string;
  /** Config key, e.g. "security.ssl.cert_file". */
  key: string;
}

function uidText(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  return uid === undefined ? "the service user" : `uid ${uid}`;
}

/**
 * Turns a failed read of `file` into a TlsConfigError (missing, dangling symlink, permission
 * denied, a directory, anything else). Exported for tests of the mapping itself.
 */
export async function fileReadError(
  err: NodeJS.ErrnoException,
  file: string,
  role: FileRole,
): Promise<TlsConfigError> {
  const where = `${role.what} file ${file} (${role.key})`;
  switch (err.code) {
    case "ENOENT": {
      const link = await lstat(file).then((s) => s.isSymbolicLink(), () => false);
      if (link) {
        const target = await readlink(file).catch(() => "?");
        return new TlsConfigError(
          "FILE_MISSING",
          `${where} is a symbolic link to ${target}, which does not exist: renew or reinstall ` +
            `the certificate, or point ${role.key} at an existing file`,
          file,
        );
      }
      return new TlsConfigError(
        "FILE_MISSING",
        `${where} does not exist: check the path, or leave cert_file and key_file empty to ` +
          `use a generated development certificate`,
        file,
      );
    }
    case "EACCES":
    case "EPERM":
      return new TlsConfigError(
        "FILE_UNREADABLE",
        `cannot read ${where}: permission denied for ${uidText()}. Make it readable by the ` +
          `service user, e.g. chgrp camera-service ${file} && chmod 640 ${file}, and check the ` +
          `folders above it are searchable (x)`,
        file,
      );
    case "EISDIR":
      return new TlsConfigError(
        "NOT_A_FILE",
        `${where} is a directory, not a PEM file: name the file inside it`,
        file,
      );
    default:
      return new TlsConfigError(
        "FILE_UNREADABLE",
        `cannot read ${where}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " "),
        file,
      );
  }
}
