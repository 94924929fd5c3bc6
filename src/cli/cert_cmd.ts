/**
 * `cert self-signed | ca create | issue | inspect`: certificates without openssl.
 *
 * Files written (0600; a folder created for them 0700; existing files kept unless --force):
 *   self-signed   DIR/<name>.crt + DIR/<name>.key          (name: server)
 *   ca create     DIR/<name>.crt + DIR/<name>.key          (name: ca)
 *   issue server  DIR/<name>.crt (leaf + CA chain) + .key  (name: server)
 *   issue client  DIR/<name>.crt + DIR/<name>.key          (name: the client name, also its CN)
 *   --combined    DIR/<name>.pem: chain then key, one file (not for the CA)
 */
import { readFile, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { type CaMaterial, createCA, issueCertificate, selfSigned } from "../tls/generate.ts";
import type { GeneratedCertificate, KeyType } from "../tls/generate.ts";
import { type CertInfo, describeCertificate, inspectCertificate } from "../tls/inspect.ts";
import { writeCertificateFiles, type WrittenFiles } from "../tls/write.ts";
import { caFromFiles, privateKeySummary } from "../tls/ca_files.ts";
import { type CliCommand, type CliContext, CliUsageError, parseFlags } from "./types.ts";

const USAGE = `usage:
  cert self-signed --out DIR [--host H]... [--dns a,b] [--ip x,y] [--cn NAME] [--name server]
                   [--days 365] [--key ecdsa|rsa2048|rsa4096] [--combined] [--force]
      Self-signed server certificate DIR/server.crt + DIR/server.key (clients trust server.crt).
      Without names: localhost, the host name, 127.0.0.1, ::1. --host takes a DNS name or an IP.
  cert ca create --out DIR [--cn NAME] [--name ca] [--days 3650] [--key ...] [--force]
      Private CA: DIR/ca.crt (clients' trust, security.ssl.ca_file for mTLS) + DIR/ca.key.
  cert issue --ca DIR|CA.crt [--ca-key FILE] --server --out DIR [--host H]... [--dns ..] [--ip ..]
             [--cn NAME] [--name server] [--days 365] [--key ...] [--combined] [--force]
      Server certificate signed by the CA: DIR/server.crt (server + CA chain) + DIR/server.key.
  cert issue --ca DIR|CA.crt [--ca-key FILE] --client --name NAME --out DIR [--days 365]
             [--key ...] [--combined] [--force]
      Client certificate for mutual TLS (CN=NAME): DIR/NAME.crt + DIR/NAME.key.
      --ca DIR means DIR/ca.crt and DIR/ca.key; an encrypted CA key is opened with the
      passphrase in CAMERA_SERVICE_CA_KEY_PASSPHRASE.
  cert inspect FILE [--json]
      Each certificate in FILE: subject, issuer, SANs, validity, days left, SHA-256 fingerprint,
      key type; and whether a private key in the file matches.
Files are written 0600 (a folder created for them 0700); existing files are kept unless --force.
--combined writes DIR/<name>.pem instead: certificate chain then key (cert_file alone).`;

const SPEC = {
  strings: ["out", "cn", "name", "days", "key", "ca", "ca-key"],
  multi: ["host", "dns", "ip"],
  booleans: ["combined", "force", "server", "client", "json", "help"],
};

const KEY_TYPES: Record<string, KeyType> = {
  "ecdsa": "ecdsa-p256",
  "ecdsa-p256": "ecdsa-p256",
  "p256": "ecdsa-p256",
  "rsa2048": "rsa-2048",
  "rsa-2048": "rsa-2048",
  "rsa4096": "rsa-4096",
  "rsa-4096": "rsa-4096",
};

type Flags = Record<string, string | boolean | string[]>;

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

function keyType(flags: Flags): KeyType | undefined {
  const k = str(flags, "key");
  if (k === undefined) return undefined;
  const t = KEY_TYPES[k.toLowerCase()];
  if (!t) throw new CliUsageError(`--key "${k}": use ecdsa, rsa2048 or rsa4096`);
  return t;
}

function days(flags: Flags): number | undefined {
  const d = str(flags, "days");
  if (d === undefined) return undefined;
  if (!/^\d+$/.test(d) || Number(d) < 1 || Number(d) > 36500) {
    throw new CliUsageError(`--days "${d}": a whole number of days from 1 to 36500`);
  }
  return Number(d);
}

function outDir(flags: Flags): string {
  const out = str(flags, "out");
  if (!out) throw new CliUsageError("--out DIR is required (the folder to write into)");
  return out;
}

function baseName(flags: Flags, fallback: string): string {
  const n = str(flags, "name") ?? fallback;
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(n)) {
    throw new CliUsageError(`--name "${n}": use letters, digits, . _ - (it names the files)`);
  }
  return n;
}

