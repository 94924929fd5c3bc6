/** `serve`: run the service until SIGTERM/SIGINT; SIGHUP reloads certificates. */
import { createService } from "../service.ts";
import { type CliCommand, parseFlags } from "./types.ts";

export const SERVE_HELP = `usage: camera-service serve [--config FILE]

Runs the service: WSS JSON-RPC on server.port (default 8002, path /ws) and HTTPS health
and metrics on health.port (default 8003). Without --config it uses CAMERA_SERVICE_CONFIG,
else the embedded default config. Logs a JSON line {"msg":"listening",...} with the ports.

signals: SIGTERM/SIGINT stop gracefully (recordings are finalised); SIGHUP reloads the
TLS certificate files.`;

export const serveCommand: CliCommand = async (args, ctx) => {
  const { flags } = parseFlags(args, { strings: ["config"], booleans: ["help"] });
  if (flags.help) {
    ctx.out(SERVE_HELP);
    return 0;
  }
  const config = await ctx.config();
  const service = createService({ config });
  try {
    await service.start();
  } catch (err) {
    await service.stop().catch(() => {});
    throw err;
  }
  return await new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      service.log.info("signal received, shutting down", { signal });
      const force = setTimeout(() => {
        service.log.error("graceful shutdown timed out; exiting", {
          timeout_seconds: config.server.shutdown_timeout,
        });
        resolve(1);
      }, config.server.shutdown_timeout * 1000);
      service.stop().then(() => {
        clearTimeout(force);
        resolve(0);
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      service.log.info("SIGHUP: reloading certificates");
      service.reload().catch((e) => service.log.error("reload failed", { error: String(e) }));
    });
  });
};
