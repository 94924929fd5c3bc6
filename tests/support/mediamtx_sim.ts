/**
 * MediaMTX v1.20.1 control API simulator (tests only). Same routes, shapes, status codes and
 * quirks as the real server (shared/mediamtx/NOTES.md): 400 on add of an existing name, replace
 * as upsert, JSON 404 "path configuration not found", unknown JSON field → 400, plain-text
 * "404 page not found" on unknown routes and wrong methods, 0-based pagination, durations
 * normalised on output, recordings get → 400 for an unknown name, deletesegment → 400 for a
 * missing file, `started` changing on restart. Media is real (see sim_media.ts).
 *
 * Not simulated: global config routes, connection/session routes, auth, regex paths at runtime.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Buffer } from "node:buffer";
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PathConf } from "../../src/mediamtx/types.ts";
import {
  ConfError,
  decodePathConf,
  mergedConf,
  needsRecreate,
  PATH_DEFAULTS,
  pathNameProblem,
  validatePathConf,
} from "./sim_conf.ts";
import { type MediaEnv, PathMedia } from "./sim_media.ts";
import { listSegments } from "./sim_record.ts";
import { type RtspServer, startRtspServer } from "./rtsp.ts";

/** A request the simulator received. */
export interface SimRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Handle on a running simulator. */
export interface MediaMtxSim {
  url: string;
  port: number;
  requests: SimRequest[];
  /** Forget all API config and media, new `started` (a MediaMTX restart). */
  restart(): Promise<void>;
  /** Close the listener (MediaMTX down: url refuses connections); media and config go. */
  stop(): Promise<void>;
  /** Listen again on the same port, as a freshly started MediaMTX. */
  start(): Promise<void>;
  /** Explicit overrides of every configured path. */
  paths(): Map<string, PathConf>;
  /** Recent process output of a path's media (diagnostics). */
  mediaLog(name: string): string[];
  close(): Promise<void>;
}

/** Options of {@link startMediaMtxSim}. */
export interface MediaMtxSimOptions {
  rtspPort: number;
  publishPort: number;
  /** MediaMTX's working directory: relative recordPaths resolve against it (default cwd). */
  recordRoot?: string;
  ffmpeg?: string;
  restartDelayMs?: number;
  /** false = API only: no process is ever started (paths stay unavailable). Default true. */
  media?: boolean;
}

const VERSION = "v1.20.1";

/** Start the simulator on 127.0.0.1, port 0. */
export async function startMediaMtxSim(opts: MediaMtxSimOptions): Promise<MediaMtxSim> {
  const env: MediaEnv = {
    rtspPort: opts.rtspPort,
    publishPort: opts.publishPort,
    ffmpeg: opts.ffmpeg ?? "ffmpeg",
    recordRoot: opts.recordRoot ?? process.cwd(),
    restartDelayMs: opts.restartDelayMs ?? 5000,
    media: opts.media ?? true,
  };
  const st = new SimState(env);
  const server = createServer((req, res) => {
    handle(st, req, res).catch((e) => send(res, 500, { status: "error", error: String(e) }));
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const close = async () => {
    if (!server.listening) return;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  };
  await listen();
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: st.requests,
    restart: () => st.reset(),
    stop: async () => {
      await close();
      await st.reset();
    },
    start: async () => {
      if (closed) throw new Error("simulator closed");
      if (!server.listening) await listen();
    },
    paths: () => new Map([...st.confs].map(([k, v]) => [k, { ...v } as PathConf])),
    mediaLog: (name) => st.media.get(name)?.log ?? [],
    close: async () => {
      closed = true;
      await close();
      await st.reset();
    },
  };
}

class SimState {
  requests: SimRequest[] = [];
  confs = new Map<string, Record<string, unknown>>();
  defaults: Record<string, unknown> = { ...PATH_DEFAULTS };
  media = new Map<string, PathMedia>();
  started = new Date().toISOString();
  private stopping = new Map<string, Promise<void>>();

  constructor(readonly env: MediaEnv) {}

  merged(name: string): Record<string, unknown> {
    return mergedConf(name, this.confs.get(name)!, this.defaults);
  }

  /** Apply a new override set for `name` (null = delete), recreating media as MediaMTX does. */
  apply(name: string, next: Record<string, unknown> | null): void {
    const before = this.confs.has(name) ? this.merged(name) : null;
    if (next === null) this.confs.delete(name);
    else this.confs.set(name, next);
    if (name.startsWith("~") || name === "all_others" || name === "all") return;
    const after = next === null ? null : this.merged(name);
    const m = this.media.get(name);
    if (m && after && before && !needsRecreate(before, after)) {
      m.setRecord(after);
      return;
    }
    if (m) {
      this.media.delete(name);
      this.stopping.set(name, m.stop());
    }
    if (after) {
      const fresh = new PathMedia(name, after, this.env);
      this.media.set(name, fresh);
      // rtsp-server-perl frees a mount only after the old publisher's TEARDOWN.
      const prev = this.stopping.get(name) ?? Promise.resolve();
      prev.then(() => {
        if (this.media.get(name) === fresh) fresh.start();
      });
    }
  }

  /** Drop all config and media, new `started`. */
  async reset(): Promise<void> {
    const all = [...this.media.values()].map((m) => m.stop());
    this.media.clear();
    this.confs.clear();
    this.defaults = { ...PATH_DEFAULTS };
    await Promise.all([...all, ...this.stopping.values()]);
    this.stopping.clear();
    let now = new Date().toISOString();
    if (now === this.started) now = new Date(Date.now() + 1).toISOString();
    this.started = now;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function notFoundPage(res: ServerResponse): void {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("404 page not found");
}

const ok = (res: ServerResponse) => send(res, 200, { status: "ok" });
const fail = (res: ServerResponse, status: number, error: string) =>
  send(res, status, { status: "error", error });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (s += d));
    req.on("end", () => resolve(s));
    req.on("error", reject);
  });
}

