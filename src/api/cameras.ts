/** get_camera_list, get_camera_status, get_camera_capabilities. */
import type { CameraRecord, CameraView } from "../cameras/model.ts";
import type { Config } from "../config/types.ts";
import type { PathState } from "../mediamtx/types.ts";
import { dependencyFailed, notFound, RpcError } from "../rpc/errors.ts";
import { RawJson } from "../rpc/raw_json.ts";
import { deviceId, object } from "../rpc/schema.ts";
import { method, type MethodDef } from "./types.ts";

/** MediaMTX runtime paths (MediaMtxClient satisfies it). */
export interface PathReader {
  getPath(name: string): Promise<PathState | null>;
  listPaths(): Promise<PathState[]>;
}

/** MediaMTX availability gate (MediaMtxMonitor satisfies it): throws -32050 when down. */
export interface MediaMtxGate {
  require(): void;
}

/** What the camera methods read (CameraRegistry satisfies it). */
export interface CameraSource {
  list(): CameraView[];
  /** Changes whenever {@link list}'s content may have changed. */
  readonly generation: number;
  get(id: string): CameraView | undefined;
  record(id: string): CameraRecord | undefined;
}

export interface CameraApiDeps {
  registry: CameraSource;
  mediamtx: PathReader;
  monitor: MediaMtxGate;
  config: Config;
}

/** The registry record of `id`, or -32010. */
export function requireCamera(registry: CameraSource, id: string): CameraRecord {
  const rec = registry.record(id);
  if (!rec) throw notFound("camera", id);
  return rec;
}

/** The runtime path `id` from MediaMTX; -32050 when MediaMTX is down or the call fails. */
export async function livePath(
  deps: { mediamtx: PathReader; monitor: MediaMtxGate },
  id: string,
): Promise<PathState | null> {
  deps.monitor.require();
  try {
    return await deps.mediamtx.getPath(id);
  } catch (err) {
    if (err instanceof RpcError) throw err;
    throw dependencyFailed("mediamtx", (err as Error).message);
  }
}

/** Whole seconds since an RFC 3339 time, or null. */
export function secondsSince(time: string | null): number | null {
  const t = time ? Date.parse(time) : NaN;
  return Number.isFinite(t) ? Math.max(0, Math.floor((Date.now() - t) / 1000)) : null;
}

const deviceParams = object({ device: deviceId() });

/** The camera method group. */
export function cameraMethods(deps: CameraApiDeps): MethodDef[] {
  let listCache: { generation: number; result: RawJson } | null = null;
  return [
    method("get_camera_list", object({}), () => {
      // Clients poll this; the answer changes only with the registry: serialized once per change.
      const generation = deps.registry.generation;
      if (listCache?.generation !== generation) {
        const cameras = deps.registry.list();
        const result = {
          cameras,
          total: cameras.length,
          connected: cameras.filter((c) => c.status === "CONNECTED").length,
        };
        listCache = { generation, result: new RawJson(JSON.stringify(result)) };
      }
      return listCache.result;
    }),

    method("get_camera_status", deviceParams, async ({ device }) => {
      requireCamera(deps.registry, device);
      const view = deps.registry.get(device)!;
      let path: PathState | null;
      try {
        path = await livePath(deps, device);
      } catch {
        // Status is known without MediaMTX; live metrics are left out while it is down.
        return view;
      }
      return {
        ...view,
        metrics: {
          available: path?.available ?? false,
          bytes_received: path?.inboundBytes ?? 0,
          bytes_sent: path?.outboundBytes ?? 0,
          readers: path?.readers.length ?? 0,
          uptime: path?.available ? secondsSince(path.availableTime) : null,
        },
      };
    }),

    method("get_camera_capabilities", deviceParams, ({ device }) => {
      const rec = requireCamera(deps.registry, device);
      const caps = rec.capabilities;
      const out: Record<string, unknown> = { device };
      if (caps) Object.assign(out, caps);
      out.validation_status = !caps
        ? "NONE"
        : rec.status === "CONNECTED"
        ? "CONFIRMED"
        : rec.status === "DISCONNECTED"
        ? "DISCONNECTED"
        : "NONE";
      return out;
    }),
  ];
}
