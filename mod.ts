/**
 * camera-service: the control plane for edge camera boxes.
 *
 * As a module: `loadConfig()` then `createService({ config }).start()`.
 * As a program (`deno run -A mod.ts <command>` or the single executable): the CLI.
 *
 * @module
 */
export {
  createService,
  Service,
  type ServiceAddresses,
  type ServiceOptions,
} from "./src/service.ts";
export { loadConfig, type LoadedConfig } from "./src/config/load.ts";
export { defaultConfig } from "./src/config/defaults.ts";
export type { Config } from "./src/config/types.ts";
export { buildInfo } from "./src/buildinfo.ts";
export { main } from "./src/cli/main.ts";

import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
