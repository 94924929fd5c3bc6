/**
 * Certificate reload without restart: watches the folders of the certificate, key and CA files
 * (certbot swaps symlinks, editors rename temp files, so folders are watched, not files) and
 * reloads on change or on request (SIGHUP). A broken new file keeps the old material in service.
 */
import { type FSWatcher, watch } from "node:fs";
import { realpath } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SslConfig } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import { type CertInfo, loadTlsMaterial, TlsConfigError, type TlsMaterial } from "./load.ts";

/** Outcome of one reload. */
export interface ReloadResult {
  ok: boolean;
  /** New material was applied (false when the files did not change, or on failure). */
  changed: boolean;
  /** Why the reload failed; the previous material stays in service. */
  error?: string;
  code?: string;
  /** The certificate in service after this reload. */
  current: CertInfo;
}

/** For health: is the last reload good, and what is served. */
export interface ReloaderStatus {
  ok: boolean;
  lastError: string | null;
  /** Time of the last reload attempt (watch or manual), null before the first. */
  lastReloadAt: Date | null;
  /** Time new material was last applied, null if never since start. */
  lastChangeAt: Date | null;
  current: CertInfo;
  expired: boolean;
}

/** Options of {@link CertificateReloader}. */
export interface ReloaderOptions {
  ssl: SslConfig;
  /** The material currently in service (from loadTlsMaterial). */
  initial: TlsMaterial;
  /** Puts new material in service, e.g. `m => server.setSecureContext(tlsServerOptions(m, ssl))`. */
  apply: (material: TlsMaterial) => void;
  log: Logger;
  /** Watch the files' folders (default: ssl.watch). */
  watch?: boolean;
  /** Quiet time after the last file event before reloading, ms (default 500). */
  debounceMs?: number;
  /** Called after every reload (expiry warnings, metrics). */
  onReload?: (result: ReloadResult, material: TlsMaterial) => void;
}

/** Keeps the served certificate in step with the files on disk. */
export class CertificateReloader {
  #opts: ReloaderOptions;
  #material: TlsMaterial;
  #watchers = new Map<string, FSWatcher>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #lastError: string | null = null;
  #lastReloadAt: Date | null = null;
  #lastChangeAt: Date | null = null;

  constructor(opts: ReloaderOptions) {
    this.#opts = opts;
    this.#material = opts.initial;
    this.#queue = this.#syncWatchers();
  }

  /** Resolves once the watchers are set up and no reload is running. */
  async ready(): Promise<void> {
    await this.#queue;
  }

  /** Loads the material (throws TlsConfigError) and starts a reloader on it. */
  static async start(opts: Omit<ReloaderOptions, "initial">): Promise<CertificateReloader> {
    return new CertificateReloader({ ...opts, initial: await loadTlsMaterial(opts.ssl) });
  }

  /** The material in service. */
  get material(): TlsMaterial {
    return this.#material;
  }

  /** Re-reads the files now (SIGHUP); serialised with watch-triggered reloads. */
  reload(source = "manual"): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#reload(source));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Health view of the reloader. */
  status(): ReloaderStatus {
    return {
      ok: this.#lastError === null,
      lastError: this.#lastError,
      lastReloadAt: this.#lastReloadAt,
      lastChangeAt: this.#lastChangeAt,
      current: this.#material.leaf,
      expired: this.#material.leaf.notAfter.getTime() <= Date.now(),
    };
  }

  /** Stops watching; waits for a reload in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    await this.#queue;
  }

  async #reload(source: string): Promise<ReloadResult> {
    const { log, ssl } = this.#opts;
    this.#lastReloadAt = new Date();
    let result: ReloadResult;
    let next: TlsMaterial | undefined;
    try {
      next = await loadTlsMaterial(ssl);
      const cur = this.#material;
      const changed = next.cert !== cur.cert || next.key !== cur.key || next.ca !== cur.ca;
      if (changed && !this.#closed) {
        this.#opts.apply(next);
        this.#material = next;
        this.#lastChangeAt = new Date();
        log.info("TLS certificate reloaded", {
          source,
          subject: next.leaf.subject,
          not_after: next.leaf.notAfter.toISOString(),
          days_left: next.leaf.daysLeft,
          fingerprint256: next.leaf.fingerprint256,
        });
        if (next.expired) log.error("the reloaded TLS certificate has expired", { source });
      } else {
        log.debug("TLS files unchanged", { source });
      }
      this.#lastError = null;
      result = { ok: true, changed, current: this.#material.leaf };
    } catch (e) {
      const error = (e as Error).message;
      const code = e instanceof TlsConfigError ? e.code : "APPLY_FAILED";
      this.#lastError = error;
      log.error("TLS reload failed; the previous certificate stays in service", {
        source,
        code,
        error,
        current: this.#material.leaf.subject,
      });
      result = { ok: false, changed: false, error, code, current: this.#material.leaf };
    }
    if (!this.#closed) await this.#syncWatchers();
    this.#opts.onReload?.(result, this.#material);
    return result;
  }

  /** Watches the folder of every file and of every symlink target (certbot's archive/). */
  async #syncWatchers(): Promise<void> {
    if (this.#closed || !(this.#opts.watch ?? this.#opts.ssl.watch)) return;
    const files = new Set([...this.#material.files, ...this.#configuredFiles()]);
    const dirs = new Set<string>();
    for (const f of files) {
      dirs.add(dirname(f));
      const real = await realpath(f).catch(() => null);
      if (real) dirs.add(dirname(real));
    }
    if (this.#closed) return;
    for (const [dir, w] of this.#watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.#schedule());
        w.on("error", (e) => {
          this.#opts.log.warn("TLS file watch failed", { dir, error: (e as Error).message });
          w.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, w);
      } catch (e) {
        this.#opts.log.warn("cannot watch TLS folder; use SIGHUP to reload", {
          dir,
          error: (e as Error).message,
        });
      }
    }
  }

  #configuredFiles(): string[] {
    const { cert_file, key_file, ca_file, verify_mode } = this.#opts.ssl;
    return [cert_file, key_file, verify_mode === "CERT_NONE" ? "" : ca_file]
      .filter(Boolean)
      .map((f) => resolve(f));
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.reload("watch");
    }, this.#opts.debounceMs ?? 500);
  }
}
