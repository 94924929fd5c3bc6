/**
 * Reads the facts of an X.509 certificate from its DER bytes, formatted the way
 * @peculiar/x509 formats them (names as `CN=a, O=b` with RFC 4514 escapes, compressed IPv6,
 * `ECDSA P-256` / `RSA 2048` key types), so the TLS loader needs no X.509 library at start.
 */
import { Buffer } from "node:buffer";
import {
  children,
  content,
  expectTag,
  hex,
  oid,
  readTlv,
  stringValue,
  TAG,
  timeValue,
  type Tlv,
} from "./der.ts";

/** The fields of one certificate the service uses. */
export interface ParsedCertificate {
  /** The certificate's DER. */
  der: Uint8Array;
  /** The SubjectPublicKeyInfo's DER (compared with a private key's public half). */
  spki: Uint8Array;
  subject: string;
  issuer: string;
  /** Hex, lower case (a sign byte 00 before a high bit dropped). */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  /** "ECDSA P-256", "RSA 2048", "Ed25519", ... */
  keyType: string;
  /** basicConstraints cA. */
  isCA: boolean;
  /** Hex key identifiers, when the extensions are there. */
  subjectKeyId?: string;
  authorityKeyId?: string;
}

/** Short attribute names, as @peculiar/x509 prints them; others print as dotted OIDs. */
const ATTR_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "E",
  "2.5.4.42": "G",
  "2.5.4.43": "I",
  "2.5.4.4": "SN",
  "2.5.4.12": "T",
};

const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "K-256",
};
// brainpoolP160r1 … brainpoolP512t1 are 1.3.36.3.3.2.8.1.1.1 … .14, r1 and t1 alternating.
for (let i = 0; i < 14; i++) {
  CURVES[`1.3.36.3.3.2.8.1.1.${i + 1}`] = `brainpoolP${
    [160, 192, 224, 256, 320, 384, 512][i >> 1]
  }${i % 2 ? "t1" : "r1"}`;
}

const OTHER_KEYS: Record<string, string> = {
  "1.2.840.113549.1.1.10": "RSA", // RSASSA-PSS: no modulus length is reported for it
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448", // @peculiar/x509 said "EdDSA" here
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
};

