/** Formatting helpers: sizes, durations, times, error texts. */
import { RpcCallError } from "./rpc.ts";

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** An ISO time shown in the browser's locale ("–" when absent or invalid). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A sentence for an error from a call. */
export function errorText(e: unknown): string {
  if (e instanceof RpcCallError) {
    const d = e.data ?? {};
    if (e.code === -32002) return `Permission denied: needs the ${d.required_role} role.`;
    if (e.code === -32010) return `Not found: ${d.resource ?? "item"} ${d.id ?? ""}`.trim();
    if (e.code === -32020) {
      return `Not possible now (state ${d.state}; needs ${(d.allowed_states ?? []).join(" or ")}).`;
    }
    if (e.code === -32040) {
      return `Too many requests: retry in ${Math.ceil((d.retry_after_ms ?? 0) / 1000)} s.`;
    }
    if (e.code === -32050) {
      return `${d.dependency ?? "A dependency"} failed: ${d.detail ?? e.message}`;
    }
    const hint = d.hint ?? d.reason ?? d.feature;
    return hint ? `${e.message}: ${hint}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * A download URL from the service made relative to this page: the service signs
 * `/files/<kind>/<name>?expires&sig` (the host is not signed) and may prefix its configured
 * public address, which is not always the address this browser uses; the same-origin path
 * keeps the request on this page's origin (and inside its CSP).
 */
export function sameOriginUrl(url: string): string {
  try {
    const u = new URL(url, location.href);
    return u.pathname.startsWith("/files/") ? `${u.pathname}${u.search}` : url;
  } catch {
    return url;
  }
}
