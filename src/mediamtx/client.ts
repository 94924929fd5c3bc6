/**
 * MediaMTX v3 REST client (v1.20.1 semantics, see shared/mediamtx/NOTES.md).
 * Every call has a timeout; error bodies are parsed defensively (JSON `{status,error}` or the
 * plain-text "404 page not found" of unknown routes); path names keep '/' as segment separators.
 */
import { Buffer } from "node:buffer";
import { normalisePath } from "./normalise.ts";
import { MediaMtxError, type MediaMtxInfo, type PathConf, type PathState } from "./types.ts";
import type { Recording } from "./types.ts";

export { MediaMtxError } from "./types.ts";

/** Options of {@link MediaMtxClient}. */
export interface MediaMtxClientOptions {
  /** e.g. http://127.0.0.1:9997 (no trailing /v3). */
  baseUrl: string;
  /** Per-request timeout in milliseconds (connect + body). */
  timeoutMs: number;
  username?: string;
  password?: string;
  fetch?: typeof fetch;
}

const PAGE_SIZE = 100;

/** Encode a path name for a catch-all route parameter: each segment encoded, '/' kept. */
export function encodePathName(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/** Thin, typed client for the MediaMTX control API. */
export class MediaMtxClient {
  private readonly base: string;
  private readonly auth: string | null;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: MediaMtxClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.auth = opts.username
      ? "Basic " + Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")
      : null;
    this.doFetch = opts.fetch ?? fetch;
  }

  /** `GET /v3/info`. */
  async info(): Promise<MediaMtxInfo> {
    const body = asObject(await this.call("GET", "/v3/info"), "/v3/info");
    if (typeof body.version !== "string" || typeof body.started !== "string") {
      throw new MediaMtxError("protocol", "/v3/info: missing version or started");
    }
    return { version: body.version, started: body.started };
  }

  /** All configured path entries (every page). */
  listPathConfigs(): Promise<PathConf[]> {
    return this.listAll<PathConf>("/v3/config/paths/list", (x) => x as PathConf);
  }

  /** One path entry with defaults merged in; null when not configured. */
  async getPathConfig(name: string): Promise<PathConf | null> {
    const r = await this.call("GET", `/v3/config/paths/get/${encodePathName(name)}`, {
      allow404: true,
    });
    return r === NOT_FOUND ? null : asObject(r, "config/paths/get") as PathConf;
  }

  /** Create a path entry; fails (http 400) when the name exists. */
  async addPathConfig(name: string, conf: PathConf): Promise<void> {
    await this.call("POST", `/v3/config/paths/add/${encodePathName(name)}`, { body: conf });
  }

  /** Replace a path entry's overrides with exactly `conf`; creates it when absent (upsert). */
  async replacePathConfig(name: string, conf: PathConf): Promise<void> {
    await this.call("POST", `/v3/config/paths/replace/${encodePathName(name)}`, { body: conf });
  }

  /** Merge `conf` into an existing entry; http 404 when absent. */
  async patchPathConfig(name: string, conf: Partial<PathConf>): Promise<void> {
    await this.call("PATCH", `/v3/config/paths/patch/${encodePathName(name)}`, { body: conf });
  }

  /** Delete a path entry; false when it did not exist. */
  async deletePathConfig(name: string): Promise<boolean> {
    const r = await this.call("DELETE", `/v3/config/paths/delete/${encodePathName(name)}`, {
      allow404: true,
    });
    return r !== NOT_FOUND;
  }

  /** Runtime state of every path (every page), normalised. */
  listPaths(): Promise<PathState[]> {
    return this.listAll("/v3/paths/list", normalisePath);
  }

  /** Runtime state of one path; null when it does not exist. */
  async getPath(name: string): Promise<PathState | null> {
    const r = await this.call("GET", `/v3/paths/get/${encodePathName(name)}`, { allow404: true });
    return r === NOT_FOUND ? null : normalisePath(r);
  }

  /** Every path that has recording segments on disk (every page). */
  listRecordings(): Promise<Recording[]> {
    return this.listAll("/v3/recordings/list", normaliseRecording);
  }

  /**
   * Segments of one path. null when MediaMTX knows no such path: v1.20.1 answers 400 (not the
   * 404 of the spec) for a name that matches no config entry, so both map to null.
   */
  async getRecording(name: string): Promise<Recording | null> {
    try {
      const r = await this.call("GET", `/v3/recordings/get/${encodePathName(name)}`, {
        allow404: true,
      });
      return r === NOT_FOUND ? null : normaliseRecording(r);
    } catch (e) {
      if (e instanceof MediaMtxError && e.kind === "http" && e.status === 400) return null;
      throw e;
    }
  }

  /** Delete one segment; `start` exactly as listed. v1.20.1 answers 400 for a missing file. */
  async deleteRecordingSegment(path: string, start: string): Promise<void> {
    const q = new URLSearchParams({ path, start });
    await this.call("DELETE", `/v3/recordings/deletesegment?${q}`);
  }

  private async listAll<T>(route: string, map: (x: unknown) => T): Promise<T[]> {
    const out: T[] = [];
    for (let page = 0;; page++) {
      const body = asObject(
        await this.call("GET", `${route}?itemsPerPage=${PAGE_SIZE}&page=${page}`),
        route,
      );
      if (!Array.isArray(body.items)) throw new MediaMtxError("protocol", `${route}: no items`);
      for (const it of body.items) out.push(map(it));
      const pageCount = typeof body.pageCount === "number" ? body.pageCount : 1;
      if (page + 1 >= pageCount || body.items.length === 0) return out;
    }
  }

  private async call(
    method: string,
    route: string,
    o: { body?: unknown; allow404?: boolean } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.auth) headers.authorization = this.auth;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new DOMException("timeout", "TimeoutError"));
    }, this.opts.timeoutMs);
    const what = `${method} ${route.split("?")[0]}`;
    let status: number;
    let text: string;
    try {
      const res = await this.doFetch(this.base + route, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: ctl.signal,
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      if (timedOut) {
        throw new MediaMtxError("timeout", `${what}: no answer within ${this.opts.timeoutMs} ms`);
      }
      throw new MediaMtxError("unreachable", `${what}: unreachable: ${describe(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (status === 404 && o.allow404) return NOT_FOUND;
    if (status < 200 || status > 299) {
      throw new MediaMtxError("http", `${what}: HTTP ${status}: ${errorText(text)}`, {
        status,
        body: text.slice(0, 2000),
      });
    }
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new MediaMtxError("protocol", `${what}: response is not JSON`, {
        status,
        body: text.slice(0, 2000),
      });
    }
  }
}

const NOT_FOUND = Symbol("not found");

/** The human message of an error body: JSON `{error}` or the plain text itself. */
export function errorText(text: string): string {
  try {
    const j = JSON.parse(text);
    if (j && typeof j === "object" && typeof j.error === "string") return j.error;
  } catch {
    // plain-text body (e.g. "404 page not found")
  }
  return text.trim().slice(0, 200) || "(empty body)";
}

/** An error message with its cause chain ("fetch failed: connect ECONNREFUSED ..."). */
function describe(e: unknown): string {
  const parts: string[] = [];
  for (let x = e, i = 0; x && i < 4; x = (x as { cause?: unknown }).cause, i++) {
    parts.push(x instanceof Error ? x.message : String(x));
  }
  return parts.join(": ");
}

function asObject(x: unknown, what: string): Record<string, unknown> {
  if (x === null || typeof x !== "object" || Array.isArray(x)) {
    throw new MediaMtxError("protocol", `${what}: expected a JSON object`);
  }
  return x as Record<string, unknown>;
}

function normaliseRecording(x: unknown): Recording {
  const o = asObject(x, "recording");
  const segs = Array.isArray(o.segments) ? o.segments : [];
  return {
    name: String(o.name ?? ""),
    segments: segs
      .filter((s): s is { start: string } => typeof s?.start === "string")
      .map((s) => ({ start: s.start })),
  };
}
