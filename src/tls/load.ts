/**
 * Loads and checks the service's TLS material: certificate chain (or combined chain + key),
 * private key (plain or encrypted, PKCS#8/PKCS#1/SEC1), client CA. Every broken case throws a
 * {@link TlsConfigError}; an expired certificate loads with `expired: true` so the box stays
 * reachable to be fixed.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { SslConfig } from "../config/types.ts";
import { fileReadError, type FileRole, TlsConfigError } from "./errors.ts";
import {
  type CertInfo,
  certInfo,
  isKeyLabel,
  parseCertificate,
  type PemBlock,
  splitPem,
} from "./inspect.ts";

export { TlsConfigError } from "./errors.ts";
export type { TlsErrorCode } from "./errors.ts";
export { type CertInfo, inspectCertificate } from "./inspect.ts";

/** Checked material, ready for node:tls. */
export interface TlsMaterial {
  /** PEM chain, leaf first. */
  cert: string;
  /** PEM private key, decrypted and normalised to PKCS#8 (so `passphrase` is not needed). */
  key: string;
  /** Always undefined: the key is decrypted at load time (kept for node:tls option parity). */
  passphrase?: string;
  /** PEM CA certificates that sign client certificates (verify_mode OPTIONAL/REQUIRED). */
  ca?: string;
  leaf: CertInfo;
  expired: boolean;
  /** Absolute paths read (certificate, key when separate, CA): what a reloader watches. */
  files: string[];
}

const CERT: FileRole = { what: "certificate", key: "security.ssl.cert_file" };
const KEY: FileRole = { what: "private key", key: "security.ssl.key_file" };
const CA: FileRole = { what: "CA", key: "security.ssl.ca_file" };
const VERIFY_MODES = ["CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED"];

async function readText(file: string, role: FileRole): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw await fileReadError(e as NodeJS.ErrnoException, file, role);
  }
}

function notPem(file: string, role: FileRole, text: string): TlsConfigError {
  const what = text.trim() === ""
    ? "is empty"
    : text.charCodeAt(0) === 0x30
    ? "looks like binary DER, not PEM (convert it: openssl x509 -inform der -in FILE -out FILE.pem)"
    : "is not PEM: no -----BEGIN ...----- block in it";
  return new TlsConfigError("NOT_PEM", `${role.what} file ${file} (${role.key}) ${what}`, file);
}

interface ParsedCert {
  block: PemBlock;
  spki: Uint8Array;
  info: CertInfo;
}

function parseCerts(blocks: PemBlock[], file: string, role: FileRole, now: Date): ParsedCert[] {
  return blocks.filter((b) => b.label === "CERTIFICATE").map((block, i) => {
    try {
      const cert = parseCertificate(block.text);
      return { block, spki: cert.spki, info: certInfo(cert, now) };
    } catch (e) {
      throw new TlsConfigError(
        role === CA ? "CA_FILE_INVALID" : "CERT_INVALID",
        `certificate #${i + 1} in ${file} (${role.key}) is not a valid X.509 certificate ` +
          `(${(e as Error).message}): replace the file with the PEM the CA issued`,
        file,
      );
    }
  });
}

