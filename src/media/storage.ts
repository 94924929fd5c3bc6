/** get_storage_info: file system space (statfs) plus what the storage folders hold. */
import { mkdir } from "node:fs/promises";
import type { Config } from "../config/types.ts";
import { dependencyFailed } from "../rpc/errors.ts";
import { type DiskProbe, statfsUsage } from "./disk.ts";
import type { FileService } from "./files.ts";

/** The contract's StorageInfo plus counts and thresholds. */
export interface StorageInfo {
  total_space: number;
  used_space: number;
  available_space: number;
  usage_percentage: number;
  recordings_size: number;
  snapshots_size: number;
  recordings_count: number;
  snapshots_count: number;
  /** usage_percentage >= recording.disk_warn_percent. */
  low_space_warning: boolean;
  /** usage_percentage >= recording.disk_block_percent: new recordings and snapshots refused. */
  storage_blocked: boolean;
  warn_percent: number;
  block_percent: number;
}

/** Dependencies of {@link storageInfo}. */
export interface StorageDeps {
  config: Pick<Config, "recording">;
  files: Pick<FileService, "all" | "root">;
  disk?: DiskProbe;
}

/** Measures the storage of the recordings folder's file system and both folders' contents. */
export async function storageInfo(deps: StorageDeps): Promise<StorageInfo> {
  const { config, files } = deps;
  const root = files.root("recordings");
  let u;
  try {
    await mkdir(root, { recursive: true });
    u = await (deps.disk ?? statfsUsage)(root);
  } catch (e) {
    throw dependencyFailed("disk", `cannot read disk usage of ${root}: ${(e as Error).message}`);
  }
  const [recs, snaps] = await Promise.all([files.all("recordings"), files.all("snapshots")]);
  const sum = (xs: { size: number }[]) => xs.reduce((n, f) => n + f.size, 0);
  return {
    total_space: u.total,
    used_space: u.used,
    available_space: u.available,
    usage_percentage: u.usage_percent,
    recordings_size: sum(recs),
    snapshots_size: sum(snaps),
    recordings_count: recs.length,
    snapshots_count: snaps.length,
    low_space_warning: u.usage_percent >= config.recording.disk_warn_percent,
    storage_blocked: u.usage_percent >= config.recording.disk_block_percent,
    warn_percent: config.recording.disk_warn_percent,
    block_percent: config.recording.disk_block_percent,
  };
}
