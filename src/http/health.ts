/**
 * Health probes and metrics (the health port): `/health/live`, `/health/ready`,
 * `/health/system`, `/health/cameras`, `/health/mediamtx`, `/metrics`.
 * Bodies are JSON with `status` healthy | degraded | unhealthy and the failing components named.
 */
import os from "node:os";
import { Hono } from "hono";
import type { Identity } from "../api/types.ts";
import { buildInfo } from "../buildinfo.ts";
import { RpcError } from "../rpc/errors.ts";
import { ipMatches } from "../server/proxy.ts";
import { requestAddress } from "./remote.ts";

export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/** One component's report. */
export interface ComponentHealth {
  status: HealthStatus;
  [detail: string]: unknown;
}

export interface HealthDeps {
  startedAt: Date;
  /** Named checks that decide readiness; unhealthy → 503 on /health/ready. */
  readiness(): Promise<Record<string, ComponentHealth & { ready?: boolean }>>;
  cameras(): Promise<ComponentHealth>;
  mediamtx(): Promise<ComponentHealth>;
  system(): Promise<ComponentHealth>;
  metrics(): string;
  metricsAccess: "open" | "loopback" | "token";
  /** Identity from Authorization/X-API-Key headers (for /metrics when not open). */
  authorize(headers: Headers, remote: string): Promise<Identity | null>;
  /** Proxies whose X-Forwarded-For is trusted. */
  trustedProxies: readonly string[];
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worst of several statuses. */
export function worst(states: HealthStatus[]): HealthStatus {
  return states.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), "healthy");
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

/** Builds the Hono app of the health port. */
export function healthApp(deps: HealthDeps): Hono {
  const app = new Hono();
  const code = (s: HealthStatus) => (s === "unhealthy" ? 503 : 200);

  app.get("/health/live", (c) =>
    c.json({
      status: "healthy",
      uptime_seconds: (Date.now() - deps.startedAt.getTime()) / 1000,
      version: buildInfo().version,
    }));

  app.get("/health/ready", async (c) => {
    const checks = await deps.readiness();
    const notReady = Object.entries(checks).filter(([, v]) =>
      v.ready === false || v.status === "unhealthy"
    )
      .map(([k]) => k);
    const degraded = Object.entries(checks).filter(([, v]) => v.status === "degraded").map(([k]) =>
      k
    );
    const status: HealthStatus = notReady.length
      ? "unhealthy"
      : degraded.length
      ? "degraded"
      : "healthy";
    return c.json(
      { status, ready: notReady.length === 0, failing: notReady, degraded, checks },
      notReady.length ? 503 : 200,
    );
  });

  for (const name of ["cameras", "mediamtx", "system"] as const) {
    app.get(`/health/${name}`, async (c) => {
      const body = await deps[name]();
      return c.json(body, code(body.status));
    });
  }

  app.get("/health", async (c) => {
    const [cameras, mediamtx, system] = await Promise.all([
      deps.cameras(),
      deps.mediamtx(),
      deps.system(),
    ]);
    const parts = { cameras, mediamtx, system };
    const status = worst(Object.values(parts).map((p) => p.status));
    const failing = Object.entries(parts).filter(([, v]) => v.status !== "healthy").map(([k]) => k);
    return c.json({ status, failing, components: parts }, code(status));
  });

  app.get("/metrics", async (c) => {
    const remote = requestAddress(c.env, deps.trustedProxies);
    const open = deps.metricsAccess === "open" ||
      (deps.metricsAccess === "loopback" && ipMatches(remote, LOOPBACK));
    if (!open) {
      // A bad credential throws (RpcError -32001, or -32040 when locked out): a 401 or 429
      // like no credential, never a 500.
      let id: Identity | null = null;
      try {
        id = await deps.authorize(c.req.raw.headers, remote);
      } catch (e) {
        if (!(e instanceof RpcError)) throw e;
        if (e.code === -32040) {
          const s = Math.max(1, Math.ceil(Number(e.data?.retry_after_ms ?? 1000) / 1000));
          c.header("Retry-After", String(s));
          return c.json({ error: "too many failed authentications" }, 429);
        }
      }
      if (!id) {
        return c.json({
          error: "authentication required",
          hint: "send Authorization: Bearer <token or API key>",
        }, 401);
      }
    }
    return c.body(deps.metrics(), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

  app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
  return app;
}

/** Process and host facts for /health/system (measured now). */
export function systemFacts(): Record<string, unknown> {
  const mem = process.memoryUsage();
  return {
    hostname: os.hostname(),
    platform: `${os.platform()}/${os.arch()}`,
    cpus: os.cpus().length,
    load_average: os.loadavg(),
    memory: { total_bytes: os.totalmem(), free_bytes: os.freemem(), process_rss_bytes: mem.rss },
    uptime_seconds: process.uptime(),
    runtime: buildInfo().runtime,
  };
}
