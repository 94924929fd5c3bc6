/** Path helpers on node:path and node:url (both runtimes). */
import { fileURLToPath } from "node:url";
export { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** A file: URL to a path. */
export function fromFileUrl(url: string | URL): string {
  return fileURLToPath(url);
}
