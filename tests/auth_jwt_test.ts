import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { signToken, validateSecret, verifyToken } from "../src/auth/jwt.ts";
import { RpcError } from "../src/rpc/errors.ts";

const SECRET = "s".repeat(48);
const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** Hand-crafts an HS256 token with arbitrary header and claims. */
function craft(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  secret = SECRET,
) {
  const input = `${b64({ alg: "HS256", typ: "JWT", ...header })}.${b64(payload)}`;
  const sig = createHmac("sha256", secret).update(input).digest("base64url");
  return `${input}.${sig}`;
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `expected RpcError, got ${e}`);
    assert.equal(e.code, -32001);
    return String(e.data?.reason);
  }
  assert.fail("expected the token to be refused");
}

const good = { user_id: "alice", role: "operator", iat: NOW_S, exp: NOW_S + 3600 };

Deno.test("jwt - signed token verifies with claims user_id, sub, role, iat, exp", async () => {
  const token = await signToken({
    secret: SECRET,
    user_id: "alice",
    role: "viewer",
    ttlSeconds: 600,
    now: NOW,
  });
  const payload = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  assert.deepEqual(payload, {
    user_id: "alice",
    sub: "alice",
    role: "viewer",
    iat: NOW_S,
    exp: NOW_S + 600,
  });
  const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString());
  assert.equal(header.alg, "HS256");
  const id = await verifyToken(token, SECRET, NOW + 1000);
  assert.deepEqual(id, {
    user_id: "alice",
    role: "viewer",
    method: "jwt",
    expires_at: NOW_S + 600,
  });
});

Deno.test("jwt - sub alone is accepted as the user id", async () => {
  const id = await verifyToken(craft({ sub: "bob", role: "admin", exp: NOW_S + 60 }), SECRET, NOW);
  assert.equal(id.user_id, "bob");
  assert.equal(id.role, "admin");
});

Deno.test("jwt - expired token is refused (strictly: exp is not stretched by clock skew)", async () => {
  assert.equal(
    await reason(verifyToken(craft({ ...good, exp: NOW_S - 120 }), SECRET, NOW)),
    "token expired",
  );
  assert.equal(
    await reason(verifyToken(craft({ ...good, exp: NOW_S - 1 }), SECRET, NOW)),
    "token expired",
  );
  assert.equal(await reason(verifyToken(craft(good), SECRET, good.exp * 1000)), "token expired");
  await verifyToken(craft(good), SECRET, good.exp * 1000 - 1);
});

Deno.test("jwt - wrong secret is an invalid signature", async () => {
  const t = craft(good, {}, "another-secret-that-is-long-enough-000000");
  assert.equal(await reason(verifyToken(t, SECRET, NOW)), "invalid signature");
});

Deno.test("jwt - alg none is refused", async () => {
  const t = `${b64({ alg: "none", typ: "JWT" })}.${b64(good)}.`;
  assert.equal(await reason(verifyToken(t, SECRET, NOW)), "unsupported algorithm: none");
});

Deno.test("jwt - RS256 token is refused; HS256 signed with the public key PEM is a wrong secret", async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const rs = await new SignJWT({ user_id: "eve", role: "admin" })
    .setProtectedHeader({ alg: "RS256" })
    .setIssuedAt(NOW_S)
    .setExpirationTime(NOW_S + 600)
    .sign(privateKey);
  assert.equal(await reason(verifyToken(rs, SECRET, NOW)), "unsupported algorithm: RS256");
  const pem = await exportSPKI(publicKey);
  assert.equal(await reason(verifyToken(rs, pem, NOW)), "unsupported algorithm: RS256");
  const confused = craft({ ...good, role: "admin" }, {}, pem);
  assert.equal(await reason(verifyToken(confused, SECRET, NOW)), "invalid signature");
});

Deno.test("jwt - other HMAC algorithms are refused", async () => {
  const input = `${b64({ alg: "HS512" })}.${b64(good)}`;
  const t = `${input}.${createHmac("sha512", SECRET).update(input).digest("base64url")}`;
  assert.equal(await reason(verifyToken(t, SECRET, NOW)), "unsupported algorithm: HS512");
});

