/**
 * Hardening: hostile file names on every method that takes one (get_recording_info,
 * get_snapshot_info, delete_recording, delete_snapshot, take_snapshot filename) and on both
 * download routes (raw, percent-encoded, double-encoded paths): refused; sentinel files outside
 * the storage folders (and dotfiles and symlinks inside) survive, and their content never
 * appears in a response.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import https from "node:https";
import { join } from "node:path";
import { Tally } from "./support/hardening_tally.ts";
import { startTestService } from "./support/service.ts";

const tally = new Tally("files");
const SECRET = "SENTINEL-3f1c9a-do-not-leak";

/** GET with the path sent exactly as given (no URL normalisation of `..`). */
function rawGet(
  port: number,
  path: string,
  ca: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port, path, method: "GET", ca, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on(
          "end",
          () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("latin1"),
            }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Names an attacker tries, relative to a storage folder `<dir>/snapshots` or `<dir>/recordings`. */
function hostileNames(dir: string): string[] {
  return [
    "../outside/secret.jpg",
    "../../outside/secret.jpg",
    "camera0_../../outside/secret.jpg",
    "camera0/../../outside/secret.jpg",
    "..%2foutside%2fsecret.jpg",
    "..%252foutside%252fsecret.jpg",
    join(dir, "outside", "secret.jpg"),
    "/etc/passwd",
    "..\\outside\\secret.jpg",
    "camera0_..\\..\\outside\\secret.jpg",
    "secret.jpg\u0000.png",
    "\u0000",
    "..",
    ".",
    "...",
    ".hidden.jpg",
    "camera0_.hidden.mp4",
    ".tmp-1-2-3.jpg",
    "a".repeat(300) + ".jpg",
    "camera0_" + "b".repeat(300) + ".mp4",
    "\u00e9".repeat(200) + ".jpg",
    "link.jpg",
    "camera9_secret.mp4",
    "camera9_link.mp4",
    "camera0_link.mp4",
    "snap\r\nX-Injected: 1.jpg",
    "",
  ];
}

Deno.test({
  name: "hardening files - traversal, encodings, dotfiles, symlinks: refused on methods and routes",
  fn: async () => {
    const t = await startTestService();
    try {
      const ca = t.ca;
      const snaps = t.config.snapshots.directory;
      const recs = t.config.recording.directory;
      // Sentinels: outside the folders, a dotfile inside, symlinks (file and folder) pointing out.
      const outside = join(t.dir, "outside");
      await mkdir(outside, { recursive: true });
      await mkdir(snaps, { recursive: true });
      await mkdir(join(recs, "camera0"), { recursive: true });
      const sentinels = [
        join(outside, "secret.jpg"),
        join(outside, "secret.mp4"),
        join(outside, "link.mp4"),
        join(snaps, ".hidden.jpg"),
        join(snaps, ".tmp-1-2-3.jpg"),
        join(recs, "camera0", ".hidden.mp4"),
      ];
      for (const s of sentinels) await writeFile(s, SECRET);
      await symlink(join(outside, "secret.jpg"), join(snaps, "link.jpg"));
      await symlink(outside, join(recs, "camera9"));
      await symlink(join(outside, "link.mp4"), join(recs, "camera0", "link.mp4"));
      // A legitimate file (control: the routes and methods do work).
      await writeFile(join(snaps, "ok.jpg"), "fine");

      const c = await t.connect();
      const auth = await c.call("authenticate", { auth_token: await t.token("admin") });
      assert.equal((auth.result as Record<string, unknown>).role, "admin");
      const bearer = { Authorization: `Bearer ${await t.token("admin")}` };

      await tally.run("control: a plain name works on info and download", async () => {
        const info = await c.call("get_snapshot_info", { filename: "ok.jpg" });
        assert.equal((info.result as Record<string, unknown>)?.file_size, 4, JSON.stringify(info));
        const dl = await rawGet(t.addr.ws_port, "/files/snapshots/ok.jpg", ca, bearer);
        assert.equal(dl.status, 200);
        assert.equal(dl.body, "fine");
      });

      const leaks = (text: string) => text.includes(SECRET);
      const methods: [string, (n: string) => Record<string, unknown>][] = [
        ["get_recording_info", (n) => ({ filename: n })],
        ["get_snapshot_info", (n) => ({ filename: n })],
        ["delete_recording", (n) => ({ filename: n })],
        ["delete_snapshot", (n) => ({ filename: n })],
        ["take_snapshot", (n) => ({ device: "camera0", filename: n })],
      ];
      for (const name of hostileNames(t.dir)) {
        for (const [m, params] of methods) {
          await tally.run(`${m} ${JSON.stringify(name).slice(0, 60)}`, async () => {
            const r = await c.call(m, params(name));
            const text = JSON.stringify(r);
            assert.ok(r.error, `${m}(${name}) was accepted: ${text.slice(0, 300)}`);
            // -32602 for a name that is not plain, -32010 for one that resolves to nothing inside.
            // (take_snapshot of a plain name: -32010, camera0 does not exist here.)
            assert.ok(
              [-32602, -32010].includes(r.error.code),
              `${m}(${name}): ${text.slice(0, 300)}`,
            );
            assert.ok(!leaks(text), `${m}(${name}) leaked the sentinel`);
          });
        }
        for (const kind of ["recordings", "snapshots"]) {
          const encodings = new Set([
            name.replace(/[\r\n]/g, ""), // raw (header-illegal characters dropped)
            encodeURIComponent(name),
            encodeURIComponent(encodeURIComponent(name)),
            name.replace(/\//g, "%2f").replace(/\./g, "%2e").replace(/\\/g, "%5c"),
          ]);
          for (const enc of encodings) {
            if (enc === "") continue;
            await tally.run(`GET /files/${kind}/${enc.slice(0, 60)}`, async () => {
              const path = `/files/${kind}/${
                // deno-lint-ignore no-control-regex
                enc.replace(/[\u0000-\u001f ]/g, (ch) => encodeURIComponent(ch))}`;
              for (const h of [bearer, {}]) {
                const r = await rawGet(t.addr.ws_port, path, ca, h);
                assert.ok([400, 401, 403, 404].includes(r.status), `${path}: ${r.status}`);
                assert.ok(!leaks(r.body), `${path} leaked the sentinel`);
              }
            });
          }
        }
      }

      await tally.run("signed URL for a symlink name is refused", async () => {
        const list = await c.call("list_snapshots", { limit: 100 });
        const names = (list.result as { files: { filename: string }[] }).files.map((f) =>
          f.filename
        );
        assert.deepEqual(names, ["ok.jpg"], "symlinks and dotfiles are not listed");
        const recList = await c.call("list_recordings", { limit: 100 });
        assert.deepEqual((recList.result as { files: unknown[] }).files, []);
      });

      await tally.run("sentinels and symlinks survive, unchanged", async () => {
        for (const s of sentinels) assert.equal(await readFile(s, "utf8"), SECRET, s);
        assert.equal(await readFile(join(snaps, "link.jpg"), "utf8"), SECRET, "symlink kept");
        assert.equal(await readFile(join(snaps, "ok.jpg"), "utf8"), "fine");
        assert.ok(!JSON.stringify(t.logs).includes(SECRET), "sentinel content never logged");
      });
      await c.close();
    } finally {
      await t.stop();
    }
  },
});

Deno.test("hardening files - summary", () => tally.report());
