/** Parses the short durations the CLI accepts: `3600`, `90s`, `90m`, `24h`, `30d`, `2w`. */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION = /^(\d+)([smhdw]?)$/;

/**
 * Seconds for a duration like "24h" (a bare number is seconds).
 * Returns null when the text is not a positive duration of that form.
 */
export function parseDurationSeconds(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * UNIT_SECONDS[m[2] || "s"];
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
