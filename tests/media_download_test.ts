import assert from "node:assert/strict";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Identity } from "../src/api/types.ts";
import { contentDisposition, fileRoutes, parseRange } from "../src/http/files.ts";
import { FileService } from "../src/media/files.ts";
import { UrlSigner } from "../src/media/signing.ts";
import { mediaConfig, putFile } from "./media_helpers.ts";

const viewer: Identity = { user_id: "u", role: "viewer", method: "jwt", expires_at: null };

async function setup() {
  const root = await Deno.makeTempDir();
  const config = mediaConfig(root);
  const body = new Uint8Array(200_000).map((_, i) => i % 251);
  await putFile(join(config.snapshots.directory, "x.jpg"), 1);
  await writeFile(join(config.snapshots.directory, "x.jpg"), body);
  await putFile(
    join(config.recording.directory, "camera0", "2026-01-01_00-00-00-000001.mp4"),
    1000,
  );
  await putFile(join(config.recording.directory, "camera0", "2026-01-01_00-00-00-000002.ts"), 10);
  await writeFile(join(root, "secret.txt"), "secret");
  await symlink(join(root, "secret.txt"), join(config.snapshots.directory, "evil.jpg"));
  let now = Date.now();
  const signer = new UrlSigner({ secret: "k", ttlSeconds: 30, now: () => now });
  const files = new FileService({ config });
  const app = fileRoutes({
    files,
    signer,
    authorize: (h) =>
      Promise.resolve(
        h.get("authorization") === "Bearer good" || h.get("x-api-key") === "key" ? viewer : null,
      ),
  });
  const auth = { authorization: "Bearer good" };
  return {
    app,
    body,
    signer,
    auth,
    snapDir: config.snapshots.directory,
    advance: (ms: number) => (now += ms),
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

Deno.test("downloads - full file streamed with type, length, ranges advertised", async () => {
  const s = await setup();
  try {
    const r = await s.app.request("/files/snapshots/x.jpg", { headers: s.auth });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "image/jpeg");
    assert.equal(r.headers.get("content-length"), "200000");
    assert.equal(r.headers.get("accept-ranges"), "bytes");
    assert.match(r.headers.get("content-disposition")!, /^attachment; filename="x.jpg"/);
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), s.body);
    const mp4 = await s.app.request("/files/recordings/camera0_2026-01-01_00-00-00-000001.mp4", {
      headers: { "x-api-key": "key" },
    });
    assert.equal(mp4.status, 200);
    assert.equal(mp4.headers.get("content-type"), "video/mp4");
    assert.equal((await mp4.arrayBuffer()).byteLength, 1000);
    const ts = await s.app.request("/files/recordings/camera0_2026-01-01_00-00-00-000002.ts", {
      headers: s.auth,
    });
    assert.equal(ts.headers.get("content-type"), "video/mp2t");
    await ts.body?.cancel();
  } finally {
    await s.cleanup();
  }
});

