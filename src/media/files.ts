/**
 * list / info / delete of recordings and snapshots. Names are plain names looked up only
 * inside their storage folder (see names.ts); results carry a signed `download_url`.
 */
import { rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Config } from "../config/types.ts";
import { invalidParams, invalidState, notFound, RpcError } from "../rpc/errors.ts";
import { fileNameProblem } from "../rpc/schema.ts";
import { imageSize } from "./image_size.ts";
import { resolveInside, splitRecordingName } from "./names.ts";
import { ffprobe, type MediaProber } from "./probe.ts";
import type { FileKind, UrlSigner } from "./signing.ts";
import { listFiles, listRecordings, listSegments, newestFirst, type StoredFile } from "./stored.ts";

/** Dependencies of {@link FileService}. */
export interface FileDeps {
  config: Pick<Config, "recording" | "snapshots" | "ffmpeg">;
  signer?: Pick<UrlSigner, "sign">;
  probe?: MediaProber;
  /** The recording service (or anything that knows which segments are being written). */
  recordings?: { isBeingWritten(device: string, mtimeMs: number): boolean };
}

/** One entry of list_recordings / list_snapshots (contract RecordingFile + extras). */
export interface FileEntry {
  filename: string;
  file_size: number;
  modified_time: string;
  created_time: string;
  download_url?: string;
  device?: string;
}

/** The contract's ListFilesResult. */
export interface FileList {
  files: FileEntry[];
  total: number;
  limit: number;
  offset: number;
}

/** A file found by name: where it is and its current stat (the listing's shape). */
export type FoundFile = StoredFile;

const resourceOf = (kind: FileKind) => (kind === "recordings" ? "recording" : "snapshot");

/** Lists, describes and deletes stored files. */
export class FileService {
  #probe: MediaProber;

  constructor(private readonly deps: FileDeps) {
    this.#probe = deps.probe ?? ffprobe(deps.config.ffmpeg.ffprobe_path);
  }

  /** Root folder of `kind`. */
  root(kind: FileKind): string {
    const c = this.deps.config;
    return resolve(kind === "recordings" ? c.recording.directory : c.snapshots.directory);
  }

  /** Every stored file of `kind`, newest first. */
  async all(kind: FileKind): Promise<StoredFile[]> {
    const files = kind === "recordings"
      ? await listRecordings(this.root(kind))
      : await listFiles(this.root(kind));
    return files.sort(newestFirst);
  }

  #entry(kind: FileKind, f: StoredFile | FoundFile): FileEntry {
    const e: FileEntry = {
      filename: f.name,
      file_size: f.size,
      modified_time: new Date(f.mtimeMs).toISOString(),
      created_time: new Date(f.birthtimeMs).toISOString(),
    };
    if (this.deps.signer) e.download_url = this.deps.signer.sign(kind, f.name);
    if (f.device) e.device = f.device;
    return e;
  }

  /** list_recordings / list_snapshots: newest first, paged. */
  async list(kind: FileKind, page: { limit: number; offset: number }): Promise<FileList> {
    const all = await this.all(kind);
    const files = all.slice(page.offset, page.offset + page.limit).map((f) => this.#entry(kind, f));
    return { files, total: all.length, limit: page.limit, offset: page.offset };
  }

  /**
   * Find `name` in the folder of `kind`. Bad names → -32602; unknown, or resolving outside
   * the folder (symlink) → -32010.
   */
  async find(kind: FileKind, name: string): Promise<FoundFile> {
    const problem = fileNameProblem(name);
    if (problem) throw invalidParams("filename", "filename", `filename ${problem}`);
    let parts = [name];
    if (kind === "recordings") {
      const split = splitRecordingName(name);
      if (!split) {
        throw invalidParams("filename", "filename", "filename must be <camera>_<segment file>");
      }
      parts = split;
    }
    const r = await resolveInside(this.root(kind), parts);
    if (r.kind !== "file") throw notFound(resourceOf(kind), name);
    const st = await stat(r.path).catch(() => null);
    if (!st) throw notFound(resourceOf(kind), name);
    return {
      name,
      path: r.path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      birthtimeMs: st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs,
      device: kind === "recordings" ? parts[0] : undefined,
    };
  }

  /**
   * Names of the recording files being written among `files`: the newest segment of each
   * camera that is recording now, and any segment modified in the last 5 seconds.
   */
  writing(files: StoredFile[], now = Date.now(), recentMs = 5000): Set<string> {
    const out = new Set<string>();
    const newest = new Map<string, StoredFile>();
    for (const f of files) {
      if (!f.device) continue;
      if (now - f.mtimeMs < recentMs) out.add(f.name);
      const n = newest.get(f.device);
      if (!n || f.name > n.name) newest.set(f.device, f);
    }
    for (const [device, f] of newest) {
      if (this.deps.recordings?.isBeingWritten(device, f.mtimeMs)) out.add(f.name);
    }
    return out;
  }

  /** Whether one recording file is being written (see {@link writing}). */
  async beingWritten(f: FoundFile, recentMs = 5000): Promise<boolean> {
    if (!f.device) return false;
    const now = Date.now();
    if (now - f.mtimeMs < recentMs) return true;
    const segs = await listSegments(this.root("recordings"), f.device);
    return this.writing(segs, now, recentMs).has(f.name);
  }

  /** get_recording_info: size, times, measured duration (ffprobe), codec and size of video. */
  async recordingInfo(name: string): Promise<Record<string, unknown>> {
    const f = await this.find("recordings", name);
    const out: Record<string, unknown> = { ...this.#entry("recordings", f) };
    out.recording = await this.beingWritten(f, 0); // part of an active recording
    try {
      const p = await this.#probe(f.path);
      if (p.duration !== null) {
        out.duration = Math.round(p.duration);
        out.duration_ms = Math.round(p.duration * 1000);
      }
      if (p.codec) out.codec = p.codec;
      if (p.width && p.height) out.resolution = `${p.width}x${p.height}`;
    } catch (e) {
      out.message = `duration not measured: ${
        e instanceof RpcError ? e.data?.detail : (e as Error).message
      }`;
    }
    return out;
  }

  /** get_snapshot_info: size, times, resolution read from the image header. */
  async snapshotInfo(name: string): Promise<Record<string, unknown>> {
    const f = await this.find("snapshots", name);
    const out: Record<string, unknown> = { ...this.#entry("snapshots", f) };
    const size = await imageSize(f.path).catch(() => null);
    if (size) {
      out.width = size.width;
      out.height = size.height;
      out.resolution = `${size.width}x${size.height}`;
      out.format = size.type === "png" ? "png" : "jpg";
    }
    return out;
  }

  /** delete_recording / delete_snapshot. A recording still being written → -32020. */
  async delete(
    kind: FileKind,
    name: string,
  ): Promise<{ filename: string; deleted: true; message: string; file_size: number }> {
    const f = await this.find(kind, name);
    if (kind === "recordings" && await this.beingWritten(f)) {
      throw invalidState("RECORDING", ["STOPPED"]);
    }
    await rm(f.path);
    return {
      filename: name,
      deleted: true,
      message: `${resourceOf(kind)} ${name} deleted (${f.size} bytes)`,
      file_size: f.size,
    };
  }
}
