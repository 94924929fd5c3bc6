/** YAML parsing with file/line positions for syntax errors and for later validation messages. */
import { isNode, LineCounter, parseDocument } from "yaml";
import type { ConfigProblem } from "./errors.ts";

/** A parsed config document. */
export interface ParsedYaml {
  /** The plain JS value (undefined for an empty document). */
  value: unknown;
  /** Syntax errors, each naming the file, line and column. */
  problems: ConfigProblem[];
  /** "FILE line N" for the value at a dotted key path (e.g. "camera.sources[1].id"), if present. */
  originOf(path: string): string | undefined;
}

/** Parse YAML text; `name` (file path) is used in messages. Never throws. */
export function parseYaml(text: string, name: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problems: ConfigProblem[] = doc.errors.map((e) => {
    const { line, col } = at(e.pos[0]);
    const message = e.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    return { path: "", message: `${name}:${line}:${col}: YAML syntax error: ${message}` };
  });
  let value: unknown;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      problems.push({ path: "", message: `${name}: ${(e as Error).message}` });
    }
  }
  const originOf = (path: string): string | undefined => {
    if (!path) return undefined;
    const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "").map((k) =>
      /^\d+$/.test(k) ? Number(k) : k
    );
    let node: unknown;
    try {
      node = doc.getIn(keys, true);
    } catch {
      return undefined;
    }
    if (!isNode(node) || !node.range) return undefined;
    return `${name} line ${at(node.range[0]).line}`;
  };
  return { value, problems, originOf };
}
