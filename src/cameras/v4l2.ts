/**
 * Parsers for `v4l2-ctl` (v4l-utils 1.22) text output: `--info`, `--list-formats-ext`,
 * `--get-fmt-video` and `--get-parm`, alone or all from one run ({@link splitSections}).
 * Pure functions; fixtures in tests/fixtures/v4l2/.
 */

/**
 * The sections of one `v4l2-ctl --info --list-formats-ext --get-fmt-video --get-parm` run.
 * A section is null when the output does not hold it (its query failed or was not asked for).
 */
export interface V4l2Sections {
  /** "Driver Info:" block (without the media controller blocks that follow it). */
  info: string | null;
  /** "Format Video Capture:" block (`--get-fmt-video`). */
  format: string | null;
  /** "Streaming Parameters Video Capture:" block (`--get-parm`). */
  parm: string | null;
  /** "ioctl: VIDIOC_ENUM_FMT" block (`--list-formats-ext`). */
  formats: string | null;
  /** Failed ioctls as v4l2-ctl reports them, e.g. "VIDIOC_G_PARM: failed: Inappropriate ioctl". */
  failed: string[];
}

/** Section headers start a line at column 0; their content lines are indented. */
const HEADERS: [keyof Omit<V4l2Sections, "failed">, RegExp][] = [
  ["info", /^Driver Info\b.*:$/],
  ["format", /^Format Video Capture( Multiplanar)?:$/],
  ["parm", /^Streaming Parameters Video Capture( Multiplanar)?:$/],
  ["formats", /^ioctl: VIDIOC_ENUM_FMT$/],
];

/**
 * Splits the stdout of one combined v4l2-ctl run into its sections. v4l2-ctl prints them in
 * its own order (driver info, current format, streaming parameters, format list), whatever
 * the order of the flags; this split does not depend on the order. Other top-level blocks
 * (Media Driver Info, Interface Info, Entity Info, anything unknown) are dropped.
 */
export function splitSections(text: string): V4l2Sections {
  const out: V4l2Sections = { info: null, format: null, parm: null, formats: null, failed: [] };
  let current: keyof Omit<V4l2Sections, "failed"> | null = null;
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // the newline that ends the last line
  for (const raw of lines) {
    const line = raw.replace(/\r$/, "");
    if (line !== "" && !/^\s/.test(line)) {
      current = HEADERS.find(([, re]) => re.test(line.trimEnd()))?.[0] ?? null;
      if (current) out[current] = (out[current] ?? "") + line + "\n";
      else if (/^VIDIOC_\w+: failed: /.test(line)) out.failed.push(line.trim());
      continue;
    }
    if (current) out[current] += line + "\n";
  }
  return out;
}

/** What `v4l2-ctl --info` says about one device node. */
export interface V4l2Info {
  driver: string;
  /** "Card type" (the product name). */
  card: string;
  busInfo: string;
  /** Capability names of this node ("Device Caps"), e.g. "Video Capture", "Metadata Capture". */
  deviceCaps: string[];
  /** True when the node can capture video (single- or multi-planar). */
  videoCapture: boolean;
}

/** One frame size and the frame rates it offers. */
export interface V4l2Size {
  width: number;
  height: number;
  /** Frames per second, highest first (discrete intervals; for ranges: the bounds). */
  fps: number[];
}

/** One pixel format from `--list-formats-ext`. */
export interface V4l2Format {
  /** FourCC, e.g. YUYV, MJPG, H264. */
  fourcc: string;
  description: string;
  sizes: V4l2Size[];
}

/** The current capture format (`--get-fmt-video`) and frame rate (`--get-parm`). */
export interface V4l2Current {
  width?: number;
  height?: number;
  fourcc?: string;
  fps?: number;
}

const field = (text: string, label: string): string => {
  const re = new RegExp(`^\\s*${label}\\s*:\\s*(.*?)\\s*$`, "m");
  return re.exec(text)?.[1] ?? "";
};

