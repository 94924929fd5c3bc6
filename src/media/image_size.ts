/**
 * Image dimensions read from the file header itself: PNG IHDR, JPEG SOFn. Cheap (reads only
 * the head of the file) and exact; no decoder involved.
 */
import { open } from "node:fs/promises";

/** Width, height and container of an image. */
export interface ImageSize {
  width: number;
  height: number;
  type: "jpeg" | "png";
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Dimensions from a buffer holding the start of a PNG or JPEG file; null when not found. */
export function imageSizeFromBytes(b: Uint8Array): ImageSize | null {
  if (b.length >= 24 && PNG_SIG.every((v, i) => b[i] === v)) {
    // Chunk length (4) + "IHDR" (4) + width (4, BE) + height (4, BE).
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const isIhdr = String.fromCharCode(b[12], b[13], b[14], b[15]) === "IHDR";
    if (!isIhdr) return null;
    return { width: dv.getUint32(16), height: dv.getUint32(20), type: "png" };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  return null;
}

function jpegSize(b: Uint8Array): ImageSize | null {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i++;
      continue;
    }
    // Standalone markers without a length: TEM, RSTn, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // EOI / SOS before any SOF
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof) {
      if (i + 9 > b.length) return null;
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      return { width, height, type: "jpeg" };
    }
    i += 2 + len;
  }
  return null;
}

/** Dimensions of the image file at `path` (reads at most `maxBytes` of its head). */
export async function imageSize(path: string, maxBytes = 1 << 20): Promise<ImageSize | null> {
  const fh = await open(path, "r");
  try {
    let size = 64 * 1024;
    while (true) {
      const buf = new Uint8Array(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      const found = imageSizeFromBytes(buf.subarray(0, bytesRead));
      if (found || bytesRead < size || size >= maxBytes) return found;
      size = Math.min(size * 4, maxBytes);
    }
  } finally {
    await fh.close();
  }
}