const DNS_RE =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** SANs from --host (DNS name or IP, repeatable), --dns a,b and --ip x,y. */
function parseHosts(flags: Flags): { dns: string[]; ips: string[] } {
  const list = (name: string) =>
    ((flags[name] as string[] | undefined) ?? []).flatMap((v) => v.split(",")).map((v) => v.trim())
      .filter(Boolean);
  const dns: string[] = [];
  const ips: string[] = [];
  for (const h of list("host")) (isIP(h) ? ips : dns).push(h);
  for (const d of list("dns")) {
    if (isIP(d)) throw new CliUsageError(`--dns "${d}" is an IP address: use --ip`);
    dns.push(d);
  }
  for (const ip of list("ip")) {
    if (!isIP(ip)) throw new CliUsageError(`--ip "${ip}" is not an IPv4 or IPv6 address`);
    ips.push(ip);
  }
  for (const d of dns) {
    if (!DNS_RE.test(d) || d.length > 253) {
      throw new CliUsageError(`"${d}" is not a valid DNS name`);
    }
  }
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

function report(ctx: CliContext, files: WrittenFiles, cert: GeneratedCertificate): void {
  if (files.combined) ctx.out(`wrote ${files.certFile} (certificate chain and private key)`);
  else {
    ctx.out(`wrote ${files.certFile} (certificate${cert.chainPem ? " chain" : ""})`);
    ctx.out(`wrote ${files.keyFile} (private key)`);
  }
  const [info] = inspectCertificate(cert.certPem);
  ctx.out(
    `${info.subject}, valid until ${info.notAfter.toISOString()}, SHA-256 ${info.fingerprint256}`,
  );
}

async function selfSignedCmd(flags: Flags, ctx: CliContext): Promise<number> {
  const dir = outDir(flags);
  let { dns, ips } = parseHosts(flags);
  if (!dns.length && !ips.length) {
    dns = [...new Set(["localhost", hostname()])];
    ips = ["127.0.0.1", "::1"];
  }
  const cert = await selfSigned({
    commonName: str(flags, "cn") ?? dns[0] ?? ips[0],
    dnsNames: dns,
    ipAddresses: ips,
    days: days(flags),
    keyType: keyType(flags),
  });
  const files = await writeCertificateFiles(dir, baseName(flags, "server"), cert, {
    combined: flags.combined === true,
    overwrite: flags.force === true,
  });
  report(ctx, files, cert);
  return 0;
}

async function caCreateCmd(flags: Flags, ctx: CliContext): Promise<number> {
  const dir = outDir(flags);
  if (flags.combined) throw new CliUsageError("--combined is for server and client certificates");
  const cert = await createCA({
    commonName: str(flags, "cn") ?? `camera-service CA (${hostname()})`,
    days: days(flags),
    keyType: keyType(flags),
  });
  const files = await writeCertificateFiles(dir, baseName(flags, "ca"), cert, {
    overwrite: flags.force === true,
  });
  report(ctx, files, cert);
  ctx.out(`keep ${files.keyFile} secret (offline if you can); give ${files.certFile} to clients`);
  return 0;
}

async function issueCmd(flags: Flags, ctx: CliContext): Promise<number> {
  const dir = outDir(flags);
  const caPath = str(flags, "ca");
  if (!caPath) throw new CliUsageError("--ca DIR|CA.crt is required (made by: cert ca create)");
  if (flags.server === flags.client) {
    throw new CliUsageError("say what to issue: --server or --client");
  }
  const ca: CaMaterial = await caFromFiles(caPath, str(flags, "ca-key"), ctx.env);
  const common = { ca, days: days(flags), keyType: keyType(flags) };
  let cert: GeneratedCertificate;
  let base: string;
  if (flags.server) {
    const { dns, ips } = parseHosts(flags);
    if (!dns.length && !ips.length) {
      throw new CliUsageError("--server needs the names clients use: --host, --dns or --ip");
    }
    cert = await issueCertificate({
      ...common,
      kind: "server",
      commonName: str(flags, "cn") ?? dns[0] ?? ips[0],
      dnsNames: dns,
      ipAddresses: ips,
    });
    base = baseName(flags, "server");
  } else {
    const name = str(flags, "name");
    if (!name) throw new CliUsageError("--client needs --name NAME (the client's identity)");
    base = baseName(flags, name);
    cert = await issueCertificate({
      ...common,
      kind: "client",
      commonName: str(flags, "cn") ?? name,
    });
  }
  const files = await writeCertificateFiles(dir, base, cert, {
    combined: flags.combined === true,
    overwrite: flags.force === true,
  });
  report(ctx, files, cert);
  return 0;
}

async function inspectCmd(rest: string[], flags: Flags, ctx: CliContext): Promise<number> {
  if (rest.length !== 1) throw new CliUsageError("cert inspect takes one FILE");
  const file = rest[0];
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  });
  if (st.isDirectory()) throw new Error(`${file} is a directory, not a PEM file`);
  const text = await readFile(file, "utf8");
  let infos: CertInfo[];
  try {
    infos = inspectCertificate(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (infos.length === 0) throw new Error(`${file} holds no PEM certificate`);
  const key = privateKeySummary(text, infos);
  if (flags.json) {
    ctx.out(JSON.stringify({ file, certificates: infos, private_key: key }, null, 2));
    return 0;
  }
  infos.forEach((info, i) => {
    ctx.out(`certificate ${i + 1} of ${infos.length} in ${file}`);
    for (const line of describeCertificate(info)) ctx.out(`  ${line}`);
  });
  if (key) ctx.out(`private key: ${key}`);
  return 0;
}

/** The `cert` command. */
export const certCommand: CliCommand = async (args, ctx) => {
  try {
    const { flags, rest } = parseFlags(args.filter((a) => a !== "-h"), {
      ...SPEC,
      strings: [...SPEC.strings, "config"],
    });
    if (flags.help || args.includes("-h") || rest[0] === "help") {
      ctx.out(USAGE);
      return 0;
    }
    const [sub, sub2, ...more] = rest;
    if (sub === "self-signed" && !sub2) return await selfSignedCmd(flags, ctx);
    if (sub === "ca" && sub2 === "create" && !more.length) return await caCreateCmd(flags, ctx);
    if (sub === "issue" && !sub2) return await issueCmd(flags, ctx);
    if (sub === "inspect") return await inspectCmd(rest.slice(1), flags, ctx);
    if (!sub) {
      throw new CliUsageError("cert needs a sub-command: self-signed, ca create, issue, inspect");
    }
    throw new CliUsageError(`unknown cert sub-command "${rest.join(" ")}" (see cert --help)`);
  } catch (e) {
    ctx.err(`error: ${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ")}`);
    return e instanceof CliUsageError ? 2 : 1;
  }
};