/** Parse itemsPerPage/page like MediaMTX; null after answering 400. */
function paginate<T>(res: ServerResponse, q: URLSearchParams, items: T[]): unknown | null {
  const parse = (k: string, def: number): number | null => {
    const v = q.get(k);
    if (v === null) return def;
    return /^\d+$/.test(v) ? Number(v) : null;
  };
  const per = parse("itemsPerPage", 100);
  if (per === null || per === 0) {
    fail(res, 400, "invalid items per page");
    return null;
  }
  const page = parse("page", 0);
  if (page === null) {
    fail(res, 400, "invalid page");
    return null;
  }
  return {
    itemCount: items.length,
    pageCount: Math.ceil(items.length / per),
    items: items.slice(page * per, page * per + per),
  };
}

async function handle(st: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sim");
  const raw = req.method === "GET" || req.method === "DELETE" ? "" : await readBody(req);
  let body: unknown = raw === "" ? undefined : raw;
  try {
    body = raw === "" ? undefined : JSON.parse(raw);
  } catch { /* keep raw text */ }
  st.requests.push({ method: req.method ?? "", path: url.pathname + url.search, body });
  const m = req.method;
  const p = url.pathname;
  const route = (prefix: string) =>
    p.startsWith(prefix) && p.length > prefix.length
      ? decodeURIComponent(p.slice(prefix.length))
      : null;
  let name: string | null;

  if (m === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.writeHead(204, { "access-control-allow-origin": "*" });
    return void res.end();
  }
  if (m === "GET" && p === "/v3/info") {
    return send(res, 200, { version: VERSION, started: st.started });
  }
  if (m === "GET" && p === "/v3/config/pathdefaults/get") {
    return send(res, 200, mergedConf("", {}, st.defaults));
  }
  if (m === "PATCH" && p === "/v3/config/pathdefaults/patch") {
    try {
      const next = { ...st.defaults, ...decodePathConf(raw) };
      validatePathConf("", mergedConf("", {}, next));
      st.defaults = next;
      return ok(res);
    } catch (e) {
      return fail(res, 400, (e as Error).message);
    }
  }
  if (m === "GET" && p === "/v3/config/paths/list") {
    const names = [...st.confs.keys()].sort();
    const page = paginate(res, url.searchParams, names.map((n) => st.merged(n)));
    return page ? send(res, 200, page) : undefined;
  }
  if (m === "GET" && (name = route("/v3/config/paths/get/")) !== null) {
    if (!st.confs.has(name)) return fail(res, 404, "path configuration not found");
    return send(res, 200, st.merged(name));
  }
  for (const op of ["add", "replace", "patch"] as const) {
    const method = op === "patch" ? "PATCH" : "POST";
    if (m !== method || (name = route(`/v3/config/paths/${op}/`)) === null) continue;
    const problem = pathNameProblem(name);
    if (problem) return fail(res, 400, `invalid path name: ${problem} (${name})`);
    const exists = st.confs.has(name);
    if (op === "add" && exists) return fail(res, 400, "path already exists");
    if (op === "patch" && !exists) return fail(res, 404, "path configuration not found");
    try {
      const given = decodePathConf(raw);
      const next = op === "patch" ? { ...st.confs.get(name), ...given } : given;
      validatePathConf(name, mergedConf(name, next, st.defaults));
      st.apply(name, next);
      return ok(res);
    } catch (e) {
      if (e instanceof ConfError) return fail(res, 400, e.message);
      throw e;
    }
  }
  if (m === "DELETE" && (name = route("/v3/config/paths/delete/")) !== null) {
    if (!st.confs.has(name)) return fail(res, 404, "path configuration not found");
    st.apply(name, null);
    return ok(res);
  }
  if (m === "GET" && p === "/v3/paths/list") {
    const names = [...st.media.keys()].sort();
    const page = paginate(res, url.searchParams, names.map((n) => runtimePath(st, n)));
    return page ? send(res, 200, page) : undefined;
  }
  if (m === "GET" && (name = route("/v3/paths/get/")) !== null) {
    if (!st.media.has(name)) return fail(res, 404, "path not found");
    return send(res, 200, runtimePath(st, name));
  }
  if (m === "GET" && p === "/v3/recordings/list") {
    const items = [];
    for (const n of [...st.confs.keys()].sort()) {
      if (n.startsWith("~") || n === "all_others" || n === "all") continue;
      const rec = await recording(st, n);
      if (rec.segments.length > 0) items.push(rec);
    }
    const page = paginate(res, url.searchParams, items);
    return page ? send(res, 200, page) : undefined;
  }
  if (m === "GET" && (name = route("/v3/recordings/get/")) !== null) {
    if (!st.confs.has(name)) return fail(res, 400, "path not found");
    return send(res, 200, await recording(st, name));
  }
  if (m === "DELETE" && p === "/v3/recordings/deletesegment") {
    const path = url.searchParams.get("path") ?? "";
    const start = url.searchParams.get("start") ?? "";
    if (!st.confs.has(path)) return fail(res, 400, "path not found");
    const c = st.merged(path);
    const segs = await listSegments({
      recordPath: String(c.recordPath),
      format: c.recordFormat,
      root: st.env.recordRoot,
      name: path,
    });
    const seg = segs.find((s) => s.start === start);
    if (!seg) return fail(res, 400, "segment not found");
    await unlink(seg.file);
    return ok(res);
  }
  return notFoundPage(res);
}

