/**
 * Finds `video<N>` nodes in the device folder: a scan at start, a file watch for hotplug
 * (fast path, debounced) and a periodic poll as the safety net. Reports additions/removals.
 */
import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../observability/log.ts";

export interface DiscoveryOptions {
  /** `camera.device_dir` (e.g. /dev). */
  deviceDir: string;
  /** `camera.sysfs_dir` (e.g. /sys/class/video4linux). */
  sysfsDir: string;
  /** Inclusive `video<N>` range. */
  range: [number, number];
  /** Poll interval, seconds (0 = no poll). */
  pollIntervalSec: number;
  log: Logger;
}

/** Receives the changes, in order; a handler's promise is awaited before the next change. */
export interface DiscoveryHandlers {
  added(n: number, path: string): Promise<void> | void;
  removed(n: number, path: string): Promise<void> | void;
}

/** How long the watch waits for a burst of events to settle before scanning. */
const DEBOUNCE_MS = 50;

/** Watches a device folder for V4L2 nodes. */
export class DeviceDiscovery {
  #present = new Set<number>();
  #watcher: FSWatcher | null = null;
  #poll: ReturnType<typeof setInterval> | null = null;
  #debounce: ReturnType<typeof setTimeout> | null = null;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #watchFailed = false;
  #started = false;
  #readFailed = false;

  constructor(private opts: DiscoveryOptions, private handlers: DiscoveryHandlers) {}

  /** Device numbers present after the last scan. */
  present(): number[] {
    return [...this.#present].sort((a, b) => a - b);
  }

  /** The device path for `video<N>`. */
  pathOf(n: number): string {
    return join(this.opts.deviceDir, `video${n}`);
  }

  /** First scan (awaited, handlers included), then the watch and the poll. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.scan();
    if (this.#stopped) return;
    this.#started = true;
    this.#ensureWatch();
    if (this.opts.pollIntervalSec > 0) {
      this.#poll = setInterval(() => void this.scan(), this.opts.pollIntervalSec * 1000);
    }
  }

  /** Stops watching and polling. In-flight handler calls finish on their own. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#started = false;
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#poll = this.#debounce = null;
    await this.#chain;
  }

  /** Reconciles the folder's content with the known set (serialized with other scans). */
  scan(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#scanOnce()).catch((err) => {
      this.opts.log.error("device scan failed", { error: err as Error });
    });
    return this.#chain;
  }

  /** The kernel's name for `video<N>` from sysfs, or null. */
  async sysfsName(n: number): Promise<string | null> {
    try {
      const name = (await readFile(join(this.opts.sysfsDir, `video${n}`, "name"), "utf8")).trim();
      return name || null;
    } catch {
      return null;
    }
  }

  /** Starts the folder watch if it is not running (again after the folder came back). */
  #ensureWatch(): void {
    if (this.#watcher || this.#stopped) return;
    try {
      const w = watch(this.opts.deviceDir, { persistent: false }, (_ev, file) => {
        if (file === null || /^video\d+$/.test(String(file))) this.#scheduleScan();
      });
      w.on("error", (err) => {
        if (!this.#watchFailed) {
          this.opts.log.warn("cannot watch the device folder; relying on the poll", {
            device_dir: this.opts.deviceDir,
            error: err,
          });
        }
        this.#watchFailed = true;
        w.close();
        if (this.#watcher === w) this.#watcher = null;
      });
      this.#watcher = w;
    } catch (err) {
      if (!this.#watchFailed) {
        this.opts.log.warn("cannot watch the device folder; relying on the poll", {
          device_dir: this.opts.deviceDir,
          error: err as Error,
        });
      }
      this.#watchFailed = true;
    }
  }

  #scheduleScan(): void {
    if (this.#stopped) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.scan();
    }, DEBOUNCE_MS);
  }

  async #scanOnce(): Promise<void> {
    if (this.#stopped) return;
    const [lo, hi] = this.opts.range;
    let names: string[];
    let readOk = true;
    try {
      names = await readdir(this.opts.deviceDir);
    } catch (err) {
      if (!this.#readFailed) {
        this.opts.log.warn("cannot read the device folder (logged once until it recovers)", {
          device_dir: this.opts.deviceDir,
          error: err as Error,
        });
      }
      this.#readFailed = true;
      names = [];
      readOk = false;
    }
    if (readOk) this.#readFailed = false;
    const now = new Set<number>();
    for (const name of names) {
      const m = /^video(\d+)$/.exec(name);
      if (m && Number(m[1]) >= lo && Number(m[1]) <= hi) now.add(Number(m[1]));
    }
    for (const n of [...this.#present].sort((a, b) => a - b)) {
      if (now.has(n)) continue;
      this.#present.delete(n);
      await this.handlers.removed(n, this.pathOf(n));
    }
    for (const n of [...now].sort((a, b) => a - b)) {
      if (this.#present.has(n)) continue;
      this.#present.add(n);
      await this.handlers.added(n, this.pathOf(n));
    }
    if (this.#started && readOk && !this.#watcher) this.#ensureWatch();
  }
}
