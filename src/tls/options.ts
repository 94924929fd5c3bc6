/** node:tls / node:https server options from checked material and the ssl config. */
import type { SecureContextOptions, TLSSocket } from "node:tls";
import type { SslConfig } from "../config/types.ts";
import type { TlsMaterial } from "./load.ts";

/**
 * TLS 1.3 suites first (all AEAD), then TLS 1.2 with ECDHE key exchange and AEAD ciphers only:
 * no RSA key exchange, no CBC, no SHA-1 MACs.
 */
export const CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** What {@link tlsServerOptions} returns: secure context options plus the handshake policy. */
export interface TlsServerOptions extends SecureContextOptions {
  cert: string;
  key: string;
  ca?: string;
  /** Ask the client for a certificate (CERT_OPTIONAL, CERT_REQUIRED). */
  requestCert: boolean;
  /** Refuse the handshake without a certificate signed by `ca` (CERT_REQUIRED only). */
  rejectUnauthorized: boolean;
  minVersion: "TLSv1.2" | "TLSv1.3";
  ciphers: string;
  honorCipherOrder: boolean;
}

/**
 * Server options for `https.createServer(opts)` and `server.setSecureContext(opts)`.
 * CERT_NONE asks no client certificate; CERT_OPTIONAL asks and verifies against `ca` but lets
 * clients without one (or with a bad one) in: check `socket.authorized`; CERT_REQUIRED refuses
 * them during the handshake.
 */
export function tlsServerOptions(material: TlsMaterial, ssl: SslConfig): TlsServerOptions {
  const mode = ssl.verify_mode;
  const opts: TlsServerOptions = {
    cert: material.cert,
    key: material.key,
    requestCert: mode !== "CERT_NONE",
    rejectUnauthorized: mode === "CERT_REQUIRED",
    minVersion: ssl.min_version === "TLSv1.3" ? "TLSv1.3" : "TLSv1.2",
    ciphers: CIPHERS,
    honorCipherOrder: true,
  };
  if (mode !== "CERT_NONE" && material.ca) opts.ca = material.ca;
  if (material.passphrase) opts.passphrase = material.passphrase;
  return opts;
}

/** Formats a node peer-certificate subject object as "CN=alice,O=Example". */
function formatSubject(subject: Record<string, string | string[]>): string {
  return Object.entries(subject)
    .map(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`).join(",") : `${k}=${v}`))
    .join(",");
}

/**
 * Subject of the client certificate when the peer presented one that verified against the CA
 * (`socket.authorized`); null for no certificate or an unverified one.
 */
export function clientCertSubject(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const peer = socket.getPeerCertificate?.();
  if (!peer || !peer.subject || Object.keys(peer.subject).length === 0) return null;
  return formatSubject(peer.subject as unknown as Record<string, string | string[]>);
}
