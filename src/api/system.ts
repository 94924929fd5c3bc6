/** ping, authenticate, server info and status, event subscriptions. */
import os from "node:os";
import { PERMISSIONS } from "../auth/roles.ts";
import { buildInfo } from "../buildinfo.ts";
import type { RequestAuthenticator } from "../rpc/engine.ts";
import { invalidParams } from "../rpc/errors.ts";
import type { NotificationHub } from "../rpc/hub.ts";
import {
  array,
  boolean,
  nullable,
  number,
  object,
  optional,
  record,
  string,
  union,
} from "../rpc/schema.ts";
import type { Session } from "../rpc/session.ts";
import { TOPICS } from "../rpc/subscription.ts";
import { method, type MethodDef } from "./types.ts";

export type ComponentState = "healthy" | "degraded" | "unhealthy";

export interface SystemDeps {
  auth: RequestAuthenticator;
  hub: NotificationHub;
  startedAt: Date;
  /** Cameras this box can hold (V4L2 range + configured IP cameras). */
  maxCameras: number;
  /** Recording formats and snapshot formats offered. */
  supportedFormats: string[];
  capabilities: string[];
  /** Current state of each component (for get_status). */
  components(): Promise<Record<"websocket_server" | "camera_monitor" | "mediamtx", ComponentState>>;
  /** Body of get_metrics (measured). */
  metrics(): Promise<Record<string, unknown>>;
  /** The served certificate's expiry (null when TLS is off), for get_status. */
  tls?(): { subject: string; not_after: string; days_left: number; warning: string | null } | null;
}

const toUpper = (s: ComponentState) => s.toUpperCase() as "HEALTHY" | "DEGRADED" | "UNHEALTHY";

function overall(states: ComponentState[]): ComponentState {
  if (states.includes("unhealthy")) return "unhealthy";
  if (states.includes("degraded")) return "degraded";
  return "healthy";
}

const topicSchema = string({
  enum: Object.keys(TOPICS),
});
const filterValue = union<string | number | boolean>(
  "filter values must be strings, numbers or booleans",
  string({ max: 256 }),
  number(),
  boolean(),
);

/** The system method group. */
export function systemMethods(deps: SystemDeps): MethodDef[] {
  const status = async () => {
    const components = await deps.components();
    const state = overall(Object.values(components));
    const result: Record<string, unknown> = {
      status: toUpper(state),
      uptime: (Date.now() - deps.startedAt.getTime()) / 1000,
      version: buildInfo().version,
      components: Object.fromEntries(
        Object.entries(components).map(([k, v]) => [k, toUpper(v)]),
      ),
    };
    const tls = deps.tls?.();
    if (tls) result.tls = tls;
    return result;
  };

  return [
    method("ping", object({}), () => "pong"),

    method(
      "authenticate",
      object({ auth_token: string({ min: 1, max: 16384 }) }),
      async (p, ctx) => {
        const identity = await deps.auth.authenticate(p.auth_token, ctx.session.remote_address);
        const session = ctx.session as Session;
        session.identity = identity;
        ctx.log.info("authenticated", {
          user: identity.user_id,
          role: identity.role,
          via: identity.method,
          client_cert: session.client_cert_subject ?? undefined,
        });
        const result: Record<string, unknown> = {
          authenticated: true,
          role: identity.role,
          permissions: PERMISSIONS[identity.role],
          session_id: session.id,
        };
        if (identity.expires_at !== null) {
          result.expires_at = new Date(identity.expires_at * 1000).toISOString();
        }
        return result;
      },
    ),

    method("get_server_info", object({}), () => {
      const b = buildInfo();
      return {
        name: "camera-service",
        version: b.version,
        build_date: b.date,
        architecture: `${os.platform()}/${os.arch()}`,
        capabilities: deps.capabilities,
        supported_formats: deps.supportedFormats,
        max_cameras: deps.maxCameras,
      };
    }),

    method("get_status", object({}), status),
    method("get_system_status", object({}), status),
    method("get_metrics", object({}), () => deps.metrics()),

    method(
      "subscribe_events",
      object({
        topics: array(topicSchema, { max: 32 }),
        filters: optional(nullable(record(filterValue, { max: 16 }))),
      }),
      (p, ctx) => {
        const session = ctx.session as Session;
        if (p.topics.length === 0) {
          throw invalidParams("topics", "minItems", "give at least one topic");
        }
        session.subscription.subscribe(p.topics, p.filters ?? undefined);
        return {
          subscribed: true,
          topics: session.subscription.topics,
          filters: session.subscription.filters,
        };
      },
    ),

    method(
      "unsubscribe_events",
      object({ topics: optional(nullable(array(topicSchema, { max: 32 }))) }),
      (p, ctx) => {
        const session = ctx.session as Session;
        const removed = session.subscription.unsubscribe(p.topics ?? undefined);
        return { unsubscribed: true, topics: removed };
      },
    ),

    method("get_subscription_stats", object({}), (_p, ctx) => {
      const session = ctx.session as Session;
      return {
        global_stats: deps.hub.stats(),
        client_topics: session.subscription.topics,
        client_id: session.id,
      };
    }),
  ];
}
