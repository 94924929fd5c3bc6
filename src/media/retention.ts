/**
 * Retention: the policy (age | size | manual, enabled) persisted in <data_dir>/retention.json
 * (config `retention.*` is the default until a client sets one), a cleanup that deletes the
 * oldest files first and never a recording segment being written, and a periodic job.
 * Sizes: 1 GB = 10^9 bytes. Both folders (recordings and snapshots) count.
 */
import { lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import type { Logger } from "../observability/log.ts";
import type { FileService } from "./files.ts";
import { JsonFileWriter, readJson } from "./json_file.ts";
import type { StoredFile } from "./stored.ts";

/** The retention policy. */
export interface RetentionPolicy {
  policy_type: "age" | "size" | "manual";
  enabled: boolean;
  max_age_days: number;
  max_size_gb: number;
}

/** Outcome of one cleanup (contract fields plus the deleted names). */
export interface CleanupResult {
  cleanup_executed: boolean;
  files_deleted: number;
  space_freed: number;
  message: string;
  deleted: string[];
}

/** Dependencies of {@link RetentionService}. */
export interface RetentionDeps {
  config: Pick<Config, "data_dir" | "retention">;
  files: Pick<FileService, "all" | "writing">;
  log?: Logger;
  now?: () => number;
}

/** Holds the policy, runs cleanups, and the periodic job. */
export class RetentionService {
  #policy: RetentionPolicy;
  #writer: JsonFileWriter;
  #file: string;
  #timer: ReturnType<typeof setInterval> | null = null;
  #running: Promise<CleanupResult> | null = null;
  #now: () => number;

  constructor(private readonly deps: RetentionDeps) {
    const r = deps.config.retention;
    this.#policy = {
      policy_type: r.policy_type,
      enabled: r.enabled,
      max_age_days: r.max_age_days,
      max_size_gb: r.max_size_gb,
    };
    this.#file = join(deps.config.data_dir, "retention.json");
    this.#writer = new JsonFileWriter(this.#file);
    this.#now = deps.now ?? Date.now;
  }

  /** Load the persisted policy (if any) over the configured default. */
  async load(): Promise<RetentionPolicy> {
    try {
      const saved = await readJson<Partial<RetentionPolicy> | null>(this.#file, null);
      if (saved) this.#policy = validPolicy({ ...this.#policy, ...saved });
    } catch (e) {
      this.deps.log?.warn("retention.json unreadable; using the configured policy", {
        error: (e as Error).message,
      });
    }
    return this.policy();
  }

  /** The current policy (a copy). */
  policy(): RetentionPolicy {
    return { ...this.#policy };
  }

  /** set_retention_policy: merge, validate (already done by the params schema), persist. */
  async set(p: Partial<RetentionPolicy> & Pick<RetentionPolicy, "policy_type">) {
    const next = validPolicy({ ...this.#policy, ...dropUndefined(p) });
    await this.#writer.write(next);
    this.#policy = next;
    const what = next.policy_type === "age"
      ? `files older than ${next.max_age_days} days`
      : next.policy_type === "size"
      ? `oldest files beyond ${next.max_size_gb} GB`
      : "nothing (manual)";
    return {
      ...next,
      message: `retention policy saved: deletes ${what}; automatic cleanup ${
        next.enabled ? "enabled" : "disabled"
      }`,
    };
  }

  /** cleanup_old_files: run the policy now (a running cleanup is joined, not repeated). */
  cleanup(): Promise<CleanupResult> {
    this.#running ??= this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  async #run(): Promise<CleanupResult> {
    const p = this.#policy;
    const none = (message: string): CleanupResult => ({
      cleanup_executed: false,
      files_deleted: 0,
      space_freed: 0,
      message,
      deleted: [],
    });
    if (!p.enabled) return none("retention policy is disabled; nothing deleted");
    if (p.policy_type === "manual") return none("retention policy is manual; nothing deleted");
    const [recs, snaps] = await Promise.all([
      this.deps.files.all("recordings"),
      this.deps.files.all("snapshots"),
    ]);
    const now = this.#now();
    const writing = this.deps.files.writing(recs, now);
    const files = [...recs, ...snaps].sort((a, b) => a.mtimeMs - b.mtimeMs); // oldest first
    const victims: StoredFile[] = [];
    if (p.policy_type === "age") {
      const cutoff = now - p.max_age_days * 86_400_000;
      for (const f of files) if (f.mtimeMs < cutoff && !writing.has(f.name)) victims.push(f);
    } else {
      let total = files.reduce((n, f) => n + f.size, 0);
      const limit = p.max_size_gb * 1e9;
      for (const f of files) {
        if (total <= limit) break;
        if (writing.has(f.name)) continue;
        victims.push(f);
        total -= f.size;
      }
    }
    let freed = 0;
    const deleted: string[] = [];
    for (const f of victims) {
      try {
        const st = await lstat(f.path);
        await rm(f.path);
        freed += st.size;
        deleted.push(f.name);
      } catch (e) {
        this.deps.log?.warn("retention could not delete a file", {
          file: f.name,
          error: (e as Error).message,
        });
      }
    }
    if (deleted.length) {
      this.deps.log?.info("retention cleanup", { deleted: deleted.length, freed });
    }
    return {
      cleanup_executed: true,
      files_deleted: deleted.length,
      space_freed: freed,
      message: `${p.policy_type} policy: deleted ${deleted.length} file(s), freed ${freed} bytes`,
      deleted,
    };
  }

  /** Start the periodic job (every `intervalSeconds`, default retention.cleanup_interval). */
  start(intervalSeconds = this.deps.config.retention.cleanup_interval): void {
    if (this.#timer || intervalSeconds <= 0) return;
    this.#timer = setInterval(() => {
      if (!this.#policy.enabled) return;
      this.cleanup().catch((e) =>
        this.deps.log?.error("retention cleanup failed", { error: (e as Error).message })
      );
    }, intervalSeconds * 1000);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stop the periodic job and wait for a running cleanup. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Checks a merged policy (also what is read back from disk). */
export function validPolicy(p: RetentionPolicy): RetentionPolicy {
  if (!["age", "size", "manual"].includes(p.policy_type)) throw new Error("bad policy_type");
  if (typeof p.enabled !== "boolean") throw new Error("enabled must be a boolean");
  if (!Number.isInteger(p.max_age_days) || p.max_age_days < 1) {
    throw new Error("max_age_days must be a whole number >= 1");
  }
  if (typeof p.max_size_gb !== "number" || !(p.max_size_gb > 0)) {
    throw new Error("max_size_gb must be > 0");
  }
  return {
    policy_type: p.policy_type,
    enabled: p.enabled,
    max_age_days: p.max_age_days,
    max_size_gb: p.max_size_gb,
  };
}