function loadKey(block: PemBlock, file: string, passphrase: string): KeyObject {
  if (block.encrypted && !passphrase) {
    throw new TlsConfigError(
      "KEY_ENCRYPTED",
      `private key in ${file} is encrypted and no passphrase is set: set ` +
        `security.ssl.key_passphrase (or CAMERA_SERVICE_SSL_KEY_PASSPHRASE), or decrypt it ` +
        `(openssl pkey -in ${file} -out ${file}.plain)`,
      file,
    );
  }
  try {
    return createPrivateKey({
      key: block.text,
      format: "pem",
      passphrase: passphrase || undefined,
    });
  } catch (e) {
    const msg = (e as Error).message;
    if (block.encrypted && /decrypt|password|passphrase|interrupted/i.test(msg)) {
      throw new TlsConfigError(
        "KEY_PASSPHRASE_WRONG",
        `cannot decrypt the private key in ${file}: wrong passphrase (security.ssl.key_passphrase)`,
        file,
      );
    }
    throw new TlsConfigError(
      "KEY_INVALID",
      `the private key in ${file} (${KEY.key}) cannot be parsed (${msg}): replace it with the ` +
        `key that belongs to the certificate`,
      file,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Loads and checks the files named by `ssl`. */
export async function loadTlsMaterial(
  ssl: SslConfig,
  opts: { now?: Date } = {},
): Promise<TlsMaterial> {
  const now = opts.now ?? new Date();
  if (!VERIFY_MODES.includes(ssl.verify_mode)) {
    throw new TlsConfigError(
      "VERIFY_MODE_INVALID",
      `security.ssl.verify_mode "${ssl.verify_mode}" is not one of ${VERIFY_MODES.join(", ")}`,
    );
  }
  if (!ssl.cert_file) {
    throw new TlsConfigError(
      "CERT_NOT_CONFIGURED",
      "security.ssl.cert_file is empty: name a certificate file (or use the generated " +
        "development certificate)",
    );
  }
  const certFile = resolve(ssl.cert_file);
  const certText = await readText(certFile, CERT);
  const certBlocks = splitPem(certText);
  if (certBlocks.length === 0) throw notPem(certFile, CERT, certText);
  const certs = parseCerts(certBlocks, certFile, CERT, now);
  const keyBlocksInCert = certBlocks.filter((b) => isKeyLabel(b.label));
  if (certs.length === 0) {
    throw new TlsConfigError(
      "NO_CERTIFICATE",
      `certificate file ${certFile} (${CERT.key}) holds no certificate` +
        (keyBlocksInCert.length
          ? " but a private key: are cert_file and key_file swapped?"
          : ` (found: ${[...new Set(certBlocks.map((b) => b.label))].join(", ")})`),
      certFile,
    );
  }
  if (certs.length >= 2 && keyBlocksInCert.length === 0 && certs.every((c) => c.info.isCA)) {
    throw new TlsConfigError(
      "CA_BUNDLE",
      `certificate file ${certFile} holds ${certs.length} CA certificates and no server ` +
        `certificate: this looks like a CA bundle such as /etc/ssl/certs/ca-certificates.crt, ` +
        `not a server certificate. If SSL_CERT_FILE is exported system-wide, set ` +
        `CAMERA_SERVICE_SSL_CERT_FILE (or security.ssl.cert_file) to the service's own certificate`,
      certFile,
    );
  }

  const files = [certFile];
  let keyFile = certFile;
  let keyBlocks = keyBlocksInCert;
  if (ssl.key_file && resolve(ssl.key_file) !== certFile) {
    keyFile = resolve(ssl.key_file);
    files.push(keyFile);
    const keyText = await readText(keyFile, KEY);
    const blocks = splitPem(keyText);
    if (blocks.length === 0) throw notPem(keyFile, KEY, keyText);
    keyBlocks = blocks.filter((b) => isKeyLabel(b.label));
    if (keyBlocks.length === 0) {
      throw new TlsConfigError(
        "NO_PRIVATE_KEY",
        `key file ${keyFile} (${KEY.key}) holds no private key (found: ` +
          `${[...new Set(blocks.map((b) => b.label))].join(", ")}): are cert_file and key_file ` +
          `swapped?`,
        keyFile,
      );
    }
  } else if (keyBlocks.length === 0) {
    throw new TlsConfigError(
      "NO_PRIVATE_KEY",
      `no private key: ${certFile} holds no PRIVATE KEY block and security.ssl.key_file is ` +
        `empty. Set key_file to the key, or append the key to the certificate (combined PEM)`,
      certFile,
    );
  }

  const key = loadKey(keyBlocks[0], keyFile, ssl.key_passphrase);
  const spki = new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
  const leafIndex = certs.findIndex((c) => sameBytes(c.spki, spki));
  if (leafIndex < 0) {
    throw new TlsConfigError(
      "KEY_MISMATCH",
      `the private key in ${keyFile} does not match the certificate in ${certFile} ` +
        `(${certs[0].info.subject}): use the key generated with this certificate's request, ` +
        `or reissue the certificate`,
      keyFile,
    );
  }
  const leaf = certs[leafIndex];
  if (leaf.info.isCA && certs.some((c) => !c.info.isCA)) {
    throw new TlsConfigError(
      "KEY_MISMATCH",
      `the private key in ${keyFile} belongs to the CA certificate (${leaf.info.subject}) in ` +
        `${certFile}, not to the server certificate (${
          certs.find((c) => !c.info.isCA)!.info.subject
        }): ` +
        `use the server's own key`,
      keyFile,
    );
  }
  if (leaf.info.notBefore.getTime() > now.getTime()) {
    throw new TlsConfigError(
      "CERT_NOT_YET_VALID",
      `certificate in ${certFile} (${leaf.info.subject}) is not valid until ` +
        `${leaf.info.notBefore.toISOString()} and the clock says ${now.toISOString()}: ` +
        `check the system clock (timedatectl) or reissue the certificate`,
      certFile,
    );
  }
  const chain = [leaf, ...certs.filter((_, i) => i !== leafIndex)];
  const ca = ssl.verify_mode === "CERT_NONE" ? undefined : await loadCa(ssl, now, files);
  return {
    cert: chain.map((c) => c.block.text).join(""),
    key: key.export({ type: "pkcs8", format: "pem" }) as string,
    ca,
    leaf: leaf.info,
    expired: leaf.info.notAfter.getTime() <= now.getTime(),
    files,
  };
}

async function loadCa(ssl: SslConfig, now: Date, files: string[]): Promise<string> {
  if (!ssl.ca_file) {
    throw new TlsConfigError(
      "CA_FILE_REQUIRED",
      `security.ssl.verify_mode ${ssl.verify_mode} needs security.ssl.ca_file: the CA ` +
        `certificate(s) that sign client certificates (e.g. made with: cert ca create --out DIR)`,
    );
  }
  const caFile = resolve(ssl.ca_file);
  files.push(caFile);
  const text = await readText(caFile, CA);
  const blocks = splitPem(text);
  if (blocks.length === 0) throw notPem(caFile, CA, text);
  const certs = parseCerts(blocks, caFile, CA, now);
  if (certs.length === 0) {
    throw new TlsConfigError(
      "CA_FILE_INVALID",
      `CA file ${caFile} (${CA.key}) holds no certificate: it must contain the PEM ` +
        `certificate(s) of the CA that signs client certificates`,
      caFile,
    );
  }
  return certs.map((c) => c.block.text).join("");
}
