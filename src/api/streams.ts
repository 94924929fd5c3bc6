/** get_streams, get_stream_url, get_stream_status, start_streaming, stop_streaming. */
import type { StreamKeepalive } from "../cameras/keepalive.ts";
import { streamUrls } from "../cameras/streams.ts";
import { dependencyFailed, invalidState, RpcError } from "../rpc/errors.ts";
import { deviceId, object } from "../rpc/schema.ts";
import { type CameraApiDeps, livePath, requireCamera, secondsSince } from "./cameras.ts";
import { method, type MethodDef } from "./types.ts";

export interface StreamApiDeps extends CameraApiDeps {
  /** The start/stop_streaming sessions. */
  keepalive: Pick<StreamKeepalive, "start" | "stop" | "get">;
}

const deviceParams = object({ device: deviceId() });

/** The stream method group. */
export function streamMethods(deps: StreamApiDeps): MethodDef[] {
  const rtspUrl = (id: string) => streamUrls(id, deps.config).rtsp;

  return [
    method("get_streams", object({}), async () => {
      deps.monitor.require();
      let paths;
      try {
        paths = await deps.mediamtx.listPaths();
      } catch (err) {
        if (err instanceof RpcError) throw err;
        throw dependencyFailed("mediamtx", (err as Error).message);
      }
      return paths.map((p) => ({
        name: p.name,
        ...(p.source ? { source: p.source.type } : {}),
        ready: p.available,
        readers: p.readers.length,
        bytes_sent: p.outboundBytes,
      }));
    }),

    method("get_stream_url", deviceParams, async ({ device }) => {
      const rec = requireCamera(deps.registry, device);
      const path = await livePath(deps, device);
      const available = path?.available ?? false;
      return {
        device,
        stream_name: device,
        stream_url: rtspUrl(device),
        available,
        active_consumers: path?.readers.length ?? 0,
        stream_status: rec.status === "ERROR" ? "ERROR" : available ? "READY" : "NOT_READY",
      };
    }),

    method("get_stream_status", deviceParams, async ({ device }) => {
      const rec = requireCamera(deps.registry, device);
      const path = await livePath(deps, device);
      const available = path?.available ?? false;
      const starting = !available && deps.keepalive.get(device) !== undefined;
      const out: Record<string, unknown> = {
        device,
        stream_name: device,
        status: rec.status === "ERROR"
          ? "ERROR"
          : available
          ? "ACTIVE"
          : starting
          ? "STARTING"
          : "INACTIVE",
        ready: available,
        mediamtx_path: {
          exists: path !== null,
          ready: available,
          readers: path?.readers.length ?? 0,
        },
        metrics: { bytes_sent: path?.outboundBytes ?? 0 },
      };
      // Average incoming bit rate since the stream became available (measured, bits/s).
      const up = available ? secondsSince(path!.availableTime) : null;
      if (up !== null && up > 0) {
        (out.metrics as Record<string, number>).bitrate = Math.round(path!.inboundBytes * 8 / up);
      }
      if (available && path?.availableTime) out.start_time = path.availableTime;
      return out;
    }),

    method("start_streaming", deviceParams, async ({ device }) => {
      const rec = requireCamera(deps.registry, device);
      if (rec.status !== "CONNECTED") throw invalidState(rec.status, ["CONNECTED"]);
      deps.monitor.require();
      let session;
      try {
        ({ session } = await deps.keepalive.start(device));
      } catch (err) {
        throw dependencyFailed(
          "ffmpeg",
          `cannot start the stream reader: ${(err as Error).message}`,
        );
      }
      const remaining = Math.max(0, Math.round((session.expiresAt.getTime() - Date.now()) / 1000));
      return {
        device,
        stream_name: device,
        stream_url: rtspUrl(device),
        status: "STARTED",
        start_time: session.startedAt.toISOString(),
        auto_close_after: `${remaining}s`,
      };
    }),

    method("stop_streaming", deviceParams, async ({ device }) => {
      requireCamera(deps.registry, device);
      if (!deps.keepalive.get(device)) throw invalidState("not_streaming", ["streaming"]);
      // Readers other than ours, measured before our reader leaves (best effort).
      let others: number | null = null;
      try {
        const path = await livePath(deps, device);
        if (path) others = Math.max(0, path.readers.length - 1);
      } catch { /* MediaMTX down: stream_continues unknown, left out */ }
      const s = await deps.keepalive.stop(device);
      if (!s) throw invalidState("not_streaming", ["streaming"]);
      const end = new Date();
      const out: Record<string, unknown> = {
        device,
        stream_name: device,
        status: "STOPPED",
        start_time: s.startedAt.toISOString(),
        end_time: end.toISOString(),
        duration: Math.round((end.getTime() - s.startedAt.getTime()) / 1000),
      };
      if (others !== null) out.stream_continues = others > 0;
      return out;
    }),
  ];
}
