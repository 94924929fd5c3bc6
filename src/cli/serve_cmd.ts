/** `serve`: run the service until SIGTERM/SIGINT; SIGHUP reloads certificates. */
import { createService } from "../service.ts";
import { useSpawnHelper } from "../util/spawn.ts";
import { spawnHelperForServe } from "../util/spawn_helper.ts";
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
  const helper = spawnHelperForServe(service.log);
  useSpawnHelper(helper);
  const closeHelper = async () => {
    useSpawnHelper(null);
    await helper?.close();
  };
  // Signal handlers go in before anything listens, so a SIGTERM that arrives during start-up
  // (systemd stopping a unit that is still starting) is a graceful stop too.
  let signalled: ((signal: string) => void) | null = null;
  let pending: string | null = null;
  const onStop = (signal: string) => signalled ? signalled(signal) : (pending ??= signal);
  const onTerm = () => onStop("SIGTERM");
  const onInt = () => onStop("SIGINT");
  const onHup = () => {
    service.log.info("SIGHUP: reloading certificates");
    service.reload().catch((e) => service.log.error("reload failed", { error: String(e) }));
  };
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  process.on("SIGHUP", onHup);
  const release = () => {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    process.off("SIGHUP", onHup);
  };
  try {
    await service.start();
  } catch (err) {
    release();
    await service.stop().catch(() => {});
    await closeHelper();
    throw err;
  }
  return await new Promise<number>((resolve) => {
    signalled = (signal: string) => {
      signalled = () => {}; // a second signal while stopping changes nothing
      service.log.info("signal received, shutting down", { signal });
      const force = setTimeout(() => {
        service.log.error("graceful shutdown timed out; exiting", {
          timeout_seconds: config.server.shutdown_timeout,
        });
        release();
        resolve(1);
      }, config.server.shutdown_timeout * 1000);
      service.stop().then(async () => {
        clearTimeout(force);
        release();
        await closeHelper();
        resolve(0);
      });
    };
    if (pending) signalled(pending);
  });
};
