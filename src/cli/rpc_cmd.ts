/**
 * `rpc <method> [json-params]`: a small WSS JSON-RPC client for scripts and smoke tests.
 * Prints the result as JSON (exit 0) or the error object (exit 1).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WebSocket } from "ws";
import { type CliCommand, CliUsageError, parseFlags } from "./types.ts";

export const RPC_HELP = `usage: camera-service rpc <method> [json-params] [options]

Calls one JSON-RPC method over WebSocket and prints the result.

options:
  --url URL        service endpoint (default: from the config, wss://localhost:<port><path>)
  --token TOKEN    JWT or API key; authenticate first (or env CAMERA_SERVICE_TOKEN)
  --ca FILE        trust this CA/certificate file (PEM) for the server certificate
  --insecure       do not verify the server certificate (development only)
  --cert FILE      client certificate (PEM, mTLS); --key FILE its key
  --timeout SEC    give up after SEC seconds (default 15)
  --config FILE    config file used to derive the default URL and CA
`;

interface CallOptions {
  url: string;
  method: string;
  params?: unknown;
  token?: string;
  ca?: string;
  insecure: boolean;
  cert?: string;
  key?: string;
  timeoutMs: number;
}

/** Open a socket, optionally authenticate, call one method, close. */
export async function callOnce(o: CallOptions): Promise<{ result?: unknown; error?: unknown }> {
  const ws = new WebSocket(o.url, {
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    rejectUnauthorized: !o.insecure,
    handshakeTimeout: o.timeoutMs,
  });
  const timer = setTimeout(() => ws.terminate(), o.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    let next = 1;
    const call = (method: string, params?: unknown) =>
      new Promise<{ result?: unknown; error?: unknown }>((resolve, reject) => {
        const id = next++;
        const onMessage = (data: unknown) => {
          const msg = JSON.parse(String(data));
          if (msg.id !== id) return;
          ws.off("message", onMessage);
          resolve(msg);
        };
        ws.on("message", onMessage);
        ws.once(
          "close",
          (code, reason) => reject(new Error(`connection closed (${code} ${reason})`)),
        );
        ws.send(JSON.stringify({ jsonrpc: "2.0", method, params, id }));
      });
    if (o.token) {
      const auth = await call("authenticate", { auth_token: o.token });
      if (auth.error) return auth;
    }
    const r = await call(o.method, o.params);
    return r.error ? { error: r.error } : { result: r.result };
  } finally {
    clearTimeout(timer);
    ws.close();
  }
}

export const rpcCommand: CliCommand = async (args, ctx) => {
  const { flags, rest } = parseFlags(args, {
    strings: ["url", "token", "ca", "cert", "key", "timeout", "config"],
    booleans: ["insecure", "help"],
  });
  if (flags.help) {
    ctx.out(RPC_HELP);
    return 0;
  }
  const [method, paramsText] = rest;
  if (!method) throw new CliUsageError("rpc needs a method name, e.g. camera-service rpc ping");
  let params: unknown;
  if (paramsText !== undefined) {
    try {
      params = JSON.parse(paramsText);
    } catch {
      throw new CliUsageError(`params must be JSON, e.g. '{"device":"camera0"}'`);
    }
  }
  let url = flags.url as string | undefined;
  let caFile = flags.ca as string | undefined;
  if (!url || (!caFile && !flags.insecure && url.startsWith("wss:"))) {
    const config = await ctx.config();
    const tls = config.security.ssl.enabled;
    url ??= `${
      tls ? "wss" : "ws"
    }://localhost:${config.server.port}${config.server.websocket_path}`;
    if (!caFile && tls) {
      const { DEV_CERT_FILE } = await import("../tls/devcert.ts");
      caFile = config.security.ssl.cert_file
        ? (config.security.ssl.ca_file || undefined)
        : join(config.data_dir, "tls", DEV_CERT_FILE);
    }
  }
  const read = async (f: string | undefined, what: string) => {
    if (!f) return undefined;
    try {
      return await readFile(f, "utf8");
    } catch (e) {
      throw new CliUsageError(`cannot read ${what} ${f}: ${(e as Error).message}`);
    }
  };
  const timeout = Number(flags.timeout ?? 15);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new CliUsageError("--timeout must be a positive number of seconds");
  }
  const out = await callOnce({
    url,
    method,
    params,
    token: (flags.token as string | undefined) ?? ctx.env.CAMERA_SERVICE_TOKEN,
    ca: await read(caFile, "CA file"),
    cert: await read(flags.cert as string | undefined, "client certificate"),
    key: await read(flags.key as string | undefined, "client key"),
    insecure: flags.insecure === true,
    timeoutMs: timeout * 1000,
  });
  if (out.error) {
    ctx.err(JSON.stringify(out.error));
    return 1;
  }
  ctx.out(JSON.stringify(out.result, null, 2));
  return 0;
};
