/** The body of `get_metrics`: measured host, camera, recording and stream figures. */
import os from "node:os";
import type { CameraView } from "../cameras/model.ts";
import type { PathState } from "../mediamtx/types.ts";

export interface SnapshotSources {
  cameras(): CameraView[];
  activeRecordings(): { device: string; startedMs: number }[];
  /** Runtime paths from MediaMTX; throws while MediaMTX is down. */
  paths(): Promise<PathState[]>;
  /** Disk usage percent of the recordings file system. */
  diskUsagePercent(): Promise<number | null>;
}

/** CPU busy percentage between calls (since boot on the first call). */
export class CpuSampler {
  #last = this.#read();

  #read(): { idle: number; total: number } {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      const t = c.times;
      idle += t.idle;
      total += t.user + t.nice + t.sys + t.idle + t.irq;
    }
    return { idle, total };
  }

  /** Percent of CPU time busy since the previous sample. */
  sample(): number {
    const now = this.#read();
    const dt = now.total - this.#last.total;
    const di = now.idle - this.#last.idle;
    const first = dt <= 0;
    const busy = first ? 1 - now.idle / now.total : 1 - di / dt;
    this.#last = now;
    return Math.round(Math.max(0, Math.min(1, busy)) * 1000) / 10;
  }
}

/** Collect the get_metrics result (MetricsResult in the contract). */
export async function metricsSnapshot(
  src: SnapshotSources,
  cpu: CpuSampler,
): Promise<Record<string, unknown>> {
  const cams = src.cameras();
  const recordings = src.activeRecordings();
  const system: Record<string, number> = {
    cpu_usage: cpu.sample(),
    memory_usage: Math.round((1 - os.freemem() / os.totalmem()) * 1000) / 10,
  };
  const disk = await src.diskUsagePercent().catch(() => null);
  if (disk !== null) system.disk_usage = disk;
  const result: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    system_metrics: system,
    camera_metrics: {
      connected_cameras: cams.filter((c) => c.status === "CONNECTED").length,
      cameras: Object.fromEntries(cams.map((c) => [c.device, { status: c.status, name: c.name }])),
    },
    recording_metrics: {
      active_recordings: recordings.length,
      devices: recordings.map((r) => r.device),
    },
  };
  try {
    const ids = new Set(cams.map((c) => c.device));
    const paths = (await src.paths()).filter((p) => ids.has(p.name));
    result.stream_metrics = {
      active_streams: paths.filter((p) => p.available).length,
      total_streams: paths.length,
      total_viewers: paths.reduce((n, p) => n + p.readers.length, 0),
    };
  } catch {
    // MediaMTX down: stream figures are unknown, so they are left out rather than invented.
  }
  return result;
}
