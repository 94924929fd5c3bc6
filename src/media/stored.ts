/**
 * Listing the storage folders. Only regular files count (symlinks and hidden temp files are
 * skipped). Recordings are the segment files `<root>/<path>/<segment>`, named `<path>_<segment>`.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileNameProblem } from "../rpc/schema.ts";
import { recordingName } from "./names.ts";

/** A file in a storage folder. */
export interface StoredFile {
  /** Public (plain) name. */
  name: string;
  /** Absolute path on disk. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Creation time when the file system reports one, else the modification time. */
  birthtimeMs: number;
  /** Recordings: the MediaMTX path (camera id) the segment belongs to. */
  device?: string;
}

async function entries(dir: string): Promise<{ name: string; isFile: boolean; isDir: boolean }[]> {
  try {
    const list = await readdir(dir, { withFileTypes: true });
    return list.map((d) => ({ name: d.name, isFile: d.isFile(), isDir: d.isDirectory() }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** Regular, non-hidden files directly in `dir`, with their public name. */
export async function listFiles(
  dir: string,
  publicName: (file: string) => string = (f) => f,
): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  for (const e of await entries(dir)) {
    if (!e.isFile || fileNameProblem(e.name)) continue;
    const path = join(dir, e.name);
    try {
      const st = await lstat(path);
      if (!st.isFile()) continue;
      out.push({
        name: publicName(e.name),
        path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        birthtimeMs: st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs,
      });
    } catch { /* deleted meanwhile */ }
  }
  return out;
}

/** Segment files of one path (camera) folder. */
export async function listSegments(root: string, device: string): Promise<StoredFile[]> {
  const files = await listFiles(join(root, device), (f) => recordingName(device, f));
  for (const f of files) f.device = device;
  return files;
}

/** Every recording segment under `root` (path folders without `_` in their name). */
export async function listRecordings(root: string): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  for (const e of await entries(root)) {
    if (!e.isDir || e.name.includes("_") || fileNameProblem(e.name)) continue;
    out.push(...await listSegments(root, e.name));
  }
  return out;
}

/** Newest first (modification time, then name). */
export function newestFirst(a: StoredFile, b: StoredFile): number {
  return b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}
