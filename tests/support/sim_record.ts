/**
 * MediaMTX simulator: recordPath handling. Renders `%path %Y %m %d %H %M %S %f %s` (local time, as
 * MediaMTX does), parses file names back to segment start times, and lists a path's segments.
 */
import { readdir } from "node:fs/promises";
import * as path from "node:path";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Extension MediaMTX appends for a record format. */
export function recordExt(format: unknown): string {
  return format === "mpegts" ? ".ts" : ".mp4";
}

/** Absolute file name (without extension) for a segment of `name` starting at `start`. */
export function renderRecordPath(
  opts: { recordPath: string; root: string; name: string; start: Date; micros?: number },
): string {
  const d = opts.start;
  const micros = opts.micros ?? d.getMilliseconds() * 1000;
  const rendered = opts.recordPath.replace(/%(path|Y|m|d|H|M|S|f|s)/g, (_m, t: string) => {
    switch (t) {
      case "path":
        return opts.name;
      case "Y":
        return String(d.getFullYear());
      case "m":
        return pad(d.getMonth() + 1);
      case "d":
        return pad(d.getDate());
      case "H":
        return pad(d.getHours());
      case "M":
        return pad(d.getMinutes());
      case "S":
        return pad(d.getSeconds());
      case "f":
        return pad(micros, 6);
      default:
        return String(Math.floor(d.getTime() / 1000));
    }
  });
  return path.resolve(opts.root, rendered);
}

/** RFC 3339 with local offset and trimmed fractional seconds (Go's RFC3339Nano). */
export function rfc3339Local(d: Date, micros: number): string {
  const off = -d.getTimezoneOffset();
  const zone = off === 0
    ? "Z"
    : `${off > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const frac = micros > 0 ? "." + pad(micros, 6).replace(/0+$/, "") : "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:` +
    `${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${zone}`;
}

/** A segment file found on disk. */
export interface SegmentFile {
  file: string;
  /** RFC 3339 start, as the recordings API prints it. */
  start: string;
  startMs: number;
}

/** The segments of path `name` on disk, sorted by start. Directory part must be time-free. */
export async function listSegments(
  opts: { recordPath: string; format: unknown; root: string; name: string },
): Promise<SegmentFile[]> {
  const full = path.resolve(opts.root, opts.recordPath.replaceAll("%path", opts.name));
  const dir = path.dirname(full);
  if (/%[YmdHMSfs]/.test(dir)) return [];
  const order: string[] = [];
  const re = new RegExp(
    "^" + path.basename(full).split(/(%[YmdHMSfs])/).map((part) => {
      if (/^%[YmdHMSfs]$/.test(part)) {
        order.push(part[1]);
        return part === "%Y"
          ? "(\\d{4})"
          : part === "%f"
          ? "(\\d{6})"
          : part === "%s"
          ? "(\\d+)"
          : "(\\d{2})";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("") + recordExt(opts.format).replace(".", "\\.") + "$",
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: SegmentFile[] = [];
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    const v: Record<string, number> = {};
    order.forEach((k, i) => (v[k] = Number(m[i + 1])));
    const d = v.s !== undefined ? new Date(v.s * 1000) : new Date(v.Y, v.m - 1, v.d, v.H, v.M, v.S);
    const micros = v.f ?? 0;
    out.push({
      file: path.join(dir, n),
      start: rfc3339Local(d, micros),
      startMs: d.getTime() + micros / 1000,
    });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}
