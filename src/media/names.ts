/**
 * File names of the storage folders. Clients only ever give plain names (API.md); a name is
 * looked up inside its storage folder and its real path (symlinks resolved) must stay inside.
 *
 * Recordings live at `<recording.directory>/<path>/<segment>` (MediaMTX's recordPath). Their
 * public name is `<path>_<segment>`, e.g. `camera0_2026-11-29_18-20-00-123456.mp4`: plain,
 * unique across cameras, and mapped back by splitting at the first `_` (path names such as
 * `camera0` contain none).
 */
import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { fileNameProblem } from "../rpc/schema.ts";

/** Snapshot image formats. */
export type ImageFormat = "jpg" | "png";

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Format implied by a file name's extension, if any. */
export function formatFromName(name: string): ImageFormat | undefined {
  const m = IMAGE_EXT.exec(name);
  if (!m) return undefined;
  return m[1].toLowerCase() === "png" ? "png" : "jpg";
}

/** `name` with its image extension replaced (or added) so that it matches `format`. */
export function withImageExtension(name: string, format: ImageFormat): string {
  return `${name.replace(IMAGE_EXT, "")}.${format}`;
}

/** The n-th alternative of a name that exists already: `a.jpg` → `a_1.jpg`, `a_2.jpg`, ... */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}_${n}${name.slice(dot)}` : `${name}_${n}`;
}

/** `camera0_2026-11-29T18-20-00.123Z.jpg` (UTC, no colons so it is portable). */
export function generatedSnapshotName(camera: string, at: Date, format: ImageFormat): string {
  const ts = at.toISOString().replace(/:/g, "-");
  return `${camera}_${ts}.${format}`;
}

/** Public recording name of a segment file. */
export function recordingName(pathName: string, segment: string): string {
  return `${pathName}_${segment}`;
}

/** Split a public recording name into `[path, segment]`; null when it is not one. */
export function splitRecordingName(name: string): [string, string] | null {
  if (fileNameProblem(name)) return null;
  const i = name.indexOf("_");
  if (i <= 0 || i === name.length - 1) return null;
  const dir = name.slice(0, i), file = name.slice(i + 1);
  if (fileNameProblem(dir) || fileNameProblem(file)) return null;
  return [dir, file];
}

/** Where a looked-up name ended up. */
export type Resolved =
  | { kind: "file"; path: string }
  | { kind: "missing" }
  | { kind: "outside" };

/**
 * Resolve `parts` (plain names, already validated) below `root`: the real path must be a
 * regular file strictly inside the real root, so symlinks pointing elsewhere are refused.
 */
export async function resolveInside(root: string, parts: string[]): Promise<Resolved> {
  for (const p of parts) if (fileNameProblem(p)) return { kind: "outside" };
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return { kind: "missing" };
  }
  let real: string;
  try {
    real = await realpath(join(realRoot, ...parts));
  } catch {
    return { kind: "missing" };
  }
  if (!real.startsWith(realRoot + sep)) return { kind: "outside" };
  try {
    const st = await stat(real);
    return st.isFile() ? { kind: "file", path: real } : { kind: "missing" };
  } catch {
    return { kind: "missing" };
  }
}

/** Content-Type of a stored file by its extension. */
export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case "mp4":
    case "m4s":
      return "video/mp4";
    case "ts":
      return "video/mp2t";
    case "jpg":
    case "jpeg":
      return "image/jpeg";
    case "png":
      return "image/png";
    default:
      return "application/octet-stream";
  }
}
