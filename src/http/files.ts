/**
 * File downloads: `GET|HEAD /files/recordings/:name` and `/files/snapshots/:name`.
 * Authorized by `Authorization: Bearer <jwt|api key>` / `X-API-Key`, or by a signed URL
 * (`?expires=&sig=`) from the list/info methods. 401 without credentials, 403 for a bad or
 * expired signature, 400 for a name that is not a plain file name, 404 for an unknown file.
 * Single byte ranges (206, 416); the body is streamed from disk in 64 KiB reads.
 */
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Hono } from "hono";
import type { Identity } from "../api/types.ts";
import type { FileService } from "../media/files.ts";
import { contentTypeOf } from "../media/names.ts";
import type { FileKind, UrlSigner } from "../media/signing.ts";
import { RpcError } from "../rpc/errors.ts";
import { requestAddress } from "./remote.ts";

/** Dependencies of {@link fileRoutes}. */
export interface FileRoutesDeps {
  files: Pick<FileService, "find">;
  signer: Pick<UrlSigner, "verify">;
  /** Identity from Authorization/X-API-Key headers, or null. */
  authorize(headers: Headers, remote: string): Promise<Identity | null>;
  /** Proxies whose X-Forwarded-For is trusted (server.trusted_proxies). */
  trustedProxies?: readonly string[];
}

/** A byte range (inclusive), "unsatisfiable", or null (serve the whole file). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // malformed or multi-range: ignored
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return null;
  if (start >= size) return "unsatisfiable";
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return { start, end };
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A web stream over [start, end] of an open file; closes the handle when done or cancelled. */
export function fileStream(fh: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  let pos = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const want = Math.min(64 * 1024, end + 1 - pos);
        if (want <= 0) {
          await close();
          return ctl.close();
        }
        const buf = new Uint8Array(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) { // file shrank: end early rather than hang
          await close();
          return ctl.close();
        }
        pos += bytesRead;
        ctl.enqueue(buf.subarray(0, bytesRead));
      } catch (e) {
        await close();
        ctl.error(e);
      }
    },
    cancel: close,
  }, { highWaterMark: 1 });
}

const json = (status: number, body: Record<string, unknown>, extra: HeadersInit = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...extra },
  });

/** The download routes (mount on the server port's Hono app). */
export function fileRoutes(deps: FileRoutesDeps): Hono {
  const app = new Hono();
  const serve = (kind: FileKind) => async (c: import("hono").Context) => {
    const name = c.req.param("name") ?? "";
    const q = (k: string) => c.req.query(k);
    const headers = c.req.raw.headers;
    if (headers.has("authorization") || headers.has("x-api-key")) {
      const remote = requestAddress(c.env, deps.trustedProxies ?? []);
      let who: Identity | null = null;
      let reason: string | undefined;
      try {
        who = await deps.authorize(headers, remote);
      } catch (e) {
        // A bad credential is a 401 (a locked-out address a 429), never a 500.
        if (!(e instanceof RpcError)) throw e;
        if (e.code === -32040) {
          const s = Math.max(1, Math.ceil(Number(e.data?.retry_after_ms ?? 1000) / 1000));
          return json(429, { error: "too many failed authentications" }, {
            "retry-after": String(s),
          });
        }
        reason = typeof e.data?.reason === "string" ? e.data.reason : undefined;
      }
      if (!who) {
        return json(401, { error: "authentication failed", reason }, {
          "www-authenticate": 'Bearer realm="camera-service"',
        });
      }
    } else if (q("sig") !== undefined || q("expires") !== undefined) {
      const check = deps.signer.verify(kind, name, q("expires"), q("sig"));
      if (check !== "ok") {
        return json(403, {
          error: check === "expired" ? "download link expired" : "invalid download signature",
        });
      }
    } else {
      return json(401, { error: "authentication required" }, {
        "www-authenticate": 'Bearer realm="camera-service"',
      });
    }
    let path: string;
    try {
      path = (await deps.files.find(kind, name)).path;
    } catch (e) {
      if (e instanceof RpcError && e.code === -32602) {
        return json(400, { error: "invalid file name", hint: e.data?.hint });
      }
      if (e instanceof RpcError && e.code === -32010) return json(404, { error: "not found" });
      throw e;
    }
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return json(404, { error: "not found" });
    }
    const st = await fh.stat();
    const size = st.size;
    const base: Record<string, string> = {
      "content-type": contentTypeOf(name),
      "accept-ranges": "bytes",
      "content-disposition": contentDisposition(name),
      "last-modified": st.mtime.toUTCString(),
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    };
    const range = parseRange(c.req.header("range"), size);
    if (range === "unsatisfiable") {
      await fh.close();
      return new Response(null, {
        status: 416,
        headers: { ...base, "content-range": `bytes */${size}` },
      });
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const length = size === 0 ? 0 : end - start + 1;
    const headersOut: Record<string, string> = { ...base, "content-length": String(length) };
    if (range) headersOut["content-range"] = `bytes ${start}-${end}/${size}`;
    const status = range ? 206 : 200;
    if (c.req.raw.method === "HEAD" || length === 0) {
      await fh.close();
      return new Response(null, { status, headers: headersOut });
    }
    return new Response(fileStream(fh, start, end), { status, headers: headersOut });
  };
  app.get("/files/recordings/:name", serve("recordings"));
  app.get("/files/snapshots/:name", serve("snapshots"));
  return app;
}
