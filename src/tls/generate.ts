/**
 * Certificate generation on Web Crypto + @peculiar/x509 (no openssl): a private CA, server and
 * client certificates issued by it, and self-signed server certificates. Keys are PKCS#8 PEM.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey } from "node:crypto";

/** Key algorithms the generator supports. ECDSA P-256 is the default (cheapest handshakes). */
export type KeyType = "ecdsa-p256" | "rsa-2048" | "rsa-4096";

/** A generated certificate: PEM certificate, PKCS#8 PEM key, and the chain (leaf + issuers). */
export interface GeneratedCertificate {
  certPem: string;
  keyPem: string;
  /** Leaf followed by its issuing CA certificate(s); absent for self-signed certificates. */
  chainPem?: string;
}

/** The CA that signs: its certificate (PEM) and private key (PEM, any format node can parse). */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
  /** Passphrase of an encrypted CA key. */
  passphrase?: string;
  /** Chain above the CA certificate (for intermediates); appended to issued chains. */
  chainPem?: string;
}

/** Validity and key options shared by every generator. */
export interface ValidityOptions {
  /** Lifetime in days from now (default: CA 3650, leaf 365). */
  days?: number;
  keyType?: KeyType;
  /** Explicit validity window (overrides `days`); used to make expired or future certificates. */
  notBefore?: Date;
  notAfter?: Date;
}

/** Options of {@link createCA}. */
export interface CreateCaOptions extends ValidityOptions {
  commonName: string;
}

/** Options of {@link issueCertificate}. */
export interface IssueOptions extends ValidityOptions {
  ca: CaMaterial;
  kind: "server" | "client";
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** Options of {@link selfSigned}. */
export interface SelfSignedOptions extends ValidityOptions {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

const DAY_MS = 86_400_000;
/** Back-date notBefore a little so a client whose clock lags slightly still accepts new certs. */
const BACKDATE_MS = 5 * 60_000;
const KU = x509.KeyUsageFlags;

function algorithmFor(keyType: KeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  switch (keyType) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "rsa-2048":
    case "rsa-4096":
      return {
        name: "RSASSA-PKCS1-v1_5",
        hash: "SHA-256",
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: keyType === "rsa-2048" ? 2048 : 4096,
      };
    default:
      throw new Error(`unknown key type "${keyType}" (use ecdsa-p256, rsa-2048 or rsa-4096)`);
  }
}

function signingAlgorithm(alg: { name: string }): Algorithm | EcdsaParams {
  return alg.name === "ECDSA"
    ? ({ name: "ECDSA", hash: "SHA-256" } as EcdsaParams)
    : { name: "RSASSA-PKCS1-v1_5" };
}

/** A positive random 128-bit serial number (hex), as RFC 5280 recommends. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function validity(o: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const days = o.days ?? defaultDays;
  if (!Number.isFinite(days) || days <= 0) throw new Error(`days must be positive, got ${days}`);
  const notBefore = o.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = o.notAfter ?? new Date(Date.now() + days * DAY_MS);
  if (notAfter <= notBefore) throw new Error("notAfter must be after notBefore");
  return { notBefore, notAfter };
}

async function generateKeys(keyType: KeyType = "ecdsa-p256"): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(algorithmFor(keyType), true, ["sign", "verify"]);
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

function pem(cert: x509.X509Certificate): string {
  return cert.toString("pem") + "\n";
}

/** Imports a CA's signing key (PKCS#8, PKCS#1, SEC1, encrypted or not) into Web Crypto. */
async function importCaKey(ca: CaMaterial, caCert: x509.X509Certificate): Promise<CryptoKey> {
  const der = createPrivateKey({ key: ca.keyPem, format: "pem", passphrase: ca.passphrase })
    .export({ type: "pkcs8", format: "der" });
  const alg = caCert.publicKey.algorithm as EcKeyImportParams | RsaHashedImportParams;
  const importAlg = alg.name === "ECDSA"
    ? { name: "ECDSA", namedCurve: (alg as EcKeyImportParams).namedCurve }
    : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  return await crypto.subtle.importKey("pkcs8", new Uint8Array(der), importAlg, false, ["sign"]);
}

function sanExtension(dnsNames: string[] = [], ips: string[] = []): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ips.map((value) => ({ type: "ip" as const, value })),
  ];
  return names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
}

function cnName(commonName: string): string {
  if (!commonName.trim()) throw new Error("commonName must not be empty");
  // Escape RFC 4514 special characters so any text becomes a literal CN value.
  return `CN=${commonName.replace(/([,+"\\<>;=#])/g, "\\$1")}`;
}

/** Creates a self-signed certificate authority (basicConstraints CA:TRUE, keyCertSign). */
export async function createCA(opts: CreateCaOptions): Promise<GeneratedCertificate> {
  const keys = await generateKeys(opts.keyType);
  const name = cnName(opts.commonName);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    ...validity(opts, 3650),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey.algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign | KU.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert), keyPem: await exportKeyPem(keys.privateKey) };
}

function leafUsage(keys: CryptoKeyPair): number {
  const rsa = keys.publicKey.algorithm.name !== "ECDSA";
  return KU.digitalSignature | (rsa ? KU.keyEncipherment : 0);
}

/** Issues a server (serverAuth, SANs) or client (clientAuth) certificate signed by `ca`. */
export async function issueCertificate(opts: IssueOptions): Promise<GeneratedCertificate> {
  const caCert = new x509.X509Certificate(opts.ca.certPem);
  const caKey = await importCaKey(opts.ca, caCert);
  const keys = await generateKeys(opts.keyType);
  const dnsNames = opts.dnsNames ?? (opts.kind === "server" ? [opts.commonName] : []);
  const eku = opts.kind === "server"
    ? x509.ExtendedKeyUsage.serverAuth
    : x509.ExtendedKeyUsage.clientAuth;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: cnName(opts.commonName),
    issuer: caCert.subject,
    ...validity(opts, 365),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithm(caKey.algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(leafUsage(keys), true),
      new x509.ExtendedKeyUsageExtension([eku], false),
      ...sanExtension(dnsNames, opts.ipAddresses),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const certPem = pem(cert);
  const above = opts.ca.chainPem ?? opts.ca.certPem;
  return {
    certPem,
    keyPem: await exportKeyPem(keys.privateKey),
    chainPem: certPem + above.trim() + "\n",
  };
}

/**
 * A self-signed server certificate (serverAuth, SANs). It is its own trust anchor: give the
 * certificate file to clients as their CA. keyCertSign is set so OpenSSL accepts the
 * self-signature when the certificate is used as a trust anchor; basicConstraints stays CA:FALSE
 * so browsers accept it as an end-entity certificate.
 */
export async function selfSigned(opts: SelfSignedOptions): Promise<GeneratedCertificate> {
  const keys = await generateKeys(opts.keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: cnName(opts.commonName),
    ...validity(opts, 365),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey.algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(leafUsage(keys) | KU.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      ...sanExtension(opts.dnsNames, opts.ipAddresses),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert), keyPem: await exportKeyPem(keys.privateKey) };
}
