/**
 * CPU profile of a server process through its V8 inspector (Chrome DevTools Protocol), for
 * `deno run --inspect` and `node --inspect` alike: start the sampling profiler, run load, stop,
 * and fold the samples into self time per function and per source area.
 */
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** One line of a profile summary. */
export interface HotSpot {
  name: string;
  self_pct: number;
}

/** A folded profile: top functions and source areas by self time. */
export interface ProfileSummary {
  samples: number;
  functions: HotSpot[];
  areas: HotSpot[];
}

/** Finds the inspector WebSocket URL in a process's stderr text. */
export function inspectorUrl(output: string): string | null {
  return output.match(/Debugger listening on (ws:\/\/\S+)/)?.[1] ?? null;
}

/** Opens a CDP session; `send` resolves with the command's result. */
async function session(url: string) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)!(m.result);
      pending.delete(m.id);
    }
  });
  return {
    send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((res) => pending.set(id, res));
    },
    close: () => ws.close(),
  };
}

/** Area of a script URL: src/<dir>, a package name, node internals, or the runtime. */
export function areaOf(url: string): string {
  if (!url) return "(runtime / native)";
  const src = url.match(/\/src\/([^/]+)\//);
  if (src) return `src/${src[1]}`;
  const pkg = url.match(/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return `npm:${pkg[1]}`;
  if (url.startsWith("node:") || url.includes("ext:deno_node") || url.startsWith("internal/")) {
    return "node: built-ins (runtime)";
  }
  if (url.startsWith("ext:")) return "deno runtime (ext:)";
  return url.replace(/^file:\/\/.*\//, "");
}

/** Profiles while `during` runs; returns the top `top` functions and areas by self time. */
export async function profile(
  url: string,
  during: () => Promise<unknown>,
  top = 15,
): Promise<ProfileSummary> {
  const s = await session(url);
  await s.send("Profiler.enable");
  await s.send("Profiler.setSamplingInterval", { interval: 200 });
  await s.send("Profiler.start");
  let failure: unknown = null;
  try {
    await during();
  } catch (e) {
    failure = e;
  }
  const res = await s.send("Profiler.stop") as { profile: { nodes: ProfileNode[] } };
  s.close();
  if (failure !== null) throw failure;
  return fold(res.profile.nodes, top);
}

function fold(nodes: ProfileNode[], top: number): ProfileSummary {
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    total += hits;
    const f = n.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${f.lineNumber + 1}`
      : "";
    const name = `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    byFn.set(name, (byFn.get(name) ?? 0) + hits);
    const area = f.functionName === "(idle)" ? "(idle)" : areaOf(f.url);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, h]) => ({
      name,
      self_pct: Math.round((h / Math.max(total, 1)) * 1000) / 10,
    }));
  return { samples: total, functions: rank(byFn), areas: rank(byArea) };
}
