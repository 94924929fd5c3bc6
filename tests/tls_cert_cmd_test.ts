import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { certCommand } from "../src/cli/cert_cmd.ts";
import { loadTlsMaterial } from "../src/tls/load.ts";
import { selfSigned } from "../src/tls/generate.ts";
import { withTempDir } from "./support/temp.ts";
import { type CliRun, runCli } from "./support/cli.ts";

function cert(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(certCommand, args, { env });
}

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

Deno.test("cert cli - --help everywhere", async () => {
  for (
    const args of [
      ["--help"],
      ["-h"],
      ["self-signed", "--help"],
      ["ca", "create", "--help"],
      ["issue", "--help"],
      ["inspect", "--help"],
    ]
  ) {
    const r = await cert(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.out.join("\n"), /cert self-signed --out DIR/);
    assert.match(r.out.join("\n"), /cert inspect FILE/);
  }
});

Deno.test("cert cli - self-signed with default names; passes openssl verify/checkend", () =>
  withTempDir(async (dir) => {
    const out = join(dir, "tls");
    const r = await cert(["self-signed", "--out", out]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(r.out[0], new RegExp(`wrote ${out}/server\\.crt`));
    assert.match(r.out[1], /server\.key \(private key\)/);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    assert.equal(statSync(join(out, "server.key")).mode & 0o777, 0o600);
    const crt = join(out, "server.crt");
    assert.match(openssl("verify", "-CAfile", crt, "-verify_ip", "127.0.0.1", crt), /OK/);
    assert.match(openssl("x509", "-in", crt, "-noout", "-checkend", "86400"), /not expire/);
    const text = openssl("x509", "-in", crt, "-noout", "-text");
    assert.match(text, new RegExp(`DNS:localhost, DNS:${hostname().replace(/\./g, "\\.")}`));
    assert.match(text, /IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    // A second run refuses to overwrite; --force replaces.
    const again = await cert(["self-signed", "--out", out]);
    assert.equal(again.code, 1);
    assert.equal(again.err.length, 1);
    assert.match(again.err[0], /^error: .*server\.(crt|key) already exists \(use --force/);
    assert.equal((await cert(["self-signed", "--out", out, "--force"])).code, 0);
  }));

Deno.test("cert cli - self-signed RSA, combined, names from --host/--dns/--ip, --days", () =>
  withTempDir(async (dir) => {
    const r = await cert([
      "self-signed",
      "--out",
      dir,
      "--host",
      "cam.example",
      "--host",
      "10.1.2.3",
      "--dns",
      "a.example,b.example",
      "--ip",
      "fd00::5",
      "--cn",
      "My Camera",
      "--days",
      "30",
      "--key",
      "rsa2048",
      "--combined",
    ]);
    assert.equal(r.code, 0, r.err.join("\n"));
    const pem = join(dir, "server.pem");
    assert.equal(statSync(pem).mode & 0o777, 0o600);
    const m = await loadTlsMaterial({
      enabled: true,
      cert_file: pem,
      key_file: "",
      key_passphrase: "",
      verify_mode: "CERT_NONE",
      ca_file: "",
      min_version: "TLSv1.2",
      watch: false,
    });
    assert.equal(m.leaf.subject, "CN=My Camera");
    assert.deepEqual(m.leaf.dnsNames, ["cam.example", "a.example", "b.example"]);
    assert.deepEqual(m.leaf.ipAddresses, ["10.1.2.3", "fd00::5"]);
    assert.equal(m.leaf.keyType, "RSA 2048");
    assert.ok(m.leaf.daysLeft >= 29 && m.leaf.daysLeft <= 30);
    assert.throws(() => openssl("x509", "-in", pem, "-noout", "-checkend", String(31 * 86400)));
  }));

Deno.test("cert cli - CA, server and client certificates verify with openssl; combined works", () =>
  withTempDir(async (dir) => {
    const caDir = join(dir, "ca");
    const ca = await cert(["ca", "create", "--out", caDir, "--cn", "Site CA", "--key", "rsa4096"]);
    assert.equal(ca.code, 0, ca.err.join("\n"));
    const caCrt = join(caDir, "ca.crt");
    assert.equal(statSync(join(caDir, "ca.key")).mode & 0o777, 0o600);
    assert.match(
      openssl("x509", "-in", caCrt, "-noout", "-text"),
      /CA:TRUE[\s\S]*4096 bit|4096 bit[\s\S]*CA:TRUE/,
    );

    const tls = join(dir, "tls");
    const srv = await cert([
      "issue",
      "--ca",
      caDir,
      "--server",
      "--host",
      "cam1.local",
      "--ip",
      "192.168.1.20",
      "--out",
      tls,
    ]);
    assert.equal(srv.code, 0, srv.err.join("\n"));
    const srvCrt = join(tls, "server.crt");
    assert.match(
      openssl(
        "verify",
        "-CAfile",
        caCrt,
        "-purpose",
        "sslserver",
        "-verify_hostname",
        "cam1.local",
        srvCrt,
      ),
      /OK/,
    );
    assert.match(openssl("x509", "-in", srvCrt, "-noout", "-checkend", "86400"), /not expire/);
    assert.equal((readFileSync(srvCrt, "utf8").match(/BEGIN CERTIFICATE/g) ?? []).length, 2);

    // --ca as a certificate file with --ca-key; a client certificate.
    const cli = await cert([
      "issue",
      "--ca",
      caCrt,
      "--ca-key",
      join(caDir, "ca.key"),
      "--client",
      "--name",
      "ops-laptop",
      "--out",
      join(dir, "clients"),
      "--key",
      "ecdsa",
    ]);
    assert.equal(cli.code, 0, cli.err.join("\n"));
    const cliCrt = join(dir, "clients", "ops-laptop.crt");
    assert.match(openssl("verify", "-CAfile", caCrt, "-purpose", "sslclient", cliCrt), /OK/);
    assert.match(openssl("x509", "-in", cliCrt, "-noout", "-subject"), /CN ?= ?ops-laptop/);
    assert.equal(statSync(join(dir, "clients", "ops-laptop.key")).mode & 0o777, 0o600);

    // Combined server file, key beside the CA found from the .crt name.
    const comb = await cert([
      "issue",
      "--ca",
      caCrt,
      "--server",
      "--dns",
      "x.local",
      "--out",
      join(dir, "comb"),
      "--combined",
      "--name",
      "x",
    ]);
    assert.equal(comb.code, 0, comb.err.join("\n"));
    const pem = join(dir, "comb", "x.pem");
    assert.match(openssl("verify", "-CAfile", caCrt, pem), /OK/);
    const inspect = await cert(["inspect", pem]);
    assert.equal(inspect.code, 0);
    const text = inspect.out.join("\n");
    assert.match(text, /certificate 1 of 2 in .*x\.pem/);
    assert.match(text, /subject: +CN=x\.local/);
    assert.match(text, /SANs: +DNS:x\.local/);
    assert.match(text, /issuer: +CN=Site CA/);
    assert.match(
      text,
      /certificate 2 of 2[\s\S]*subject: +CN=Site CA[\s\S]*\(self-signed\)[\s\S]*RSA 4096/,
    );
    assert.match(text, /\(36[45] days left\)/);
    assert.match(text, /SHA-256: +([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    assert.match(text, /key type: +ECDSA P-256/);
    assert.match(text, /private key: present, matches certificate 1 \(CN=x\.local\)/);
    const fp =
      openssl("x509", "-in", pem, "-noout", "-fingerprint", "-sha256").trim().split("=")[1];
    assert.ok(text.includes(fp));
  }));

Deno.test("cert cli - inspect --json and an expired certificate", () =>
  withTempDir(async (dir) => {
    const f = join(dir, "old.crt");
    const old = await selfSigned({
      commonName: "old",
      dnsNames: [],
      ipAddresses: [],
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2020-02-01T00:00:00Z"),
    });
    writeFileSync(f, old.certPem);
    const r = await cert(["inspect", f]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(
      r.out.join("\n"),
      /not after: +2020-02-01T00:00:00\.000Z \(EXPIRED \d+ days ago\)/,
    );
    const j = await cert(["inspect", "--json", f]);
    const parsed = JSON.parse(j.out.join("\n"));
    assert.equal(parsed.certificates[0].subject, "CN=old");
    assert.ok(parsed.certificates[0].daysLeft < 0);
    assert.equal(parsed.private_key, null);
  }));

Deno.test("cert cli - bad input: one line, non-zero exit, nothing written", () =>
  withTempDir(async (dir) => {
    const caDir = join(dir, "ca");
    assert.equal((await cert(["ca", "create", "--out", caDir])).code, 0);
    const notCa = join(dir, "leaf");
    assert.equal((await cert(["self-signed", "--out", notCa])).code, 0);
    writeFileSync(join(dir, "junk.txt"), "junk");
    const cases: [string[], number, RegExp][] = [
      [[], 2, /needs a sub-command/],
      [["frobnicate"], 2, /unknown cert sub-command "frobnicate"/],
      [["self-signed"], 2, /--out DIR is required/],
      [
        ["self-signed", "--out", dir, "--key", "dsa"],
        2,
        /--key "dsa": use ecdsa, rsa2048 or rsa4096/,
      ],
      [["self-signed", "--out", dir, "--days", "0"], 2, /--days "0"/],
      [["self-signed", "--out", dir, "--days", "ten"], 2, /--days "ten"/],
      [["self-signed", "--out", dir, "--ip", "300.1.1.1"], 2, /--ip "300\.1\.1\.1" is not an IPv4/],
      [
        ["self-signed", "--out", dir, "--dns", "bad_name!"],
        2,
        /"bad_name!" is not a valid DNS name/,
      ],
      [["self-signed", "--out", dir, "--name", "../x"], 2, /--name "\.\.\/x"/],
      [["self-signed", "--out", dir, "--bogus"], 2, /unknown option --bogus/],
      [["ca", "create", "--out", dir, "--combined"], 2, /--combined is for server/],
      [["issue", "--server", "--dns", "a", "--out", dir], 2, /--ca DIR\|CA\.crt is required/],
      [["issue", "--ca", caDir, "--out", dir], 2, /--server or --client/],
      [["issue", "--ca", caDir, "--server", "--client", "--out", dir], 2, /--server or --client/],
      [["issue", "--ca", caDir, "--server", "--out", dir], 2, /--server needs the names/],
      [["issue", "--ca", caDir, "--client", "--out", dir], 2, /--client needs --name/],
      [
        ["issue", "--ca", join(dir, "nope"), "--client", "--name", "a", "--out", dir],
        1,
        /cannot read the CA certificate .*nope: no such file/,
      ],
      [
        ["issue", "--ca", join(notCa, "server.crt"), "--client", "--name", "a", "--out", dir],
        1,
        /is not a CA certificate/,
      ],
      [
        [
          "issue",
          "--ca",
          join(caDir, "ca.crt"),
          "--ca-key",
          join(notCa, "server.key"),
          "--client",
          "--name",
          "a",
          "--out",
          dir,
        ],
        1,
        /does not belong to the CA certificate/,
      ],
      [["inspect"], 2, /one FILE/],
      [["inspect", join(dir, "missing.pem")], 1, /cannot read .*missing\.pem: no such file/],
      [["inspect", join(dir, "junk.txt")], 1, /holds no PEM certificate/],
      [["inspect", dir], 1, /is a directory/],
    ];
    const before = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    for (const [args, code, re] of cases) {
      const r = await cert(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.err.join("|")}`);
      assert.equal(r.err.length, 1, args.join(" "));
      assert.doesNotMatch(r.err[0], /\n/);
      assert.match(r.err[0], /^error: /);
      assert.match(r.err[0], re, args.join(" "));
      assert.deepEqual(r.out, []);
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), before);
  }));
