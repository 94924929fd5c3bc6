/**
 * What `serve` loads before it listens: the static import graph of mod.ts plus the serve command.
 * Code only some paths need stays behind dynamic imports (measured at start: @peculiar/x509
 * ~100 ms and ~12 MB, the console bundle ~1.7 MB of strings; importing `yaml` and parsing the
 * default config with it 60–110 ms and ~9 MB, so the embedded default comes pre-parsed).
 */
import assert from "node:assert/strict";

interface Dep {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  dependencies?: Dep[];
}

const ROOT = new URL("../", import.meta.url);

async function staticGraph(entries: string[]): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = entries.map((e) => new URL(e, ROOT).href);
  while (todo.length) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) todo.push(d.code.specifier);
    }
  }
  return seen;
}

Deno.test("startup graph - serve loads no X.509 library, certificate generator or console bundle", async () => {
  const graph = await staticGraph(["mod.ts", "src/cli/serve_cmd.ts"]);
  assert.ok([...graph].some((s) => s.endsWith("/src/service.ts")), "the walk reaches the service");
  assert.ok([...graph].some((s) => s.includes("/node_modules/ws/")), "and its npm packages");
  const unwanted = [...graph].filter((s) =>
    /node_modules\/(@peculiar|reflect-metadata|ajv)\/|\/src\/tls\/generate\.ts$|\/src\/http\/console_assets\.ts$|\/src\/cli\/(cert|token|apikey|rpc|config)_cmd\.ts$/
      .test(s)
  );
  assert.deepEqual(unwanted, []);
});

Deno.test("startup graph - serve loads no YAML parser (the embedded default is pre-parsed)", async () => {
  const graph = await staticGraph(["mod.ts", "src/cli/serve_cmd.ts"]);
  assert.ok(
    [...graph].some((s) => s.endsWith("/src/config/load.ts")),
    "the walk reaches the loader",
  );
  assert.ok([...graph].some((s) => s.endsWith("/src/config/embedded.ts")), "and the default");
  const unwanted = [...graph].filter((s) =>
    /node_modules\/yaml\/|^npm:\/?yaml@|\/src\/config\/yaml\.ts$/.test(s)
  );
  assert.deepEqual(unwanted, []);
});

Deno.test("startup graph - serve imports jose's JWT entries only, not its root (JWE, JWK, keys)", async () => {
  const graph = await staticGraph(["mod.ts", "src/cli/serve_cmd.ts"]);
  const jose = [...graph].filter((s) => s.includes("/node_modules/jose/dist/webapi/"));
  assert.ok(jose.some((s) => s.endsWith("/jwt/verify.js")), "the walk reaches jose");
  // The root index.js re-exports every module: ~0.6 MB more RSS at idle under `deno run`.
  assert.deepEqual(
    jose.filter((s) => !/\/(jwt\/(sign|verify)|util\/decode_protected_header)\.js$/.test(s)),
    [],
  );
});

Deno.test("startup graph - serve's own code never calls into ICU (localeCompare, Intl, toLocale*)", async () => {
  const graph = await staticGraph(["mod.ts", "src/cli/serve_cmd.ts"]);
  const own = [...graph].filter((s) => s.startsWith(new URL("src/", ROOT).href));
  assert.ok(own.length > 50, "the walk reaches the service's modules");
  // The first such call loads ICU's data: measured +3.9 MB RSS and 16 ms under Node 20.
  const calls: string[] = [];
  for (const s of own) {
    const text = await Deno.readTextFile(new URL(s));
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ""); // comments may name them
    for (const m of code.matchAll(/\.localeCompare\(|\bIntl\.|\.toLocale\w*\(/g)) {
      calls.push(`${s.slice(ROOT.href.length)}: ${m[0]}`);
    }
  }
  assert.deepEqual(calls, []);
});
