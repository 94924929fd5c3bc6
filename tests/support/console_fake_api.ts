/**
 * A scripted JSON-RPC peer for the console's UI tests: the page's WebSocket is routed to it by
 * playwright (`page.routeWebSocket`), and `/files/...` downloads answer a real PNG. It keeps
 * cameras, files and recordings in memory, answers with the contract's shapes and error codes,
 * records every call, and pushes notifications when asked.
 */
import type { Page, WebSocketRoute } from "playwright-core";

/** A 32×24 PNG (four colour blocks, generated with zlib). */
export const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAACAAAAAYCAIAAAAUMWhjAAAAR0lEQVR42u3PQQ0AQAgDQZSgBCVVgsSKODGHBPol/exzkwk22G/fbKTSkO4U79OwwAILTggKrLdvFlJpSHeK96kFFlhwQfAB4jU4PTgnx5oAAAAASUVORK5CYII=",
  ),
  (c) => c.charCodeAt(0),
);

type Json = Record<string, unknown>;

/** A camera as get_camera_list returns it. */
export function camera(n: number, status = "CONNECTED"): Json {
  return {
    device: `camera${n}`,
    status,
    name: `USB Camera ${n}`,
    resolution: "1280x720",
    fps: 30,
    streams: {
      rtsp: `rtsp://box.example:8554/camera${n}`,
      hls: `http://box.example:8888/camera${n}/index.m3u8`,
      webrtc: `http://box.example:8889/camera${n}`,
    },
  };
}

/** `count` files named like the service's, newest first. */
export function files(kind: "recordings" | "snapshots", count: number): Json[] {
  const now = Date.parse("2026-11-29T12:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(now - i * 60_000).toISOString();
    const filename = kind === "recordings"
      ? `camera0_${t.replace(/[-:]/g, "").slice(0, 15)}.mp4`
      : `camera0_${t.replace(/[-:]/g, "").slice(0, 15)}.jpg`;
    return {
      filename,
      file_size: 1000 * (i + 1),
      modified_time: t,
      // As the service signs them when server.port is set: absolute, its public address.
      download_url:
        `https://box.example:8002/files/${kind}/${filename}?expires=9999999999&sig=test`,
    };
  });
}

/** The fake peer's state and controls. */
export class FakeApi {
  cameras: Json[] = [];
  recordings: Json[] = [];
  snapshots: Json[] = [];
  calls: { method: string; params: Json }[] = [];
  recording = new Map<string, { filename: string; start: number }>();
  status: Json = {
    status: "DEGRADED",
    uptime: 3725,
    version: "1.2.3",
    components: { websocket_server: "HEALTHY", camera_monitor: "HEALTHY", mediamtx: "UNHEALTHY" },
  };
  storage: Json = {
    total_space: 100 * 2 ** 30,
    used_space: 85 * 2 ** 30,
    available_space: 15 * 2 ** 30,
    usage_percentage: 85,
    recordings_size: 40 * 2 ** 30,
    snapshots_size: 2 ** 20,
    recordings_count: 12,
    snapshots_count: 3,
    low_space_warning: true,
    storage_blocked: false,
    warn_percent: 80,
    block_percent: 95,
  };
  /** When set, every call but authenticate answers -32001 with this reason. */
  expired: string | null = null;
  #ws: WebSocketRoute | null = null;