Deno.test("jwt - tampered payload is an invalid signature", async () => {
  const t = craft(good);
  const [h, , s] = t.split(".");
  const forged = `${h}.${b64({ ...good, role: "admin" })}.${s}`;
  assert.equal(await reason(verifyToken(forged, SECRET, NOW)), "invalid signature");
});

Deno.test("jwt - nbf or iat in the future is not yet valid", async () => {
  assert.equal(
    await reason(verifyToken(craft({ ...good, nbf: NOW_S + 600 }), SECRET, NOW)),
    "token not yet valid",
  );
  assert.match(
    await reason(verifyToken(craft({ ...good, iat: NOW_S + 600 }), SECRET, NOW)),
    /^token not yet valid/,
  );
  // small skew tolerated
  await verifyToken(craft({ ...good, nbf: NOW_S + 30, iat: NOW_S + 30 }), SECRET, NOW);
});

Deno.test("jwt - missing or non-string claims are refused precisely", async () => {
  const { user_id: _u, ...noUser } = good;
  assert.equal(
    await reason(verifyToken(craft(noUser), SECRET, NOW)),
    "missing claim: user_id or sub",
  );
  assert.equal(
    await reason(verifyToken(craft({ ...good, user_id: 42 }), SECRET, NOW)),
    "invalid claim: user_id (must be a non-empty string)",
  );
  assert.equal(
    await reason(verifyToken(craft({ ...noUser, sub: "" }), SECRET, NOW)),
    "invalid claim: sub (must be a non-empty string)",
  );
  const { role: _r, ...noRole } = good;
  assert.equal(await reason(verifyToken(craft(noRole), SECRET, NOW)), "missing claim: role");
  const { exp: _e, ...noExp } = good;
  assert.equal(await reason(verifyToken(craft(noExp), SECRET, NOW)), "missing claim: exp");
  assert.equal(
    await reason(verifyToken(craft({ ...good, exp: "tomorrow" }), SECRET, NOW)),
    "invalid claim: exp",
  );
});

Deno.test("jwt - unknown role is refused and named", async () => {
  assert.equal(
    await reason(verifyToken(craft({ ...good, role: "root" }), SECRET, NOW)),
    "unknown role: root",
  );
  assert.equal(
    await reason(verifyToken(craft({ ...good, role: ["admin"] }), SECRET, NOW)),
    'unknown role: ["admin"]',
  );
});

Deno.test("jwt - oversized and malformed tokens are refused before parsing", async () => {
  const big = craft({ ...good, pad: "x".repeat(9000) });
  assert.equal(await reason(verifyToken(big, SECRET, NOW)), "token too large");
  assert.equal(await reason(verifyToken("abc.def", SECRET, NOW)), "malformed token");
  assert.equal(await reason(verifyToken("a.b.c", SECRET, NOW)), "malformed token");
  assert.equal(await reason(verifyToken("", SECRET, NOW)), "missing token");
  const notJson = `${b64({ alg: "HS256" })}.${Buffer.from("nope").toString("base64url")}`;
  const t = `${notJson}.${createHmac("sha256", SECRET).update(notJson).digest("base64url")}`;
  assert.equal(await reason(verifyToken(t, SECRET, NOW)), "malformed token");
});

Deno.test("jwt - signToken rejects bad input", async () => {
  await assert.rejects(
    signToken({ secret: SECRET, user_id: "a", role: "viewer", ttlSeconds: 0 }),
    /ttlSeconds/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    signToken({ secret: SECRET, user_id: "a", role: "root" as any, ttlSeconds: 10 }),
    /unknown role/,
  );
  await assert.rejects(signToken({ secret: "", user_id: "a", role: "viewer", ttlSeconds: 10 }));
});

Deno.test("jwt - validateSecret flags short secrets", () => {
  assert.equal(validateSecret("x".repeat(32)), null);
  assert.match(validateSecret("short") ?? "", /5 bytes.*at least 32/);
  assert.equal(validateSecret(""), "JWT secret is empty");
});
