/** Small JSON state files: atomic replace (temp + rename), serialised writes, tolerant reads. */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Read and parse `path`; `fallback` when it does not exist. Throws on invalid JSON. */
export async function readJson<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw e;
  }
  return JSON.parse(text) as T;
}

/** Writes one file, one write at a time, each atomically (never a half-written file). */
export class JsonFileWriter {
  #chain: Promise<void> = Promise.resolve();
  #seq = 0;

  constructor(private readonly path: string) {}

  /** Replace the file with `value` (queued behind earlier writes). */
  write(value: unknown): Promise<void> {
    const text = JSON.stringify(value, null, 2) + "\n";
    const run = this.#chain.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp-${process.pid}-${++this.#seq}`;
      try {
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, this.path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
