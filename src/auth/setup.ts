/** Builds the authentication objects from the resolved config (one call for the service). */
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import { ApiKeyStore } from "./apikeys.ts";
import { Authenticator } from "./authenticator.ts";
import { validateSecret } from "./jwt.ts";
import { type ResolvedSecret, resolveJwtSecret } from "./secret.ts";
import { AuthThrottle } from "./throttle.ts";

/** The API key file: `security.api_keys_file`, or `<data_dir>/api-keys.json` when empty. */
export function apiKeysFile(config: Config): string {
  return config.security.api_keys_file || join(config.data_dir, "api-keys.json");
}

/** What `createAuth` returns. */
export interface AuthSetup {
  authenticator: Authenticator;
  apiKeys: ApiKeyStore;
  throttle: AuthThrottle;
  secret: ResolvedSecret;
  /** A problem with the secret (e.g. shorter than 32 bytes), for the caller to warn or refuse. */
  secretProblem: string | null;
}

/**
 * Resolves the JWT secret (generating it into data_dir if needed), opens the API key store
 * and builds the throttle and authenticator. Throws on an unreadable secret or key file.
 */
export async function createAuth(config: Config, log: Logger): Promise<AuthSetup> {
  const authLog = log.child({ component: "auth" });
  const secret = await resolveJwtSecret(config.security.jwt_secret_key, config.data_dir, authLog);
  const apiKeys = await ApiKeyStore.open(apiKeysFile(config), { log: authLog });
  const throttle = AuthThrottle.fromConfig(config.security, authLog);
  const authenticator = new Authenticator({
    secret: secret.secret,
    apiKeys,
    throttle,
    log: authLog,
  });
  return { authenticator, apiKeys, throttle, secret, secretProblem: validateSecret(secret.secret) };
}
