/** Disk usage of the storage file system (node:fs statfs), and the low-disk guard. */
import { statfs } from "node:fs/promises";
import { dependencyFailed } from "../rpc/errors.ts";

/** Space of the file system holding a folder, in bytes. */
export interface DiskUsage {
  total: number;
  used: number;
  /** Available to unprivileged writers (`bavail`). */
  available: number;
  /** used / (used + available) × 100, like `df`. */
  usage_percent: number;
}

/** Reads the disk usage of the file system that holds `dir`. */
export type DiskProbe = (dir: string) => Promise<DiskUsage>;

/** statfs-based {@link DiskProbe}. */
export const statfsUsage: DiskProbe = async (dir) => {
  const s = await statfs(dir);
  const bs = Number(s.bsize);
  const total = Number(s.blocks) * bs;
  const used = (Number(s.blocks) - Number(s.bfree)) * bs;
  const available = Number(s.bavail) * bs;
  const denom = used + available;
  const usage_percent = denom > 0 ? Math.round((used / denom) * 10000) / 100 : 0;
  return { total, used, available, usage_percent };
};

/**
 * Throws -32050 (dependency "disk") when the file system of `dir` is at or above
 * `blockPercent` usage, or cannot be read.
 */
export async function assertDiskWritable(
  dir: string,
  blockPercent: number,
  probe: DiskProbe = statfsUsage,
): Promise<void> {
  let u: DiskUsage;
  try {
    u = await probe(dir);
  } catch (e) {
    throw dependencyFailed("disk", `cannot read disk usage of ${dir}: ${(e as Error).message}`);
  }
  if (u.usage_percent >= blockPercent) {
    throw dependencyFailed(
      "disk",
      `disk usage ${u.usage_percent}% is at or above the limit of ${blockPercent}% ` +
        `(recording.disk_block_percent); delete files or run cleanup_old_files`,
    );
  }
}
