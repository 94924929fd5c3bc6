/**
 * A small HDR-style latency histogram: exact microsecond buckets below 1 ms, then 128
 * sub-buckets per power of two (relative error under 0.8 %). Constant memory, O(1) record.
 */

const LINEAR = 1024; // µs recorded exactly below this
const SUB = 128; // sub-buckets per power of two above LINEAR
const MAX_EXP = 26; // 2^26 µs ≈ 67 s: anything larger lands in the last bucket

/** Percentiles and extremes of a recorded distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  /** null when nothing was recorded. */
  mean_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

/** Records durations (microseconds) and reports percentiles. */
export class Histogram {
  #buckets = new Float64Array(LINEAR + (MAX_EXP - 10 + 1) * SUB);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Adds one duration in microseconds (negative values count as 0). */
  record(us: number): void {
    const v = us > 0 ? us : 0;
    this.#buckets[indexOf(v)]++;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds every sample of another histogram. */
  merge(other: Histogram): void {
    for (let i = 0; i < this.#buckets.length; i++) this.#buckets[i] += other.#buckets[i];
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  get count(): number {
    return this.#count;
  }

  /** The value (µs) at quantile q in [0, 1]: the upper edge of the bucket holding it. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i];
      if (seen >= rank) return Math.min(upperEdge(i), this.#max);
    }
    return this.#max;
  }

  /** Summary in milliseconds, rounded to microseconds; nulls when empty. */
  summary(): LatencySummary {
    const ms = (us: number) => this.#count ? Math.round(us) / 1000 : null;
    return {
      count: this.#count,
      mean_ms: ms(this.#sum / (this.#count || 1)),
      p50_ms: ms(this.quantile(0.5)),
      p90_ms: ms(this.quantile(0.9)),
      p99_ms: ms(this.quantile(0.99)),
      max_ms: ms(this.#max),
    };
  }
}

function indexOf(us: number): number {
  if (us < LINEAR) return Math.floor(us);
  const exp = Math.min(Math.floor(Math.log2(us)), MAX_EXP);
  const base = 2 ** exp;
  const sub = Math.min(SUB - 1, Math.floor(((us - base) / base) * SUB));
  return LINEAR + (exp - 10) * SUB + sub;
}

function upperEdge(index: number): number {
  if (index < LINEAR) return index + 1;
  const k = index - LINEAR;
  const exp = 10 + Math.floor(k / SUB);
  const sub = k % SUB;
  return 2 ** exp * (1 + (sub + 1) / SUB);
}
