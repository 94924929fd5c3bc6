/**
 * discover_external_streams, add_external_stream, remove_external_stream,
 * get_external_streams, set_discovery_interval.
 */
import type { ExternalStreams } from "../cameras/external.ts";
import { redactUrl } from "../cameras/model.ts";
import { invalidParams, notFound } from "../rpc/errors.ts";
import {
  boolean,
  integer,
  nullable,
  object,
  optional,
  type Schema,
  string,
} from "../rpc/schema.ts";
import { method, type MethodDef } from "./types.ts";

export interface ExternalApiDeps {
  external: Pick<
    ExternalStreams,
    "discover" | "add" | "remove" | "list" | "setScanInterval" | "scanInterval"
  >;
}

/** An optional boolean where null also means "the default" (contract: nullable). */
const flag = (fallback: boolean): Schema<boolean> => {
  const inner = optional(nullable(boolean()));
  return { ...inner, parse: (v, p) => inner.parse(v, p) ?? fallback };
};

/** rtsp:// or rtsps:// URL with a host. */
const rtspUrl = (): Schema<string> => {
  const s = string({ min: 1, max: 2048 });
  return {
    ...s,
    parse: (v, p) => {
      const url = s.parse(v, p);
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw invalidParams(p, "format", `${p} must be a URL like rtsp://host:554/path`);
      }
      if ((u.protocol !== "rtsp:" && u.protocol !== "rtsps:") || !u.hostname) {
        throw invalidParams(p, "format", `${p} must be an rtsp:// or rtsps:// URL with a host`);
      }
      return url;
    },
  };
};

const streamType = string({
  min: 1,
  max: 64,
  pattern: /^[a-z0-9_]+$/,
  patternHint: "stream_type must be lower-case letters, digits and _ (e.g. generic_rtsp, skydio)",
});

/** The external stream method group. */
export function externalMethods(deps: ExternalApiDeps): MethodDef[] {
  const x = deps.external;
  return [
    method(
      "discover_external_streams",
      object({
        skydio_enabled: flag(true),
        generic_enabled: flag(false),
        force_rescan: flag(false),
        include_offline: flag(false),
      }),
      (p) => x.discover(p),
    ),

    method(
      "add_external_stream",
      object({
        stream_url: rtspUrl(),
        stream_name: string({ min: 1, max: 128 }),
        stream_type: optional(nullable(streamType)),
      }),
      (p) => {
        const v = x.add(p.stream_url, p.stream_name, p.stream_type ?? "generic_rtsp");
        return {
          stream_url: v.url,
          stream_name: v.name,
          stream_type: v.type,
          status: "ADDED",
          timestamp: new Date().toISOString(),
        };
      },
    ),

    method("remove_external_stream", object({ stream_url: string({ min: 1, max: 2048 }) }), (p) => {
      if (!x.remove(p.stream_url)) throw notFound("external_stream", redactUrl(p.stream_url));
      return {
        stream_url: redactUrl(p.stream_url),
        status: "REMOVED",
        timestamp: new Date().toISOString(),
      };
    }),

    method("get_external_streams", object({}), () => {
      const all = x.list();
      return {
        external_streams: all,
        skydio_streams: all.filter((s) => s.type === "skydio"),
        generic_streams: all.filter((s) => s.type !== "skydio"),
        total_count: all.length,
        timestamp: new Date().toISOString(),
      };
    }),

    method(
      "set_discovery_interval",
      object({ scan_interval: integer({ min: 0, max: 86400 }) }),
      ({ scan_interval }) => {
        x.setScanInterval(scan_interval);
        return {
          scan_interval: x.scanInterval,
          status: "UPDATED",
          message: scan_interval === 0
            ? "automatic external stream discovery off (on demand only)"
            : `external streams are scanned every ${scan_interval}s`,
          timestamp: new Date().toISOString(),
        };
      },
    ),
  ];
}
