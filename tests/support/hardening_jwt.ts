/**
 * Forged and broken credentials for the JWT/API-key attack cases of the hardening suite.
 * Tokens are built by hand (node:crypto), so header, claims and signature are fully controlled.
 */
import { createHmac, generateKeyPairSync, randomBytes, sign } from "node:crypto";

const b64 = (v: unknown) =>
  Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** A compact JWS with `header` and `payload`, HMAC-SHA-`bits` signed with `secret`. */
export function hmacJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Buffer,
  bits: 256 | 384 | 512 = 256,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = createHmac(`sha${bits}`, secret).update(input).digest("base64url");
  return `${input}.${sig}`;
}

/** An attack: a credential and the label it is reported under. */
export interface AttackToken {
  name: string;
  token: unknown;
}

/** Claims of a valid admin token, for `now` in seconds. */
export function adminClaims(now: number): Record<string, unknown> {
  return { user_id: "mallory", sub: "mallory", role: "admin", iat: now, exp: now + 3600 };
}

/**
 * Every forged or broken credential, given the server's secret and a genuine viewer token
 * (for the tampering cases). None may authenticate.
 */
export function attackTokens(secret: string, viewerToken: string): AttackToken[] {
  const now = Math.floor(Date.now() / 1000);
  const admin = adminClaims(now);
  const hs = { alg: "HS256", typ: "JWT" };
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pubPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const rsInput = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(admin)}`;
  const rs256 = `${rsInput}.${
    sign("sha256", Buffer.from(rsInput), privateKey).toString("base64url")
  }`;
  const [vh, vp, vs] = viewerToken.split(".");
  const viewerPayload = JSON.parse(Buffer.from(vp, "base64url").toString());
  const without = (k: string) => {
    const c = { ...admin };
    delete c[k];
    return c;
  };
  return [
    { name: "alg none", token: `${b64({ alg: "none", typ: "JWT" })}.${b64(admin)}.` },
    { name: "alg None (case)", token: `${b64({ alg: "None" })}.${b64(admin)}.` },
    { name: "alg none with HS signature", token: `${b64({ alg: "none" })}.${b64(admin)}.${vs}` },
    { name: "no alg", token: hmacJwt({ typ: "JWT" }, admin, secret) },
    { name: "RS256 (foreign key)", token: rs256 },
    { name: "HS256 signed with an RSA public key PEM", token: hmacJwt(hs, admin, pubPem) },
    {
      name: "RS256 header, HMAC with PEM as secret",
      token: (() => {
        const input = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(admin)}`;
        return `${input}.${createHmac("sha256", pubPem).update(input).digest("base64url")}`;
      })(),
    },
    { name: "HS512 with the right secret", token: hmacJwt({ alg: "HS512" }, admin, secret, 512) },
    { name: "expired", token: hmacJwt(hs, { ...admin, iat: now - 7200, exp: now - 3600 }, secret) },
    { name: "expired 1 s ago", token: hmacJwt(hs, { ...admin, exp: now - 1 }, secret) },
    { name: "not yet valid (nbf +1h)", token: hmacJwt(hs, { ...admin, nbf: now + 3600 }, secret) },
    {
      name: "not yet valid (iat +1h)",
      token: hmacJwt(hs, { ...admin, iat: now + 3600, exp: now + 7200 }, secret),
    },
    {
      name: "tampered payload (viewer → admin, old signature)",
      token: `${vh}.${b64({ ...viewerPayload, role: "admin" })}.${vs}`,
    },
    {
      name: "tampered signature",
      // The second-to-last character, changed to one it is not (the last one carries only
      // 4 bits of the signature: some changes to it decode to the same bytes).
      token: `${vh}.${vp}.${vs.slice(0, -2)}${vs.at(-2) === "A" ? "B" : "A"}${vs.at(-1)}`,
    },
    { name: "signature stripped", token: `${vh}.${vp}.` },
    {
      name: "wrong secret",
      token: hmacJwt(hs, admin, "another-secret-0123456789-abcdefghijklmno"),
    },
    { name: "empty secret", token: hmacJwt(hs, admin, "") },
    { name: "missing role", token: hmacJwt(hs, without("role"), secret) },
    {
      name: "missing user_id and sub",
      token: hmacJwt(
        hs,
        (() => {
          const c = without("user_id");
          delete c.sub;
          return c;
        })(),
        secret,
      ),
    },
    { name: "missing exp", token: hmacJwt(hs, without("exp"), secret) },
    { name: "role not a string", token: hmacJwt(hs, { ...admin, role: ["admin"] }, secret) },
    { name: "role object", token: hmacJwt(hs, { ...admin, role: { admin: true } }, secret) },
    { name: "user_id number", token: hmacJwt(hs, { ...admin, user_id: 42 }, secret) },
    { name: "user_id empty", token: hmacJwt(hs, { ...admin, user_id: " " }, secret) },
    { name: "exp string", token: hmacJwt(hs, { ...admin, exp: String(now + 3600) }, secret) },
    { name: "iat string", token: hmacJwt(hs, { ...admin, iat: "now" }, secret) },
    { name: "unknown role", token: hmacJwt(hs, { ...admin, role: "superadmin" }, secret) },
    { name: "role __proto__", token: hmacJwt(hs, { ...admin, role: "__proto__" }, secret) },
    { name: "role ADMIN (case)", token: hmacJwt(hs, { ...admin, role: "ADMIN" }, secret) },
    {
      name: "oversized (validly signed, > 8 KiB)",
      token: hmacJwt(hs, { ...admin, pad: "x".repeat(9000) }, secret),
    },
    { name: "garbage", token: "not-a-token" },
    { name: "garbage dots", token: "a.b.c" },
    { name: "only dots", token: ".." },
    { name: "binary garbage", token: randomBytes(64).toString("latin1") },
    { name: "payload not JSON", token: `${b64(hs)}.${b64("hello")}.${vs}` },
    { name: "header not JSON", token: `${b64("{")}.${vp}.${vs}` },
    { name: "bearer prefix", token: `Bearer ${viewerToken}` },
    {
      name: "api key forged",
      token: `csk_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`,
    },
    { name: "api key malformed", token: "csk_0123_short" },
    { name: "number", token: 12345 },
    { name: "object", token: { role: "admin" } },
    { name: "array", token: [viewerToken] },
    { name: "null", token: null },
    { name: "empty string", token: "" },
  ];
}
