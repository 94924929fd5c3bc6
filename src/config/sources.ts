/** Validation of `camera.sources`: configured IP/RTSP cameras. */
import { checkValue, rtspUrlProblem, typeName } from "./check.ts";
import type { ConfigProblem } from "./errors.ts";
import { showValue } from "./errors.ts";
import { closest } from "./suggest.ts";
import type { IpCameraSource } from "./types.ts";

const ID_PATTERN = /^camera[0-9]+$/;
const TRANSPORTS = ["automatic", "udp", "tcp", "multicast"] as const;
const KEYS = ["id", "name", "url", "rtsp_transport", "on_demand"];

/**
 * Validate the list of IP camera sources item by item. Problems are pushed to `problems`;
 * the returned list holds only the valid entries (with defaults: name = id,
 * rtsp_transport "automatic", on_demand true).
 */
export function validateSources(
  value: unknown[],
  deviceRange: [number, number],
  problems: ConfigProblem[],
): IpCameraSource[] {
  const out: IpCameraSource[] = [];
  const seen = new Map<string, number>();
  value.forEach((item, i) => {
    const at = `camera.sources[${i}]`;
    const problem = (key: string, message: string) =>
      problems.push({
        path: key ? `${at}.${key}` : at,
        message: `${key ? `${at}.${key}` : at}: ${message}`,
      });
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      problem("", `expected a mapping {id, url, ...}, got ${typeName(item)}`);
      return;
    }
    const raw = item as Record<string, unknown>;
    let valid = true;
    for (const key of Object.keys(raw)) {
      if (KEYS.includes(key)) continue;
      const hint = closest(key, KEYS);
      problem(
        key,
        `unknown key${hint ? ` (did you mean ${hint}?)` : ""}; allowed: ${KEYS.join(", ")}`,
      );
      valid = false;
    }
    const id = raw.id;
    if (typeof id !== "string" || !ID_PATTERN.test(id)) {
      problem("id", `${showValue(id)} is not a camera id (camera<N>, e.g. camera10)`);
      valid = false;
    } else {
      const n = Number(id.slice("camera".length));
      if (n >= deviceRange[0] && n <= deviceRange[1]) {
        problem(
          "id",
          `${showValue(id)} lies inside camera.device_range [${deviceRange.join(", ")}], ` +
            `which is reserved for USB cameras; use camera${deviceRange[1] + 1} or above`,
        );
        valid = false;
      }
      const first = seen.get(id);
      if (first !== undefined) {
        problem("id", `${showValue(id)} is already used by camera.sources[${first}]`);
        valid = false;
      } else seen.set(id, i);
    }
    const url = raw.url;
    if (typeof url !== "string") {
      problem("url", `required: an rtsp:// or rtsps:// URL (got ${showValue(url)})`);
      valid = false;
    } else {
      const why = rtspUrlProblem(url);
      if (why) {
        problem("url", why);
        valid = false;
      }
    }
    const name = raw.name ?? id;
    const nameCheck = checkValue({ kind: "string" }, name);
    if (!nameCheck.ok) {
      problem("name", nameCheck.why);
      valid = false;
    }
    const transport = raw.rtsp_transport ?? "automatic";
    const tCheck = checkValue({ kind: "enum", values: TRANSPORTS }, transport);
    if (!tCheck.ok) {
      problem("rtsp_transport", tCheck.why);
      valid = false;
    }
    const onDemand = raw.on_demand ?? true;
    const dCheck = checkValue({ kind: "bool" }, onDemand);
    if (!dCheck.ok) {
      problem("on_demand", dCheck.why);
      valid = false;
    }
    if (!valid) return;
    out.push({
      id: id as string,
      name: name as string,
      url: url as string,
      rtsp_transport: transport as IpCameraSource["rtsp_transport"],
      on_demand: onDemand as boolean,
    });
  });
  return out;
}