function runtimePath(st: SimState, name: string): Record<string, unknown> {
  const s = st.media.get(name)!.state();
  return {
    name,
    confName: name,
    source: s.source,
    ready: s.available,
    readyTime: s.availableTime,
    available: s.available,
    availableTime: s.availableTime,
    online: s.available,
    onlineTime: s.availableTime,
    tracks: s.tracks2.map((t) => t.codec),
    tracks2: s.tracks2,
    bytesReceived: s.inboundBytes,
    bytesSent: 0,
    inboundBytes: s.inboundBytes,
    outboundBytes: 0,
    inboundFramesInError: 0,
    readers: [],
  };
}

async function recording(st: SimState, name: string) {
  const c = st.merged(name);
  const segs = await listSegments({
    recordPath: String(c.recordPath),
    format: c.recordFormat,
    root: st.env.recordRoot,
    name,
  });
  return { name, segments: segs.map((s) => ({ start: s.start })) };
}

/**
 * An API-only simulator (media: false, so no process ever starts) whose recordRoot is a fresh
 * temp dir; close() removes that dir too.
 */
export async function startApiOnlySim(): Promise<MediaMtxSim & { recordRoot: string }> {
  const recordRoot = await mkdtemp(join(tmpdir(), "mtx-sim-"));
  const sim = await startMediaMtxSim({ rtspPort: 1, publishPort: 2, recordRoot, media: false });
  return {
    ...sim,
    recordRoot,
    close: async () => {
      await sim.close();
      await rm(recordRoot, { recursive: true, force: true });
    },
  };
}

/** The real media plane of the e2e tests: rtsp-server-perl with a simulator in front of it. */
export interface MediaPlane {
  rtsp: RtspServer;
  sim: MediaMtxSim;
  /** Closes the simulator, then the RTSP server. */
  close(): Promise<void>;
}

/** rtsp-server-perl plus a simulator on it (recording under `recordRoot`, runOnInit restart 1 s). */
export async function startMediaPlane(recordRoot: string): Promise<MediaPlane> {
  const rtsp = await startRtspServer();
  let sim: MediaMtxSim;
  try {
    sim = await startMediaMtxSim({
      rtspPort: rtsp.readPort,
      publishPort: rtsp.publishPort,
      recordRoot,
      restartDelayMs: 1000,
    });
  } catch (e) {
    await rtsp.close();
    throw e;
  }
  return {
    rtsp,
    sim,
    close: async () => {
      await sim.close();
      await rtsp.close();
    },
  };
}
