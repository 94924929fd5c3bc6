/**
 * Profiles one server under load: restarts it with the V8 inspector on a free port, runs one
 * load generator pass while the sampling profiler records, and folds the result.
 */
import { inspectorUrl, profile, type ProfileSummary } from "./cpuprof.ts";
import { type LoadgenRuntime, runLoadgen } from "./loadgen_proc.ts";
import { type ServerSpec, startServer } from "./servers.ts";

/** The spec with `--inspect=127.0.0.1:0` added (deno: after `run`; node: first flag). */
export function withInspector(spec: ServerSpec): ServerSpec | null {
  return {
    ...spec,
    argv: (p) => {
      const argv = spec.argv(p);
      if (spec.runtime === "deno" && argv[1] === "run") {
        return [argv[0], "run", "--inspect=127.0.0.1:0", ...argv.slice(2)];
      }
      if (argv[0] === "node") return ["node", "--inspect=127.0.0.1:0", ...argv.slice(1)];
      // A Node single executable takes no runtime flags, nor --inspect in NODE_OPTIONS: profile
      // its bundle instead (node --inspect dist/camera-service.cjs, through --exe).
      return argv;
    },
  };
}

/** What one profiled pass measured. */
export interface ProfiledRun {
  server: string;
  scenario: string;
  connections: number;
  report: Record<string, unknown>;
  profile: ProfileSummary | null;
  error?: string;
}

/** Profiles `spec` while the load generator runs `scenario` at `connections`. */
export async function profileServer(
  spec: ServerSpec,
  rt: LoadgenRuntime,
  load: {
    scenario: string;
    connections: number;
    durationS: number;
    token?: string;
    /** More load generator flags (e.g. --rounds, --trigger-file for fanout). */
    extra?: string[];
  },
): Promise<ProfiledRun> {
  const base = { server: spec.name, scenario: load.scenario, connections: load.connections };
  const inspected = withInspector(spec);
  if (!inspected) return { ...base, report: {}, profile: null, error: "no inspector" };
  const server = await startServer(inspected);
  try {
    const url = inspectorUrl(server.output());
    if (!url) return { ...base, report: {}, profile: null, error: "inspector URL not printed" };
    let report: Record<string, unknown> = {};
    const summary = await profile(url, async () => {
      report = await runLoadgen(rt, [
        "--scenario",
        load.scenario,
        "--url",
        server.url,
        "--server-pid",
        String(server.pid),
        "--connections",
        String(load.connections),
        "--duration",
        String(load.durationS),
        "--warmup",
        "0.5",
        ...(load.token ? ["--token", load.token] : []),
        ...(load.extra ?? []),
      ]);
    });
    return { ...base, report, profile: summary };
  } finally {
    await server.stop();
  }
}
