/**
 * A minimal DER reader: enough ASN.1 to read the fields of an X.509 certificate the service
 * reports (names, validity, SANs, key identifiers, key algorithm). Malformed input throws.
 * It keeps the TLS loader off @peculiar/x509, which costs ~15 MB and ~100 ms at start.
 */

/** One DER element: its tag byte and where its header and content sit in `bytes`. */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  body: number;
  /** Offset just past the content. */
  end: number;
}

/** DER tag bytes used by certificates. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the element at `at`, which must end by `limit`. */
export function readTlv(bytes: Uint8Array, at: number, limit = bytes.length): Tlv {
  if (at + 2 > limit) throw new Error("DER: truncated element");
  const tag = bytes[at];
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: multi-byte tags are not supported");
  let len = bytes[at + 1];
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new Error("DER: indefinite length");
    if (n > 4 || body + n > limit) throw new Error("DER: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[body + i];
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new Error("DER: element runs past its container");
  return { tag, start: at, body, end };
}

/** The elements inside a constructed element. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end;) {
    const t = readTlv(bytes, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** Throws unless `t` has tag `tag`. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) {
    throw new Error(`DER: ${what} expected (tag 0x${tag.toString(16)})`);
  }
  return t;
}

/** The content bytes of `t`. */
export function content(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.body, t.end);
}

/** Lower-case hex of some bytes. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Dotted form of an OBJECT IDENTIFIER's content. */
export function oid(bytes: Uint8Array, t: Tlv): string {
  const c = content(bytes, t);
  if (c.length === 0) throw new Error("DER: empty OID");
  const parts: number[] = [];
  let v = 0;
  for (const b of c) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** Text of a string element (UTF8, Printable, IA5, Teletex, BMP, Universal), or null. */
export function stringValue(bytes: Uint8Array, t: Tlv): string | null {
  const c = content(bytes, t);
  switch (t.tag) {
    case TAG.UTF8_STRING:
      return new TextDecoder().decode(c);
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.TELETEX_STRING:
      return String.fromCharCode(...c);
    case TAG.BMP_STRING: {
      let s = "";
      for (let i = 0; i + 1 < c.length; i += 2) s += String.fromCharCode((c[i] << 8) | c[i + 1]);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      let s = "";
      for (let i = 0; i + 3 < c.length; i += 4) {
        s += String.fromCodePoint(
          ((c[i] << 24) | (c[i + 1] << 16) | (c[i + 2] << 8) | c[i + 3]) >>> 0,
        );
      }
      return s;
    }
    default:
      return null;
  }
}

/** A UTCTime or GeneralizedTime (the DER forms, `Z` time zone; fractions allowed). */
export function timeValue(bytes: Uint8Array, t: Tlv): Date {
  const s = String.fromCharCode(...content(bytes, t));
  const m = t.tag === TAG.UTC_TIME
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s)
    : t.tag === TAG.GENERALIZED_TIME
    ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?Z$/.exec(s)
    : null;
  if (!m) throw new Error(`DER: bad time "${s}"`);
  let year = Number(m[1]);
  if (t.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(
    Date.UTC(
      year,
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
      ms,
    ),
  );
}
