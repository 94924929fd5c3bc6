/**
 * The seed's SSL_ENABLED / SSL_CERT_FILE / SSL_KEY_FILE variables.
 *
 * Many systems export SSL_CERT_FILE globally as the path of the OpenSSL CA bundle
 * (e.g. /etc/ssl/certs/ca-certificates.crt). Taking that for the service's own certificate
 * would be wrong, so the three apply as a GROUP, only when SSL_ENABLED is set in the
 * environment. A lone SSL_CERT_FILE or SSL_KEY_FILE is ignored with a note.
 * CAMERA_SERVICE_SSL_* are the unambiguous names and win over the seed names.
 */
import { resolve } from "node:path";
import type { EnvOverride, EnvResult } from "./env.ts";
import { showValue } from "./errors.ts";

const SEED: Record<string, string> = {
  SSL_CERT_FILE: "security.ssl.cert_file",
  SSL_KEY_FILE: "security.ssl.key_file",
};

/** Apply (or explain ignoring) the seed SSL_* variables; updates `ctx.result` in place. */
export function sslGroup(
  env: Record<string, string | undefined>,
  ctx: { cwd: string; byPath: Map<string, EnvOverride>; result: EnvResult },
): void {
  const { cwd, byPath, result } = ctx;
  const enabledRaw = env.SSL_ENABLED;
  const set = (path: string, value: unknown, name: string) => {
    const existing = byPath.get(path);
    if (existing) {
      if (JSON.stringify(existing.value) !== JSON.stringify(value)) {
        result.notes.push(
          `${name} ignored: ${existing.name} also sets ${path} and the CAMERA_SERVICE_ name wins`,
        );
      }
      return;
    }
    const o = { path, value, name };
    byPath.set(path, o);
    result.overrides.push(o);
  };

  if (enabledRaw === undefined) {
    for (const name of Object.keys(SEED)) {
      const v = env[name];
      if (v === undefined || v === "") continue;
      const unambiguous = `CAMERA_SERVICE_${name}`;
      result.notes.push(
        `${name}=${showValue(v)} ignored: SSL_ENABLED is not set, and ${name} is often exported ` +
          `system-wide for OpenSSL (the CA bundle), not for this service. To use it, set ` +
          `SSL_ENABLED=true as well, or use the unambiguous ${unambiguous}.`,
      );
    }
    return;
  }

  const v = enabledRaw.trim().toLowerCase();
  let enabled: boolean;
  if (["true", "1", "yes", "on"].includes(v)) enabled = true;
  else if (["false", "0", "no", "off"].includes(v)) enabled = false;
  else {
    result.problems.push({
      path: "security.ssl.enabled",
      message: `SSL_ENABLED=${showValue(enabledRaw)}: security.ssl.enabled expects a boolean ` +
        `(true/false, 1/0, yes/no, on/off)`,
    });
    return;
  }
  set("security.ssl.enabled", enabled, "SSL_ENABLED");
  for (const [name, path] of Object.entries(SEED)) {
    const value = env[name];
    if (value === undefined) continue;
    set(path, value === "" ? "" : resolve(cwd, value), name);
  }
}
