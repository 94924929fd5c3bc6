/** Shared fixtures of the media tests (config in temp dirs, camera and event stubs). */
import { readFileSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultConfig } from "../src/config/defaults.ts";
import type { Config } from "../src/config/types.ts";
import { EventBus, type EventMap, type EventName } from "../src/core/events.ts";

/** A resolved config whose folders live under `root`. */
export function mediaConfig(root: string, patch: (c: Config) => void = () => {}): Config {
  const c = defaultConfig();
  c.data_dir = join(root, "data");
  c.recording.directory = join(root, "recordings");
  c.snapshots.directory = join(root, "snapshots");
  c.security.jwt_secret_key = "test-secret-for-media-tests-0123456789";
  patch(c);
  return c;
}

/** A camera registry with fixed entries. */
export function cameraStub(entries: Record<string, string> = { camera0: "CONNECTED" }) {
  return {
    get: (id: string) => (entries[id] ? { id, status: entries[id] } : undefined),
  };
}

/** An EventBus that also records every event. */
export function recordingBus(): { bus: EventBus; seen: { name: EventName; payload: unknown }[] } {
  const bus = new EventBus();
  const seen: { name: EventName; payload: unknown }[] = [];
  for (const name of ["snapshot_taken", "recording_status_update", "camera_status_update"]) {
    bus.on(
      name as EventName,
      (p: EventMap[EventName]) => seen.push({ name: name as EventName, payload: p }),
    );
  }
  return { bus, seen };
}

/** Write a file of `size` bytes with the given modification time (seconds ago). */
export async function putFile(path: string, size: number, ageSeconds = 0): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, new Uint8Array(size).fill(7));
  const t = new Date(Date.now() - ageSeconds * 1000);
  await utimes(path, t, t);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a process with this pid exists and is not a zombie (dead, waiting for a reaper). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