/** RFC 4514 escapes of an attribute value, exactly as @peculiar/x509's Name does them. */
function escapeValue(v: string): string {
  return v
    .replace(/([,+"\\<>;])/g, "\\$1")
    .replace(/^([ #])/, "\\$1")
    .replace(/([ ]$)/, "\\$1")
    .replace(
      /([\r\n\t])/,
      (c) => `\\${hex(new TextEncoder().encode(c)).toUpperCase()}`,
    );
}

/** A Name as `CN=a, O=b` (certificate order, multi-valued RDNs joined with `+`). */
function nameString(der: Uint8Array, name: Tlv): string {
  expectTag(name, TAG.SEQUENCE, "Name");
  return children(der, name).map((rdn) => {
    expectTag(rdn, TAG.SET, "RelativeDistinguishedName");
    return children(der, rdn).map((atv) => {
      const [type, value] = children(der, expectTag(atv, TAG.SEQUENCE, "AttributeTypeAndValue"));
      const id = oid(der, expectTag(type, TAG.OID, "attribute type"));
      if (!value) throw new Error("DER: attribute without a value");
      const text = stringValue(der, value);
      const shown = text === null
        ? `#${hex(der.subarray(value.start, value.end))}`
        : escapeValue(text);
      return `${ATTR_NAMES[id] ?? id}=${shown}`;
    }).join("+");
  }).join(", ");
}

/** IPv6 text with the longest run (2 or more) of zero groups compressed, as @peculiar/x509. */
function ipv6(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[i] << 8) | b[i + 1]).toString(16));
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (parts[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) return parts.join(":");
  return `${parts.slice(0, best).join(":")}::${parts.slice(best + bestLen).join(":")}`;
}

function ipString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length === 16) return ipv6(b);
  return hex(b);
}

function keyTypeOf(der: Uint8Array, spki: Tlv): string {
  const [alg, key] = children(der, expectTag(spki, TAG.SEQUENCE, "SubjectPublicKeyInfo"));
  const [algId, params] = children(der, expectTag(alg, TAG.SEQUENCE, "AlgorithmIdentifier"));
  const id = oid(der, expectTag(algId, TAG.OID, "algorithm"));
  expectTag(key, TAG.BIT_STRING, "subjectPublicKey");
  if (id === "1.2.840.10045.2.1") {
    const curve = params?.tag === TAG.OID ? oid(der, params) : "";
    return `ECDSA ${CURVES[curve] ?? curve}`.trim();
  }
  if (id === "1.2.840.113549.1.1.1") {
    // BIT STRING: one unused-bits byte, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
    const rsa = readTlv(der, key.body + 1, key.end);
    const [modulus] = children(der, expectTag(rsa, TAG.SEQUENCE, "RSAPublicKey"));
    const m = content(der, expectTag(modulus, TAG.INTEGER, "modulus"));
    return `RSA ${(m[0] === 0 ? m.length - 1 : m.length) * 8}`;
  }
  return OTHER_KEYS[id] ?? id;
}

/** Reads the extensions the service reports into `out`. */
function readExtensions(der: Uint8Array, exts: Tlv, out: ParsedCertificate): void {
  const seen = new Set<string>();
  for (const ext of children(der, expectTag(exts, TAG.SEQUENCE, "Extensions"))) {
    const parts = children(der, expectTag(ext, TAG.SEQUENCE, "Extension"));
    const id = oid(der, expectTag(parts[0], TAG.OID, "extnID"));
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, "extnValue");
    if (seen.has(id)) continue; // the first of a kind counts
    seen.add(id);
    const inner = readTlv(der, value.body, value.end);
    if (id === "2.5.29.17") {
      for (const gn of children(der, expectTag(inner, TAG.SEQUENCE, "GeneralNames"))) {
        if (gn.tag === 0x82) out.dnsNames.push(String.fromCharCode(...content(der, gn)));
        else if (gn.tag === 0x87) out.ipAddresses.push(ipString(content(der, gn)));
      }
    } else if (id === "2.5.29.14") {
      out.subjectKeyId = hex(content(der, expectTag(inner, TAG.OCTET_STRING, "keyIdentifier")));
    } else if (id === "2.5.29.35") {
      const keyId = children(der, expectTag(inner, TAG.SEQUENCE, "AuthorityKeyIdentifier"))
        .find((t) => t.tag === 0x80);
      if (keyId) out.authorityKeyId = hex(content(der, keyId));
    } else if (id === "2.5.29.19") {
      const first = children(der, expectTag(inner, TAG.SEQUENCE, "BasicConstraints"))[0];
      out.isCA = first?.tag === TAG.BOOLEAN && der[first.body] !== 0;
    }
  }
}

/** Parses a certificate's DER. Throws when it is not an X.509 certificate. */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const cert = expectTag(readTlv(der, 0), TAG.SEQUENCE, "Certificate");
  const [tbs, sigAlg, sig] = children(der, cert);
  expectTag(sigAlg, TAG.SEQUENCE, "signatureAlgorithm");
  expectTag(sig, TAG.BIT_STRING, "signatureValue");
  const f = children(der, expectTag(tbs, TAG.SEQUENCE, "TBSCertificate"));
  let i = f[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const serial = content(der, expectTag(f[i++], TAG.INTEGER, "serialNumber"));
  expectTag(f[i++], TAG.SEQUENCE, "signature");
  const issuer = f[i++];
  const validity = children(der, expectTag(f[i++], TAG.SEQUENCE, "Validity"));
  const subject = f[i++];
  const spki = expectTag(f[i++], TAG.SEQUENCE, "SubjectPublicKeyInfo");
  if (validity.length !== 2) throw new Error("DER: Validity needs notBefore and notAfter");
  const out: ParsedCertificate = {
    der: der.subarray(cert.start, cert.end),
    spki: der.subarray(spki.start, spki.end),
    subject: nameString(der, expectTag(subject, TAG.SEQUENCE, "subject")),
    issuer: nameString(der, expectTag(issuer, TAG.SEQUENCE, "issuer")),
    serialNumber: hex(
      serial.length > 1 && serial[0] === 0 && serial[1] > 0x7f ? serial.subarray(1) : serial,
    ),
    notBefore: timeValue(der, validity[0]),
    notAfter: timeValue(der, validity[1]),
    dnsNames: [],
    ipAddresses: [],
    keyType: keyTypeOf(der, spki),
    isCA: false,
  };
  const exts = f.slice(i).find((t) => t.tag === 0xa3); // [3] extensions
  if (exts) readExtensions(der, readTlv(der, exts.body, exts.end), out);
  return out;
}

/** Parses one PEM CERTIFICATE block. Throws when it is not an X.509 certificate. */
export function parseCertificatePem(pem: string): ParsedCertificate {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("no CERTIFICATE block");
  const b64 = m[1].replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error("the PEM body is not base64");
  const der = new Uint8Array(Buffer.from(b64, "base64"));
  return parseCertificateDer(der);
}
