/** Roles, permissions and the method permission matrix (shared/API.md). */
import type { Role } from "../config/types.ts";

export type { Role };
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export const PERMISSIONS: Record<Role, string[]> = {
  viewer: ["view"],
  operator: ["view", "control"],
  admin: ["view", "control", "admin"],
};

/** Whether `have` is at least `need` (viewer < operator < admin). */
export function roleAtLeast(have: Role | null | undefined, need: Role): boolean {
  return have != null && RANK[have] >= RANK[need];
}

export function isRole(v: unknown): v is Role {
  return v === "viewer" || v === "operator" || v === "admin";
}

/** Every contract method and the role it needs; null = no authentication needed. */
export const METHOD_ROLES: Readonly<Record<string, Role | null>> = {
  ping: null,
  authenticate: null,
  // viewer
  get_camera_list: "viewer",
  get_camera_status: "viewer",
  get_camera_capabilities: "viewer",
  list_recordings: "viewer",
  list_snapshots: "viewer",
  get_recording_info: "viewer",
  get_snapshot_info: "viewer",
  get_stream_url: "viewer",
  get_stream_status: "viewer",
  get_streams: "viewer",
  get_server_info: "viewer",
  get_system_status: "viewer",
  subscribe_events: "viewer",
  unsubscribe_events: "viewer",
  get_subscription_stats: "viewer",
  get_external_streams: "viewer",
  // operator
  take_snapshot: "operator",
  start_recording: "operator",
  stop_recording: "operator",
  start_streaming: "operator",
  stop_streaming: "operator",
  discover_external_streams: "operator",
  add_external_stream: "operator",
  remove_external_stream: "operator",
  // admin
  delete_recording: "admin",
  delete_snapshot: "admin",
  get_metrics: "admin",
  get_status: "admin",
  get_storage_info: "admin",
  set_retention_policy: "admin",
  cleanup_old_files: "admin",
  set_discovery_interval: "admin",
};
