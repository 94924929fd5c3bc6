/**
 * A throw-away ECDSA P-256 server certificate for the bare baselines (the same key type the
 * service generates; PERF.md: P-256 is the cheap handshake). Made with `openssl` in a temp dir.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** PEM files of a self-signed certificate valid for 127.0.0.1 and localhost. */
export interface BenchCert {
  certFile: string;
  keyFile: string;
}

/** Writes cert.pem and key.pem into `dir` (which must exist). Throws if openssl fails. */
export function makeBenchCert(dir: string): BenchCert {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return { certFile, keyFile };
}
