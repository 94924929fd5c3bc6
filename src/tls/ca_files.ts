/** Reading a signing CA (certificate + key) from files, and matching keys to certificates. */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CaMaterial } from "./generate.ts";
import {
  type CertInfo,
  inspectCertificate,
  isKeyLabel,
  parseCertificate,
  splitPem,
} from "./inspect.ts";

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function read(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EACCES"
      ? "permission denied"
      : code === "EISDIR"
      ? "it is a directory"
      : (e as Error).message;
    throw new Error(`cannot read the ${what} ${file}: ${why}`);
  }
}

/**
 * Loads a signing CA: `caPath` is a folder (ca.crt + ca.key in it) or a certificate file whose
 * key is `keyPath`, or in the same file, or beside it (.crt → .key). Checks it is a CA and that
 * the key matches. An encrypted key is opened with env CAMERA_SERVICE_CA_KEY_PASSPHRASE.
 */
export async function caFromFiles(
  caPath: string,
  keyPath: string | undefined,
  env: Record<string, string | undefined> = {},
): Promise<CaMaterial> {
  const isDir = await stat(caPath).then((s) => s.isDirectory(), () => false);
  const certFile = isDir ? join(caPath, "ca.crt") : caPath;
  const certText = await read(certFile, "CA certificate");
  const blocks = splitPem(certText);
  const certBlocks = blocks.filter((b) => b.label === "CERTIFICATE");
  if (!certBlocks.length) throw new Error(`${certFile} holds no PEM certificate`);
  const [info] = inspectCertificate(certBlocks[0].text);
  if (!info.isCA) {
    throw new Error(
      `${certFile} (${info.subject}) is not a CA certificate (basicConstraints CA:FALSE): ` +
        `make one with: cert ca create --out DIR`,
    );
  }
  let keyFile = keyPath ?? (isDir ? join(caPath, "ca.key") : undefined);
  let keyText: string;
  if (keyFile) keyText = await read(keyFile, "CA key");
  else if (blocks.some((b) => isKeyLabel(b.label))) {
    keyFile = certFile;
    keyText = certText;
  } else {
    keyFile = certFile.replace(/\.(crt|pem|cer)$/i, "") + ".key";
    keyText = await read(keyFile, "CA key (give it with --ca-key FILE)");
  }
  const keyBlock = splitPem(keyText).find((b) => isKeyLabel(b.label));
  if (!keyBlock) throw new Error(`${keyFile} holds no private key`);
  const passphrase = env.CAMERA_SERVICE_CA_KEY_PASSPHRASE;
  if (keyBlock.encrypted && !passphrase) {
    throw new Error(`the CA key ${keyFile} is encrypted: set CAMERA_SERVICE_CA_KEY_PASSPHRASE`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({
      key: keyBlock.text,
      format: "pem",
      passphrase: passphrase || undefined,
    });
  } catch (e) {
    throw new Error(`cannot open the CA key ${keyFile}: ${(e as Error).message}`);
  }
  const caSpki = parseCertificate(certBlocks[0].text).spki;
  if (!same(spkiOf(key), caSpki)) {
    throw new Error(`the key ${keyFile} does not belong to the CA certificate ${certFile}`);
  }
  return {
    certPem: certBlocks[0].text,
    keyPem: key.export({ type: "pkcs8", format: "pem" }) as string,
    chainPem: certBlocks.map((b) => b.text).join(""),
  };
}

/**
 * Describes the private key in a PEM text relative to its certificates: "matches certificate 1",
 * "matches none of the certificates", "encrypted", or null when the text holds no key.
 */
export function privateKeySummary(text: string, infos: CertInfo[]): string | null {
  const block = splitPem(text).find((b) => isKeyLabel(b.label));
  if (!block) return null;
  if (block.encrypted) return "present, encrypted (not checked)";
  let spki: Uint8Array;
  try {
    spki = spkiOf(createPrivateKey({ key: block.text, format: "pem" }));
  } catch (e) {
    return `present but unreadable (${(e as Error).message})`;
  }
  const certs = splitPem(text).filter((b) => b.label === "CERTIFICATE");
  const i = certs.findIndex((c) => same(parseCertificate(c.text).spki, spki));
  return i >= 0
    ? `present, matches certificate ${i + 1} (${infos[i]?.subject ?? "?"})`
    : "present, matches NONE of the certificates in the file";
}
