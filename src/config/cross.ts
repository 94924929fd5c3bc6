/** Rules that relate several keys (checked after each key is valid on its own). */
import type { ConfigProblem } from "./errors.ts";
import type { Config } from "./types.ts";

/** Push a problem for every cross-field rule `config` breaks. */
export function crossCheck(config: Config, problems: ConfigProblem[]): void {
  const add = (path: string, message: string) =>
    problems.push({ path, message: `${path}: ${message}` });
  const ssl = config.security.ssl;

  if (ssl.verify_mode !== "CERT_NONE" && ssl.ca_file === "") {
    add(
      "security.ssl.ca_file",
      `required when security.ssl.verify_mode is ${ssl.verify_mode}: set it to the PEM file of ` +
        `the CA that signs client certificates (or use verify_mode CERT_NONE)`,
    );
  }
  if (ssl.key_file !== "" && ssl.cert_file === "") {
    add(
      "security.ssl.key_file",
      `is set but security.ssl.cert_file is empty: set cert_file too, or leave both empty to ` +
        `use a generated self-signed certificate`,
    );
  }

  const [min, max] = config.camera.device_range;
  if (min > max) {
    add("camera.device_range", `[${min}, ${max}]: the first number must not exceed the second`);
  }

  const r = config.recording;
  if (r.disk_warn_percent > r.disk_block_percent) {
    add(
      "recording.disk_warn_percent",
      `${r.disk_warn_percent} must not exceed recording.disk_block_percent ` +
        `(${r.disk_block_percent}): the warning comes before the block`,
    );
  }
  const s = config.server;
  const h = config.health;
  if (s.port !== 0 && s.port === h.port && hostsOverlap(s.host, h.host)) {
    add(
      "health.port",
      `${h.port} is also server.port: the health endpoint needs its own port (or 0 for a free one)`,
    );
  }
}

function hostsOverlap(a: string, b: string): boolean {
  const any = (h: string) => h === "0.0.0.0" || h === "::" || h === "";
  return a === b || any(a) || any(b);
}
