/**
 * The development certificate: when the config names no certificate files, a self-signed ECDSA
 * certificate for localhost, 127.0.0.1, ::1 and the host name is made once in <data_dir>/tls/
 * and reused until it expires (or within 7 days of it) or the wanted names change.
 */
import { hostname } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import type { Logger } from "../observability/log.ts";
import { type CertInfo, loadTlsMaterial } from "./load.ts";
import { writeCertificateFiles } from "./write.ts";

/** Where the development certificate is, and whether this call made it. */
export interface DevCertificate {
  certFile: string;
  keyFile: string;
  /** The file clients trust (`rpc --ca`, browsers): the self-signed certificate itself. */
  caFile: string;
  generated: boolean;
  info: CertInfo;
}

/** Options of {@link ensureDevCertificate}. */
export interface DevCertOptions {
  /** Extra DNS names or IP addresses besides localhost, 127.0.0.1, ::1 and the host name. */
  hostnames?: string[];
  log?: Logger;
  /** Lifetime of a new certificate in days (default 365). */
  days?: number;
}

/** File names inside <data_dir>/tls/. */
export const DEV_CERT_FILE = "selfsigned.crt";
export const DEV_KEY_FILE = "selfsigned.key";
/** Regenerate this many days before expiry. */
const RENEW_DAYS = 7;

function wantedNames(extra: string[]): { dns: string[]; ips: string[] } {
  const all = [...new Set(["localhost", "127.0.0.1", "::1", hostname(), ...extra])]
    .map((n) => n.trim())
    .filter(Boolean);
  return { dns: all.filter((n) => isIP(n) === 0), ips: all.filter((n) => isIP(n) !== 0) };
}

/** Why an existing certificate cannot be reused, or null when it can. */
async function reuseProblem(
  certFile: string,
  keyFile: string,
  want: { dns: string[]; ips: string[] },
): Promise<{ problem: string | null; info?: CertInfo }> {
  try {
    const m = await loadTlsMaterial({
      enabled: true,
      cert_file: certFile,
      key_file: keyFile,
      key_passphrase: "",
      verify_mode: "CERT_NONE",
      ca_file: "",
      min_version: "TLSv1.2",
      watch: false,
    });
    if (m.leaf.daysLeft < RENEW_DAYS) {
      return { problem: `it expires on ${m.leaf.notAfter.toISOString()}` };
    }
    const missing = [
      ...want.dns.filter((n) => !m.leaf.dnsNames.includes(n)),
      ...want.ips.filter((n) => !m.leaf.ipAddresses.includes(n)),
    ];
    if (missing.length) return { problem: `it lacks ${missing.join(", ")}` };
    return { problem: null, info: m.leaf };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { problem: code === "FILE_MISSING" ? "none exists yet" : (e as Error).message };
  }
}

/**
 * Returns the development certificate in `<dataDir>/tls/`, generating it when missing, expired,
 * unreadable or without the wanted names. Files 0600, folder 0700.
 */
export async function ensureDevCertificate(
  dataDir: string,
  opts: DevCertOptions = {},
): Promise<DevCertificate> {
  const dir = join(dataDir, "tls");
  const certFile = join(dir, DEV_CERT_FILE);
  const keyFile = join(dir, DEV_KEY_FILE);
  const want = wantedNames(opts.hostnames ?? []);
  const { problem, info } = await reuseProblem(certFile, keyFile, want);
  if (!problem && info) {
    opts.log?.info("using the generated development certificate", {
      cert_file: certFile,
      not_after: info.notAfter.toISOString(),
      fingerprint256: info.fingerprint256,
    });
    return { certFile, keyFile, caFile: certFile, generated: false, info };
  }
  // The X.509 library (~15 MB, ~100 ms to load) is only needed to make a certificate.
  const { selfSigned } = await import("./generate.ts");
  const gen = await selfSigned({
    commonName: want.dns.includes(hostname()) ? hostname() : "localhost",
    dnsNames: want.dns,
    ipAddresses: want.ips,
    days: opts.days ?? 365,
    keyType: "ecdsa-p256",
  });
  await writeCertificateFiles(dir, "selfsigned", gen, { overwrite: true });
  const fresh = await reuseProblem(certFile, keyFile, want);
  if (fresh.problem || !fresh.info) {
    throw new Error(`the generated certificate in ${dir} does not load: ${fresh.problem}`);
  }
  opts.log?.info("generated a self-signed development certificate", {
    reason: problem,
    cert_file: certFile,
    key_file: keyFile,
    names: [...want.dns, ...want.ips].join(","),
    not_after: fresh.info.notAfter.toISOString(),
    fingerprint256: fresh.info.fingerprint256,
    hint: `clients trust it with --ca ${certFile}`,
  });
  return { certFile, keyFile, caFile: certFile, generated: true, info: fresh.info };
}