Deno.test("downloads - byte ranges: 206 with Content-Range, suffix, open end, 416", async () => {
  const s = await setup();
  try {
    const get = (range: string) =>
      s.app.request("/files/snapshots/x.jpg", { headers: { ...s.auth, range } });
    const r = await get("bytes=100-199");
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), "bytes 100-199/200000");
    assert.equal(r.headers.get("content-length"), "100");
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), s.body.subarray(100, 200));
    const suffix = await get("bytes=-10");
    assert.equal(suffix.headers.get("content-range"), "bytes 199990-199999/200000");
    assert.deepEqual(new Uint8Array(await suffix.arrayBuffer()), s.body.subarray(199990));
    const open = await get("bytes=150000-");
    assert.equal(open.headers.get("content-length"), "50000");
    assert.deepEqual(new Uint8Array(await open.arrayBuffer()), s.body.subarray(150000));
    const past = await get("bytes=200000-");
    assert.equal(past.status, 416);
    assert.equal(past.headers.get("content-range"), "bytes */200000");
    await past.body?.cancel();
    const multi = await get("bytes=0-1,5-6"); // multi-range: whole file
    assert.equal(multi.status, 200);
    await multi.body?.cancel();
    assert.deepEqual(parseRange("bytes=5-2", 10), null);
    assert.deepEqual(parseRange("bytes=-0", 10), "unsatisfiable");
    assert.deepEqual(parseRange("bytes=0-99", 10), { start: 0, end: 9 });
    assert.deepEqual(parseRange("items=0-1", 10), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("downloads - HEAD gives headers without a body", async () => {
  const s = await setup();
  try {
    const r = await s.app.request("/files/snapshots/x.jpg", { method: "HEAD", headers: s.auth });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-length"), "200000");
    assert.equal(r.body, null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("downloads - auth: none 401, bad token 401, signed URL ok, bad/expired signature 403", async () => {
  const s = await setup();
  try {
    const none = await s.app.request("/files/snapshots/x.jpg");
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error, "authentication required");
    const bad = await s.app.request("/files/snapshots/x.jpg", {
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(bad.status, 401);
    await bad.body?.cancel();
    const odd = "été 50% #1.jpg";
    await writeFile(join(s.snapDir, odd), "odd");
    const oddRes = await s.app.request(s.signer.sign("snapshots", odd));
    assert.equal(oddRes.status, 200, "signed name with space, %, # and non-ASCII");
    assert.equal(await oddRes.text(), "odd");
    const url = s.signer.sign("snapshots", "x.jpg");
    const ok = await s.app.request(url);
    assert.equal(ok.status, 200);
    assert.equal((await ok.arrayBuffer()).byteLength, 200_000);
    const wrongFile = await s.app.request(url.replace("x.jpg", "evil.jpg"));
    assert.equal(wrongFile.status, 403);
    await wrongFile.body?.cancel();
    // Change the signature's first character (to one it is not: 1 in 64 already was "A").
    const tampered = await s.app.request(
      url.replace(/sig=(.)/, (_m, c) => `sig=${c === "A" ? "B" : "A"}`),
    );
    assert.equal(tampered.status, 403);
    assert.equal((await tampered.json()).error, "invalid download signature");
    s.advance(31_000);
    const expired = await s.app.request(url);
    assert.equal(expired.status, 403);
    assert.equal((await expired.json()).error, "download link expired");
  } finally {
    await s.cleanup();
  }
});

Deno.test("downloads - unknown 404, traversal and symlinks never served", async () => {
  const s = await setup();
  try {
    for (
      const path of [
        "/files/snapshots/nope.jpg",
        "/files/snapshots/evil.jpg",
        "/files/recordings/camera0_nope.mp4",
      ]
    ) {
      const r = await s.app.request(path, { headers: s.auth });
      assert.equal(r.status, 404, path);
      await r.body?.cancel();
    }
    for (
      const path of [
        "/files/snapshots/..%2Fsecret.txt",
        "/files/snapshots/%2e%2e%2fsecret.txt",
        "/files/snapshots/..%5Csecret.txt",
        "/files/snapshots/%00x.jpg",
        "/files/recordings/..%2F..%2Fsecret.txt",
        "/files/snapshots/../secret.txt",
        "/files/snapshots/%2Fetc%2Fpasswd",
      ]
    ) {
      const r = await s.app.request(path, { headers: s.auth });
      assert.ok([400, 404].includes(r.status), `${path} → ${r.status}`);
      const text = await r.text();
      assert.ok(!text.includes("secret") && !text.includes("root:"), path);
    }
    assert.equal(
      contentDisposition('a"b\u00e9.jpg'),
      `attachment; filename="a_b_.jpg"; filename*=UTF-8''a%22b%C3%A9.jpg`,
    );
  } finally {
    await s.cleanup();
  }
});