  /** Route the page's WebSocket and downloads to this fake. */
  async attach(page: Page): Promise<void> {
    await page.routeWebSocket(/\/ws$/, (ws) => {
      this.#ws = ws;
      ws.onMessage((text) => {
        const req = JSON.parse(String(text));
        ws.send(JSON.stringify(this.#answer(req)));
      });
    });
    await page.route(
      /\/files\/(recordings|snapshots)\//,
      (route) => route.fulfill({ status: 200, contentType: "image/png", body: Buffer.from(PNG) }),
    );
  }

  /** Push a notification to the page. */
  notify(method: string, params: Json): void {
    if (!this.#ws) throw new Error("no socket yet");
    this.#ws.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  #answer(req: { id: number; method: string; params?: Json }): Json {
    const params = req.params ?? {};
    this.calls.push({ method: req.method, params });
    try {
      return { jsonrpc: "2.0", id: req.id, result: this.#call(req.method, params) };
    } catch (e) {
      return { jsonrpc: "2.0", id: req.id, error: e as Json };
    }
  }

  /** Drop the connection (as a service restart would). */
  async drop(): Promise<void> {
    await this.#ws?.close({ code: 1001, reason: "going away" });
  }

  #call(method: string, p: Json): unknown {
    if (this.expired && method !== "authenticate") {
      throw { code: -32001, message: "Auth Failed", data: { reason: this.expired } };
    }
    const ROLES: Record<string, string> = {
      "viewer-token": "viewer",
      "operator-token": "operator",
      "admin-token": "admin",
    };
    const PERMS: Record<string, string[]> = {
      viewer: ["view"],
      operator: ["view", "control"],
      admin: ["view", "control", "admin"],
    };
    switch (method) {
      case "authenticate": {
        const role = ROLES[String(p.auth_token)];
        if (!role) {
          throw { code: -32001, message: "Auth Failed", data: { reason: "invalid token" } };
        }
        return {
          authenticated: true,
          role,
          permissions: PERMS[role],
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          session_id: "s1",
        };
      }
      case "get_camera_list":
        return {
          cameras: this.cameras,
          total: this.cameras.length,
          connected: this.cameras.filter((c) => c.status === "CONNECTED").length,
        };
      case "take_snapshot": {
        const [f] = files("snapshots", 1);
        this.snapshots.unshift(f);
        return {
          device: p.device,
          filename: f.filename,
          status: "SUCCESS",
          timestamp: f.modified_time,
          file_size: 1234,
        };
      }
      case "get_snapshot_info": {
        const f = this.snapshots.find((s) => s.filename === p.filename);
        if (!f) throw { code: -32010, message: "Not Found", data: { resource: "snapshot" } };
        return { ...f, created_time: f.modified_time };
      }
      case "start_recording": {
        const device = String(p.device);
        if (this.recording.has(device)) {
          throw {
            code: -32020,
            message: "Invalid State",
            data: { state: "RECORDING", allowed_states: ["STOPPED"] },
          };
        }
        const filename = `${device}_rec.mp4`;
        this.recording.set(device, { filename, start: Date.now() });
        setTimeout(() =>
          this.notify("recording_status_update", {
            device,
            status: "STARTED",
            filename,
            duration: 0,
          }), 50);
        return {
          device,
          filename,
          status: "RECORDING",
          start_time: new Date().toISOString(),
          format: "fmp4",
        };
      }
      case "stop_recording": {
        const device = String(p.device);
        const r = this.recording.get(device);
        if (!r) throw { code: -32020, message: "Invalid State", data: { state: "STOPPED" } };
        this.recording.delete(device);
        const duration = Math.round((Date.now() - r.start) / 1000);
        return {
          device,
          filename: r.filename,
          status: "STOPPED",
          end_time: new Date().toISOString(),
          duration,
          file_size: 4096,
        };
      }
      case "list_recordings":
      case "list_snapshots": {
        const all = method === "list_recordings" ? this.recordings : this.snapshots;
        const limit = Number(p.limit ?? 50);
        const offset = Number(p.offset ?? 0);
        return { files: all.slice(offset, offset + limit), total: all.length, limit, offset };
      }
      case "delete_recording":
      case "delete_snapshot": {
        const key = method === "delete_recording" ? "recordings" : "snapshots";
        const before = this[key].length;
        this[key] = this[key].filter((f) => f.filename !== p.filename);
        if (this[key].length === before) {
          throw { code: -32010, message: "Not Found", data: { resource: "file", id: p.filename } };
        }
        return { filename: p.filename, deleted: true };
      }
      case "get_server_info":
        return {
          name: "camera-service",
          version: "1.2.3",
          build_date: "2026-11-29",
          architecture: "linux/arm64",
          capabilities: ["snapshots", "recordings"],
          supported_formats: ["fmp4", "jpg"],
          max_cameras: 10,
        };
      case "get_status":
      case "get_system_status":
        return { ...this.status };
      case "get_storage_info":
        return { ...this.storage };
      case "set_retention_policy":
        return { ...p, message: `saved ${p.policy_type}` };
      default:
        throw { code: -32601, message: "Method Not Found", data: { hint: method } };
    }
  }
}