/** Parses `v4l2-ctl --info`. Only the "Driver Info" block is read (media blocks repeat names). */
export function parseInfo(text: string): V4l2Info {
  const start = text.indexOf("Driver Info:");
  const endMedia = text.indexOf("\nMedia Driver Info:");
  const block = start < 0 ? text : text.slice(start, endMedia > start ? endMedia : undefined);
  const lines = block.split("\n");
  const listAfter = (label: RegExp): string[] | null => {
    const at = lines.findIndex((l) => label.test(l));
    if (at < 0) return null;
    const indent = /^(\s*)/.exec(lines[at])![1].length;
    const out: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (!l.trim() || /^(\s*)/.exec(l)![1].length <= indent || l.includes(":")) break;
      out.push(l.trim());
    }
    return out;
  };
  // Old drivers without a Device Caps line: fall back to the driver's Capabilities list.
  const deviceCaps = listAfter(/^\s*Device Caps\s*:/) ??
    (listAfter(/^\s*Capabilities\s*:/) ?? []).filter((c) => c !== "Device Capabilities");
  return {
    driver: field(block, "Driver name"),
    card: field(block, "Card type"),
    busInfo: field(block, "Bus info"),
    deviceCaps,
    videoCapture: deviceCaps.some((c) =>
      c === "Video Capture" || c === "Video Capture Multiplanar"
    ),
  };
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Parses `v4l2-ctl --list-formats-ext` (discrete, stepwise and continuous sizes/intervals). */
export function parseFormats(text: string): V4l2Format[] {
  const formats: V4l2Format[] = [];
  let fmt: V4l2Format | null = null;
  let size: V4l2Size | null = null;
  for (const line of text.split("\n")) {
    const f = /^\s*\[\d+\]:\s*'([^']*)'\s*\((.*)\)\s*$/.exec(line);
    if (f) {
      fmt = { fourcc: f[1].trim(), description: f[2], sizes: [] };
      formats.push(fmt);
      size = null;
      continue;
    }
    const s = /^\s*Size:\s*(Discrete|Stepwise|Continuous)\s+(\d+)x(\d+)(?:\s*-\s*(\d+)x(\d+))?/
      .exec(line);
    if (s && fmt) {
      // For a range, the largest size is the useful one to offer.
      const w = Number(s[4] ?? s[2]);
      const h = Number(s[5] ?? s[3]);
      size = { width: w, height: h, fps: [] };
      fmt.sizes.push(size);
      continue;
    }
    const i = /^\s*Interval:\s*(\w+)\s.*\(([\d.]+)(?:-([\d.]+))?\s*fps\)/.exec(line);
    if (i && size) {
      for (const v of [i[3], i[2]]) {
        if (v === undefined) continue;
        const fps = round3(Number(v));
        if (fps > 0 && !size.fps.includes(fps)) size.fps.push(fps);
      }
      size.fps.sort((a, b) => b - a);
    }
  }
  return formats;
}

/** Parses `v4l2-ctl --get-fmt-video --get-parm` (either or both sections). */
export function parseCurrent(text: string): V4l2Current {
  const out: V4l2Current = {};
  const wh = /Width\/Height\s*:\s*(\d+)\/(\d+)/.exec(text);
  if (wh) {
    out.width = Number(wh[1]);
    out.height = Number(wh[2]);
  }
  const pf = /Pixel Format\s*:\s*'([^']*)'/.exec(text);
  if (pf) out.fourcc = pf[1].trim();
  const fps = /Frames per second\s*:\s*([\d.]+)/.exec(text);
  if (fps && Number(fps[1]) > 0) out.fps = round3(Number(fps[1]));
  return out;
}

/** The client-facing capability summary (contract `CameraCapabilities` fields). */
export interface CapabilitySummary {
  /** FourCCs, in device order. */
  formats: string[];
  /** "WxH", largest first, unique over all formats. */
  resolutions: string[];
  /** Whole frame rates, highest first, unique over all formats and sizes. */
  fps_options: number[];
}

/** Folds parsed formats into the lists clients see. */
export function summarize(formats: V4l2Format[]): CapabilitySummary {
  const sizes = new Map<string, number>();
  const fps = new Set<number>();
  for (const f of formats) {
    for (const s of f.sizes) {
      sizes.set(`${s.width}x${s.height}`, s.width * s.height);
      for (const r of s.fps) {
        // The contract's fps_options are integers: fractional rates (7.5) are left out.
        if (Math.round(r) > 0 && Math.abs(r - Math.round(r)) < 0.01) fps.add(Math.round(r));
      }
    }
  }
  return {
    formats: formats.map((f) => f.fourcc),
    resolutions: [...sizes.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k),
    fps_options: [...fps].sort((a, b) => b - a),
  };
}
