/** A small Prometheus registry: counters, gauges (set or collected on scrape), histograms. */

type Labels = Record<string, string>;
/** A series key: label names sorted, so {a,b} and {b,a} are one series. */
const key = (l: Labels) => {
  const names = Object.keys(l);
  if (names.length > 1) names.sort();
  let k = "";
  for (const n of names) k += `${n}\u0000${l[n]}\u0001`;
  return k;
};
const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const fmtLabels = (l: Labels, extra?: [string, string]) => {
  const all = Object.entries(l);
  if (extra) all.push(extra);
  return all.length ? `{${all.map(([k, v]) => `${k}="${esc(v)}"`).join(",")}}` : "";
};

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): string[];
}

export class Counter implements Metric {
  readonly type = "counter";
  #values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const cur = this.#values.get(k);
    if (cur) cur.value += by;
    else this.#values.set(k, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.#values.get(key(labels))?.value ?? 0;
  }
  render(): string[] {
    return [...this.#values.values()].map((v) => `${this.name}${fmtLabels(v.labels)} ${v.value}`);
  }
}

export class Gauge implements Metric {
  readonly type = "gauge";
  #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private collect?: () => { labels?: Labels; value: number }[],
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.#values.set(key(labels), { labels, value });
  }
  render(): string[] {
    const rows = this.collect ? this.collect() : [...this.#values.values()];
    return rows.filter((r) => Number.isFinite(r.value)).map((r) =>
      `${this.name}${fmtLabels(r.labels ?? {})} ${r.value}`
    );
  }
}

export class Histogram implements Metric {
  readonly type = "histogram";
  #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets = [
      0.0005,
      0.001,
      0.0025,
      0.005,
      0.01,
      0.025,
      0.05,
      0.1,
      0.25,
      0.5,
      1,
      2.5,
      5,
      10,
    ],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.#series.get(k);
    if (!s) {
      this.#series.set(
        k,
        s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 },
      );
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out: string[] = [];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) =>
        out.push(`${this.name}_bucket${fmtLabels(s.labels, ["le", String(b)])} ${s.counts[i]}`)
      );
      out.push(`${this.name}_bucket${fmtLabels(s.labels, ["le", "+Inf"])} ${s.count}`);
      out.push(`${this.name}_sum${fmtLabels(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${fmtLabels(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Holds the metrics and renders the Prometheus text exposition format (0.0.4). */
export class MetricsRegistry {
  #metrics: Metric[] = [];

  register<M extends Metric>(m: M): M {
    if (this.#metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} exists`);
    this.#metrics.push(m);
    return m;
  }
  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }
  gauge(name: string, help: string, collect?: () => { labels?: Labels; value: number }[]): Gauge {
    return this.register(new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  render(): string {
    const lines: string[] = [];
    for (const m of this.#metrics) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join("\n") + "\n";
  }
}
