/** The configuration subsystem: load, validate, mask. (Barrel: re-exports only.) */
export type * from "./types.ts";
export { defaultConfig } from "./defaults.ts";
export {
  EMBEDDED_SOURCE,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  resolveConfig,
} from "./load.ts";
export { ConfigError, type ConfigProblem, formatProblem } from "./errors.ts";
export { type ConfigInput, type DeepPartial, validateConfig } from "./schema.ts";
export { maskConfig, maskUrl } from "./mask.ts";
export { DERIVED_PATHS, resolveConfigPaths } from "./paths.ts";
export { envVarName, envVarTable } from "./env.ts";
