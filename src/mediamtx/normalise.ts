/**
 * Normalisation of MediaMTX answers: runtime `Path` objects (deprecated-field fallbacks) and
 * duration strings (Go syntax with a `d` prefix, zero as "").
 */
import { MediaMtxError, type PathState, type PathTrack } from "./types.ts";

/** Map a raw `Path` object to {@link PathState}, applying the pre-1.16/1.17 fallbacks. */
export function normalisePath(x: unknown): PathState {
  if (x === null || typeof x !== "object") {
    throw new MediaMtxError("protocol", "path: expected a JSON object");
  }
  const o = x as Record<string, unknown>;
  const bool = (a: unknown, b: unknown) => (typeof a === "boolean" ? a : b === true);
  const num = (a: unknown, b: unknown) => typeof a === "number" ? a : typeof b === "number" ? b : 0;
  const str = (a: unknown, b: unknown) =>
    typeof a === "string" ? a : typeof b === "string" ? b : null;
  const tracks2: PathTrack[] = Array.isArray(o.tracks2)
    ? o.tracks2.filter((t) => typeof t?.codec === "string").map((t) =>
      t.codecProps && typeof t.codecProps === "object"
        ? { codec: t.codec, codecProps: t.codecProps }
        : { codec: t.codec }
    )
    : Array.isArray(o.tracks)
    ? o.tracks.filter((t) => typeof t === "string").map((codec) => ({ codec }))
    : [];
  const src = o.source as Record<string, unknown> | null | undefined;
  const available = bool(o.available, o.ready);
  return {
    name: String(o.name ?? ""),
    confName: String(o.confName ?? o.name ?? ""),
    source: src && typeof src === "object"
      ? { type: String(src.type ?? ""), id: String(src.id ?? "") }
      : null,
    available,
    availableTime: str(o.availableTime, o.readyTime),
    online: typeof o.online === "boolean" ? o.online : available,
    onlineTime: str(o.onlineTime, o.availableTime ?? o.readyTime),
    tracks: tracks2.map((t) => t.codec),
    tracks2,
    inboundBytes: num(o.inboundBytes, o.bytesReceived),
    outboundBytes: num(o.outboundBytes, o.bytesSent),
    inboundFramesInError: num(o.inboundFramesInError, 0),
    readers: Array.isArray(o.readers)
      ? o.readers.filter((r) => r && typeof r === "object").map((r) => ({
        type: String(r.type ?? ""),
        id: String(r.id ?? ""),
      }))
      : [],
  };
}

const UNIT_SECONDS: Record<string, number> = {
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  "µs": 1e-6,
  ns: 1e-9,
};

/** Parse a MediaMTX duration ("10s", "1h0m0s", "1d2h", "1.5s", "" = 0) to seconds; null if bad. */
export function parseDuration(s: string): number | null {
  const t = s.trim();
  if (t === "" || t === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|d|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    pos = re.lastIndex;
  }
  return pos === t.length && pos > 0 ? total : null;
}

/**
 * Format seconds the way MediaMTX prints durations: Go's `time.Duration.String()` with whole days
 * pulled out as a `d` prefix, and zero as "". Examples: 10 → "10s", 3600 → "1h0m0s",
 * 86400 → "1d", 90000 → "1d1h0m0s", 0.5 → "500ms".
 */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "";
  const days = Math.floor(seconds / 86400);
  const rest = Math.round((seconds - days * 86400) * 1e9) / 1e9;
  return (days > 0 ? `${days}d` : "") + (rest > 0 ? goDuration(rest) : "");
}

function goDuration(sec: number): string {
  if (sec < 1) {
    const ms = sec * 1e3;
    if (ms >= 1) return `${trimNum(ms)}ms`;
    const us = sec * 1e6;
    return us >= 1 ? `${trimNum(us)}µs` : `${trimNum(sec * 1e9)}ns`;
  }
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec - h * 3600) / 60);
  const s = sec - h * 3600 - m * 60;
  if (h > 0) return `${h}h${m}m${trimNum(s)}s`;
  if (m > 0) return `${m}m${trimNum(s)}s`;
  return `${trimNum(s)}s`;
}

function trimNum(n: number): string {
  return String(Math.round(n * 1e9) / 1e9);
}

/** Canonical form of a duration string for comparison; unparsable strings are kept as-is. */
export function normaliseDuration(s: string): string {
  const sec = parseDuration(s);
  return sec === null ? s : formatDuration(sec);
}
