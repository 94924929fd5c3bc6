/** Starts the real service in-process on free ports with a temp data dir, for end-to-end tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/auth/jwt.ts";
import type { Role } from "../../src/auth/roles.ts";
import { defaultConfig } from "../../src/config/defaults.ts";
import type { Config } from "../../src/config/types.ts";
import { type LogFields, Logger } from "../../src/observability/log.ts";
import { createService, type Service, type ServiceAddresses } from "../../src/service.ts";
import { makeTestPki, type TestPki } from "./certs.ts";
import type { PublishOptions } from "../../src/cameras/publish.ts";
import { type ClientOptions, RpcClient } from "./rpc_client.ts";
import { readFile } from "node:fs/promises";

export const TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

export interface TestService {
  service: Service;
  config: Config;
  addr: ServiceAddresses;
  pki: TestPki;
  /** The test CA certificate (PEM text of pki.caFile): what clients trust. */
  ca: string;
  /** The WSS URL on 127.0.0.1 (the server certificate names that address). */
  wsUrl: string;
  /** An RpcClient on wsUrl trusting `ca`; `opts` adds client certificates or overrides. */
  connect(opts?: ClientOptions): Promise<RpcClient>;
  dir: string;
  logs: LogFields[];
  /** A JWT for `role`; `issuedAtMs` in the past makes expired tokens. */
  token(role: Role, ttlSeconds?: number, issuedAtMs?: number): Promise<string>;
  healthUrl(path: string): string;
  stop(): Promise<void>;
}

/** Config tweaks go through `configure`; TLS uses a fresh test PKI (server cert for localhost). */
export async function startTestService(
  configure: (c: Config, pki: TestPki, dir: string) => void = () => {},
  opts: { publish?: PublishOptions } = {},
): Promise<TestService> {
  const dir = await mkdtemp(join(tmpdir(), "camsvc-"));
  const pki = await makeTestPki({ dir: join(dir, "pki") });
  const config = defaultConfig();
  config.data_dir = join(dir, "data");
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.public_host = "box.example";
  config.health.host = "127.0.0.1";
  config.health.port = 0;
  config.security.jwt_secret_key = TEST_SECRET;
  config.security.ssl = pki.ssl();
  config.camera.device_dir = join(dir, "dev");
  config.camera.sysfs_dir = join(dir, "sys");
  config.camera.v4l2ctl_path = join(dir, "no-v4l2-ctl");
  config.recording.directory = join(dir, "recordings");
  config.snapshots.directory = join(dir, "snapshots");
  config.mediamtx.api_port = 1; // nothing listens: MediaMTX down unless a test sets a simulator
  config.mediamtx.health_check_interval = 0.2;
  config.mediamtx.backoff_max = 0.5;
  config.logging.level = "debug";
  await Deno.mkdir(config.camera.device_dir, { recursive: true });
  configure(config, pki, dir);
  const logs: LogFields[] = [];
  const log = new Logger({
    level: "debug",
    format: "json",
    sink: (line) => {
      logs.push(JSON.parse(line));
      if (Deno.env.get("TEST_LOG")) console.log(line);
    },
  });
  const service = createService({ config, log, publish: opts.publish });
  const addr = await service.start();
  await service.whenReady();
  const ca = await readFile(pki.caFile, "utf8");
  const wsUrl = addr.ws_url.replace("localhost", "127.0.0.1");
  return {
    service,
    config,
    addr,
    pki,
    ca,
    wsUrl,
    connect: (opts = {}) => RpcClient.connect(wsUrl, { ca, ...opts }),
    dir,
    logs,
    token: (role, ttlSeconds = 3600, issuedAtMs?: number) =>
      signToken({
        secret: TEST_SECRET,
        user_id: `test-${role}`,
        role,
        ttlSeconds,
        now: issuedAtMs,
      }),
    healthUrl: (path) => `https://127.0.0.1:${addr.health_port}${path}`,
    stop: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** GET over HTTPS trusting the test CA; returns status, headers and text. */
export async function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<
  { status: number; headers: Record<string, string | string[] | undefined>; body: string }
> {
  const https = await import("node:https");
  return await new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, agent: false }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: new TextDecoder().decode(Buffer.concat(chunks)),
        }));
    });
    req.on("error", reject);
  });
}
