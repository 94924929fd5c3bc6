/**
 * Hash of everything that goes into the executable, so a build can be skipped when nothing
 * changed (`--if-changed`; the compile test uses it to stay fast).
 */
import { join, relative } from "node:path";

const EXTENSIONS = [".ts", ".js", ".json", ".yaml", ".yml", ".txt", ".pem"];

async function walk(dir: string, files: string[]): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return; // a missing folder contributes nothing
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) await walk(p, files);
    else if (e.isFile && EXTENSIONS.some((x) => e.name.endsWith(x))) files.push(p);
  }
}

/** SHA-256 (hex) over the sources (`src/`, `config/`, `compile/`, mod.ts, package files) and `extra`. */
export async function sourceHash(root: string, extra: string[]): Promise<string> {
  const files: string[] = [];
  for (const d of ["src", "config", "compile"]) await walk(join(root, d), files);
  for (const f of ["mod.ts", "package.json", "package-lock.json", "deno.json"]) {
    files.push(join(root, f));
  }
  files.sort();
  const parts: string[] = [...extra];
  for (const f of files) {
    let content: Uint8Array<ArrayBuffer>;
    try {
      content = await Deno.readFile(f);
    } catch {
      continue;
    }
    const digest = await crypto.subtle.digest("SHA-256", content);
    parts.push(`${relative(root, f)}:${hex(digest)}`);
  }
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n"))));
}

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
