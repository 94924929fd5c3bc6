/**
 * Test helpers: a throw-away PKI in a temp dir, made by the project's own certificate code.
 *
 *   const pki = await makeTestPki();          // CA, server (localhost,127.0.0.1,::1), client, rogue client
 *   const ssl = pki.ssl({ verify_mode: "CERT_REQUIRED" });   // an SslConfig pointing at the files
 *   ... https.request({ ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem })
 *   await pki.cleanup();
 */
import {
  createCA,
  type GeneratedCertificate,
  issueCertificate,
  type KeyType,
} from "../../src/tls/generate.ts";
import { writeCertificateFiles } from "../../src/tls/write.ts";
import type { SslConfig } from "../../src/config/types.ts";
import { rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Files and PEM texts of a test PKI. */
export interface TestPki {
  dir: string;
  /** The CA that signs server and client certificates; `caFile` is its certificate. */
  ca: GeneratedCertificate;
  caFile: string;
  caKeyFile: string;
  /** Server certificate for localhost / 127.0.0.1 / ::1: chain file, key file, combined file. */
  server: GeneratedCertificate;
  serverCertFile: string;
  serverKeyFile: string;
  combinedFile: string;
  /** Client certificate (CN = clientName) signed by the CA, for mTLS. */
  client: GeneratedCertificate;
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from a different CA: must be refused under CERT_REQUIRED. */
  rogueClient: GeneratedCertificate;
  /** An SslConfig (enabled, CERT_NONE, TLS 1.2, no watch) on these files, with overrides. */
  ssl(overrides?: Partial<SslConfig>): SslConfig;
  /** Removes the temp dir. */
  cleanup(): Promise<void>;
}

/** Options of {@link makeTestPki}. */
export interface TestPkiOptions {
  /** Folder to write into (default: a new temp dir, removed by cleanup()). */
  dir?: string;
  serverName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  clientName?: string;
  keyType?: KeyType;
}

/** Makes a CA, a server certificate, a client certificate and a rogue client in a temp dir. */
export async function makeTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tls-test-"));
  const keyType = opts.keyType;
  const ca = await createCA({ commonName: "Test CA", keyType });
  const server = await issueCertificate({
    ca,
    kind: "server",
    commonName: opts.serverName ?? "localhost",
    dnsNames: opts.dnsNames ?? ["localhost"],
    ipAddresses: opts.ipAddresses ?? ["127.0.0.1", "::1"],
    keyType,
  });
  const client = await issueCertificate({
    ca,
    kind: "client",
    commonName: opts.clientName ?? "test-client",
    keyType,
  });
  const rogueCa = await createCA({ commonName: "Rogue CA" });
  const rogueClient = await issueCertificate({
    ca: rogueCa,
    kind: "client",
    commonName: opts.clientName ?? "test-client",
  });
  const caFiles = await writeCertificateFiles(dir, "ca", ca, { overwrite: true });
  const srv = await writeCertificateFiles(dir, "server", server, { overwrite: true });
  const combined = await writeCertificateFiles(dir, "server", server, {
    combined: true,
    overwrite: true,
  });
  const cli = await writeCertificateFiles(dir, "client", client, { overwrite: true });
  const pki: TestPki = {
    dir,
    ca,
    caFile: caFiles.certFile,
    caKeyFile: caFiles.keyFile,
    server,
    serverCertFile: srv.certFile,
    serverKeyFile: srv.keyFile,
    combinedFile: combined.certFile,
    client,
    clientCertFile: cli.certFile,
    clientKeyFile: cli.keyFile,
    rogueClient,
    ssl: (overrides = {}) => ({
      enabled: true,
      cert_file: srv.certFile,
      key_file: srv.keyFile,
      key_passphrase: "",
      verify_mode: "CERT_NONE",
      ca_file: caFiles.certFile,
      min_version: "TLSv1.2",
      watch: false,
      ...overrides,
    }),
    cleanup: async () => {
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return pki;
}
