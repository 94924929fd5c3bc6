/** Secret masking for `config check`, logs and error messages. */
import { redactCredentials } from "../util/url.ts";
import type { Config } from "./types.ts";
import { isSecret } from "./rules.ts";

/** Replace the user-info (credentials) of a URL with "***"; other text is returned unchanged. */
export { redactCredentials as maskUrl };

/**
 * A deep copy of `config` with every secret replaced: "***" when set, "(unset)" when empty.
 * Secrets: security.jwt_secret_key, security.ssl.key_passphrase, mediamtx.password, and the
 * credentials inside camera.sources[].url and external_streams.candidates[].
 */
export function maskConfig(config: Config): unknown {
  return maskNode(config, "");
}

function maskNode(node: unknown, path: string): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => {
      if (typeof item === "string") return redactCredentials(item);
      return maskNode(item, `${path}[]`);
    });
  }
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const child = path ? `${path}.${key}` : key;
      if (isSecret(child) || (path === "mediamtx" && key === "password")) {
        out[key] = typeof value === "string" && value !== "" ? "***" : "(unset)";
      } else if (path === "camera.sources[]" && key === "url" && typeof value === "string") {
        out[key] = redactCredentials(value);
      } else {
        out[key] = maskNode(value, child);
      }
    }
    return out;
  }
  return node;
}
