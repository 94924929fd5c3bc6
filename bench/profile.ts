/**
 * CPU profile of a server under load (what the benchmark tables cannot say: where the time
 * goes). `deno run -A bench/profile.ts [--server NAME] [--scenario ping|get_camera_list]
 * [--connections 100] [--duration 5] [--rounds 10] [--exe PATH]` (fanout: --connections 1000).
 * NAME is a substring of a server name in the tables (default "service (deno"; "executable" for
 * the single executable, dist/camera-service unless --exe says otherwise). Prints the top functions and source areas by self time.
 */
import process from "node:process";
import { parseFlags } from "../src/cli/types.ts";
import { makeFixture } from "./lib/fixture.ts";
import { loadgenRuntime } from "./lib/loadgen_proc.ts";
import { profileServer } from "./lib/profile_run.ts";
import { renderProfile } from "./lib/report.ts";
import { findExecutable, serverSpecs } from "./lib/servers.ts";

if (import.meta.main) {
  const { flags } = parseFlags(process.argv.slice(2), {
    strings: ["server", "scenario", "connections", "duration", "rounds", "exe"],
  });
  const fixture = await makeFixture();
  try {
    // The single executable too when built (dist/camera-service) or named with --exe.
    const exe = findExecutable(flags.exe ? String(flags.exe) : undefined);
    const specs = serverSpecs(fixture, Deno.execPath(), "path" in exe ? exe.path : undefined);
    const want = String(flags.server ?? "service (deno");
    const spec = specs.find((s) => s.name.includes(want));
    if (!spec) throw new Error(`no server matches ${want}: ${specs.map((s) => s.name).join(", ")}`);
    const rt = loadgenRuntime("node", Deno.execPath());
    const run = await profileServer(spec, rt, {
      scenario: String(flags.scenario ?? "ping"),
      connections: Number(flags.connections ?? 100),
      durationS: Number(flags.duration ?? 5),
      token: spec.kind === "service" ? fixture.token : undefined,
      extra: flags.scenario === "fanout"
        ? [
          "--rounds",
          String(flags.rounds ?? 10),
          ...(spec.broadcast
            ? ["--trigger-rpc", spec.broadcast]
            : ["--trigger-file", spec.triggerFile!]),
        ]
        : [],
    });
    console.log(renderProfile(run));
  } finally {
    fixture.cleanup();
  }
}
