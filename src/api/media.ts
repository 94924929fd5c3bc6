/**
 * Media methods: take_snapshot, start_recording, stop_recording, list_recordings,
 * list_snapshots, get_recording_info, get_snapshot_info, delete_recording, delete_snapshot,
 * get_storage_info, set_retention_policy, cleanup_old_files. Roles are checked by the engine.
 */
import type { FileService } from "../media/files.ts";
import type { RecordingService } from "../media/recordings.ts";
import type { RetentionService } from "../media/retention.ts";
import type { SnapshotService } from "../media/snapshots.ts";
import type { StorageInfo } from "../media/storage.ts";
import {
  boolean,
  deviceId,
  enumOf,
  integer,
  number,
  object,
  optional,
  type Schema,
  string,
} from "../rpc/schema.ts";
import { method, type MethodDef } from "./types.ts";

/** Dependencies of {@link mediaMethods}. */
export interface MediaApiDeps {
  snapshots: Pick<SnapshotService, "take">;
  recordings: Pick<RecordingService, "start" | "stop">;
  files: Pick<FileService, "list" | "recordingInfo" | "snapshotInfo" | "delete">;
  retention: Pick<RetentionService, "set" | "cleanup">;
  /** get_storage_info (e.g. `() => storageInfo({config, files})`). */
  storage: () => Promise<StorageInfo>;
}

/** Optional, and `null` counts as absent (the contract marks these `nullable`). */
export function nullable<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    kind: inner.kind,
    optional: true,
    parse: (v, p) => (v === undefined || v === null ? undefined : inner.parse(v, p)),
  };
}

const page = object({
  limit: optional(integer({ min: 1, max: 1000 }), 50),
  offset: optional(integer({ min: 0 }), 0),
});
const fileParam = object({ filename: string({ min: 1, max: 1024 }) });

/** The media method group. */
export function mediaMethods(deps: MediaApiDeps): MethodDef[] {
  return [
    method(
      "take_snapshot",
      object({
        device: deviceId(),
        filename: nullable(string()),
        format: nullable(enumOf(["jpg", "png"] as const)),
        quality: nullable(integer({ min: 1, max: 100 })),
      }),
      ({ device, filename, format, quality }) =>
        deps.snapshots.take(device, { filename, format, quality }),
    ),
    method(
      "start_recording",
      object({
        device: deviceId(),
        duration: nullable(number({ min: 0 })),
        format: nullable(string({ max: 16 })),
      }),
      ({ device, duration, format }) => deps.recordings.start(device, { duration, format }),
    ),
    method(
      "stop_recording",
      object({ device: deviceId() }),
      ({ device }) => deps.recordings.stop(device),
    ),
    method("list_recordings", page, (p) => deps.files.list("recordings", p)),
    method("list_snapshots", page, (p) => deps.files.list("snapshots", p)),
    method("get_recording_info", fileParam, ({ filename }) => deps.files.recordingInfo(filename)),
    method("get_snapshot_info", fileParam, ({ filename }) => deps.files.snapshotInfo(filename)),
    method(
      "delete_recording",
      fileParam,
      ({ filename }) => deps.files.delete("recordings", filename),
    ),
    method(
      "delete_snapshot",
      fileParam,
      ({ filename }) => deps.files.delete("snapshots", filename),
    ),
    method("get_storage_info", object({}), () => deps.storage()),
    method(
      "set_retention_policy",
      object({
        policy_type: enumOf(["age", "size", "manual"] as const),
        enabled: optional(boolean()),
        max_age_days: nullable(integer({ min: 1, max: 36500 })),
        max_size_gb: nullable(number({ min: 0.001, max: 1_000_000 })),
      }),
      (p) => deps.retention.set(p),
    ),
    method("cleanup_old_files", object({}), () => deps.retention.cleanup()),
  ];
}
