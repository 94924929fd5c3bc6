/** PEM splitting and certificate facts (subject, SANs, validity, fingerprint, key type). */
import { createHash } from "node:crypto";
import { parseCertificatePem, type ParsedCertificate } from "./cert_der.ts";

export type { ParsedCertificate } from "./cert_der.ts";

/** What the service reports about one certificate. */
export interface CertInfo {
  subject: string;
  issuer: string;
  /** Hex, lower case. */
  serialNumber: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  /** SHA-256 of the DER, upper-case hex pairs joined by ":" (the format openssl and node print). */
  fingerprint256: string;
  /** "ECDSA P-256", "RSA 2048", "Ed25519", ... */
  keyType: string;
  isCA: boolean;
  /** Subject equals issuer and the key identifiers (when present) agree. */
  selfSigned: boolean;
}

/** One `-----BEGIN <label>----- ... -----END <label>-----` block. */
export interface PemBlock {
  label: string;
  /** The block's full text, normalised to end with a newline. */
  text: string;
  /** Proc-Type: 4,ENCRYPTED (legacy encrypted RSA/EC keys) or ENCRYPTED PRIVATE KEY. */
  encrypted: boolean;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const DAY_MS = 86_400_000;

/** Splits a text into its PEM blocks (anything between blocks is ignored, as openssl does). */
export function splitPem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const label = m[1];
    blocks.push({
      label,
      text: m[0].replace(/\r\n/g, "\n") + "\n",
      encrypted: label === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,ENCRYPTED/.test(m[2]),
    });
  }
  return blocks;
}

/** Whether a PEM label is a private key. */
export function isKeyLabel(label: string): boolean {
  return /(^|\s)PRIVATE KEY$/.test(label);
}

/** Parses one PEM certificate block (throws when it is not X.509). */
export function parseCertificate(pem: string): ParsedCertificate {
  return parseCertificatePem(pem);
}

function hexPairs(buf: Uint8Array): string {
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** The facts of a parsed certificate, days counted from `now`. */
export function certInfo(cert: ParsedCertificate, now: Date = new Date()): CertInfo {
  const ski = cert.subjectKeyId;
  const aki = cert.authorityKeyId;
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    dnsNames: [...cert.dnsNames],
    ipAddresses: [...cert.ipAddresses],
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS),
    fingerprint256: hexPairs(createHash("sha256").update(cert.der).digest()),
    keyType: cert.keyType,
    isCA: cert.isCA,
    selfSigned: cert.subject === cert.issuer && (!ski || !aki || ski === aki),
  };
}

/**
 * Facts of every certificate in a PEM text, in file order. Throws when a CERTIFICATE block
 * does not parse; returns [] when there is none.
 */
export function inspectCertificate(pem: string, now?: Date): CertInfo[] {
  return splitPem(pem)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b, i) => {
      try {
        return certInfo(parseCertificate(b.text), now);
      } catch (e) {
        throw new Error(`certificate #${i + 1} is not valid X.509: ${(e as Error).message}`);
      }
    });
}

/** Human-readable lines describing a certificate (for `cert inspect` and logs). */
export function describeCertificate(info: CertInfo, now: Date = new Date()): string[] {
  const days = Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS);
  const left = info.notAfter.getTime() <= now.getTime()
    ? `EXPIRED ${-days} day${-days === 1 ? "" : "s"} ago`
    : info.notBefore.getTime() > now.getTime()
    ? "NOT YET VALID"
    : `${days} day${days === 1 ? "" : "s"} left`;
  const sans = [...info.dnsNames.map((n) => `DNS:${n}`), ...info.ipAddresses.map((n) => `IP:${n}`)];
  return [
    `subject:     ${info.subject}`,
    `issuer:      ${info.issuer}${info.selfSigned ? " (self-signed)" : ""}`,
    `serial:      ${info.serialNumber}`,
    `SANs:        ${sans.length ? sans.join(", ") : "(none)"}`,
    `not before:  ${info.notBefore.toISOString()}`,
    `not after:   ${info.notAfter.toISOString()} (${left})`,
    `SHA-256:     ${info.fingerprint256}`,
    `key type:    ${info.keyType}`,
    `CA:          ${info.isCA ? "yes" : "no"}`,
  ];
}
