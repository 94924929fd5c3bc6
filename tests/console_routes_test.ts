/** The console's HTTP routes: content, types, security headers, caching, freshness of the bundle. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Hono } from "hono";
import { buildConsole, renderAssetsModule } from "../console/build.ts";
import {
  consoleCsp,
  consoleOptions,
  consoleRoutes,
  consoleSecurityHeaders,
  mountConsole,
  originOf,
} from "../src/http/console.ts";
import { CONSOLE_ASSETS } from "../src/http/console_assets.ts";
import { defaultConfig } from "../src/config/defaults.ts";

const get = (app: Hono, path: string, init?: RequestInit) =>
  app.request(`https://box.example:8002${path}`, init);

Deno.test("console routes - index, JS and CSS with their content types", async () => {
  const app = consoleRoutes({ tls: true, wsPath: "/rpc" });
  const index = await get(app, "/");
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await index.text();
  assert.match(html, /<meta name="camera-service-ws" content="\/rpc">/);
  const js = /src="(\/console\/app\.js\?v=[0-9a-f]{16})"/.exec(html);
  const css = /href="(\/console\/app\.css\?v=[0-9a-f]{16})"/.exec(html);
  assert.ok(js && css, "index links the versioned bundle");
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), "no inline script");
  assert.ok(!/<style|\sstyle=/.test(html), "no inline style");

  const jsRes = await get(app, js[1]);
  assert.equal(jsRes.status, 200);
  assert.equal(jsRes.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await jsRes.text(), CONSOLE_ASSETS.js.body);
  const cssRes = await get(app, css[1]);
  assert.equal(cssRes.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(await cssRes.text(), CONSOLE_ASSETS.css.body);
  assert.ok(CONSOLE_ASSETS.js.body.length > 10_000, "the bundle holds the app and hls.js");

  assert.equal((await get(app, "/console/nope.js")).status, 404);
  assert.equal((await get(app, "/index.html")).status, 200);
});

Deno.test("console routes - security headers on every response, HSTS only with TLS", async () => {
  for (const tls of [true, false]) {
    const app = consoleRoutes({ tls, hlsOrigins: ["http://box.example:8888/camera0/index.m3u8"] });
    for (const path of ["/", "/console/app.js", "/console/app.css"]) {
      const h = (await get(app, path)).headers;
      assert.equal(h.get("x-content-type-options"), "nosniff", path);
      assert.equal(h.get("referrer-policy"), "no-referrer");
      assert.equal(h.get("x-frame-options"), "DENY");
      assert.equal(h.get("strict-transport-security"), tls ? "max-age=31536000" : null);
      const csp = h.get("content-security-policy") ?? "";
      const d = Object.fromEntries(
        csp.split("; ").map((p) => {
          const [k, ...v] = p.split(" ");
          return [k, v.join(" ")];
        }),
      );
      assert.equal(d["script-src"], "'self'");
      assert.equal(d["style-src"], "'self'");
      assert.equal(d["frame-ancestors"], "'none'");
      assert.equal(d["base-uri"], "'none'");
      assert.equal(d["default-src"], "'self'");
      assert.equal(d["form-action"], "'self'");
      assert.equal(d["img-src"], "'self' blob: data:");
      assert.equal(
        d["connect-src"],
        "'self' http://box.example:8888 https://box.example:8888",
        "HLS origin by name, no wildcard",
      );
      assert.equal(d["media-src"], "'self' blob: http://box.example:8888 https://box.example:8888");
      assert.ok(!csp.includes("unsafe"), "no unsafe-inline/eval");
    }
  }
});

Deno.test("console routes - CSP ignores origins that are not http(s)", () => {
  assert.equal(originOf("rtsp://box:8554/camera0"), null);
  assert.equal(originOf("not a url"), null);
  assert.equal(originOf("https://[::1]:8888/x/index.m3u8"), "https://[::1]:8888");
  const csp = consoleCsp(["javascript:alert(1)", "rtsp://box:8554/x", "*"]);
  assert.match(csp, /connect-src 'self'; /);
  assert.match(csp, /media-src 'self' blob:; /);
  assert.equal(consoleSecurityHeaders({ tls: false })["Strict-Transport-Security"], undefined);
});

Deno.test("console routes - ETag revalidation answers 304 with the headers", async () => {
  const app = consoleRoutes({ tls: true });
  const first = await get(app, "/console/app.js");
  const etag = first.headers.get("etag");
  await first.body?.cancel();
  assert.match(etag ?? "", /^"[0-9a-f]{32}"$/);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  const again = await get(app, "/console/app.js", { headers: { "If-None-Match": etag! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
  assert.equal(again.headers.get("x-frame-options"), "DENY");
  const other = await get(app, "/console/app.js", { headers: { "If-None-Match": '"abc"' } });
  assert.equal(other.status, 200);
  await other.body?.cancel();
});

Deno.test("console routes - HEAD and mounting on an app with its own routes", async () => {
  const app = new Hono();
  app.get("/files/x", (c) => c.text("file"));
  mountConsole(app, { tls: false });
  app.notFound((c) => c.json({ error: "not found" }, 404));
  const head = await get(app, "/", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  assert.equal(await (await get(app, "/files/x")).text(), "file");
  assert.equal((await get(app, "/ws-not-here")).status, 404);
  const post = await get(app, "/", { method: "POST" });
  assert.equal(post.status, 404);
  await post.body?.cancel();
});

Deno.test("console assets - the embedded module matches a fresh build of console/", async () => {
  const committed = await readFile(
    new URL("../src/http/console_assets.ts", import.meta.url),
    "utf8",
  );
  const fresh = renderAssetsModule(await buildConsole());
  assert.ok(
    committed === fresh,
    "src/http/console_assets.ts is stale: run `deno run -A console/build.ts` and commit it",
  );
});

Deno.test("console routes - consoleOptions derives TLS, WebSocket path and the HLS origin", () => {
  const config = defaultConfig();
  config.server.public_host = "cam-box.local";
  config.server.websocket_path = "/rpc";
  config.mediamtx.hls_port = 9888;
  config.security.ssl.enabled = true;
  const o = consoleOptions(config);
  assert.deepEqual(o, {
    tls: true,
    wsPath: "/rpc",
    hlsOrigins: ["http://cam-box.local:9888/camera0/index.m3u8"],
  });
  assert.match(
    consoleCsp(o.hlsOrigins),
    /connect-src 'self' http:\/\/cam-box\.local:9888 https:\/\/cam-box\.local:9888;/,
  );
  config.security.ssl.enabled = false;
  assert.equal(consoleOptions(config).tls, false);
});
