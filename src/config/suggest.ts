/** "Did you mean" hints for unknown keys and environment variables (edit distance). */

/** Edit distance (optimal string alignment: insert, delete, substitute, swap neighbours). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `name` when it is close enough to be a plausible typo
 * (distance at most a third of the name's length, at least 1, at most 4), else undefined.
 * A candidate that contains the name as a whole "_"-separated part (or the reverse), such as
 * "rtsp_transport" for "transport", also counts. Comparison ignores case; "-" equals "_".
 */
export function closest(name: string, candidateList: Iterable<string>): string | undefined {
  const candidates = [...candidateList];
  const norm = (s: string) => s.toLowerCase().replaceAll("-", "_");
  const n = norm(name);
  const limit = Math.min(4, Math.max(1, Math.floor(n.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, norm(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (bestDistance <= limit) return best;
  if (n.length < 3) return undefined;
  for (const c of candidates) {
    const m = norm(c);
    if (`_${m}_`.includes(`_${n}_`) || (m.length >= 3 && `_${n}_`.includes(`_${m}_`))) return c;
  }
  return undefined;
}
