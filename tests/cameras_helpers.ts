/** Shared helpers of the cameras_*_test.ts files: config, fake v4l2-ctl, contract validation. */
import { CONTRACT_FILE } from "./support/shared.ts";
import { Ajv } from "ajv";
import { defaultConfig } from "../src/config/defaults.ts";
import type { Config } from "../src/config/types.ts";

export const FIXTURES = new URL("./fixtures/v4l2/", import.meta.url).pathname;

/** A default config pointed at a temp device root (no poll unless asked). */
export function testConfig(root: string, patch: (c: Config) => void = () => {}): Config {
  const c = defaultConfig();
  c.camera.device_dir = `${root}/dev`;
  c.camera.sysfs_dir = `${root}/sys`;
  c.camera.v4l2ctl_path = `${root}/v4l2-ctl`;
  c.camera.poll_interval = 0;
  c.camera.probe_timeout = 2;
  c.server.public_host = "box.example";
  c.mediamtx.host = "127.0.0.1";
  patch(c);
  return c;
}

/**
 * Writes a fake v4l2-ctl into `root` and creates `root/dev` and `root/sys`. The fake device
 * file's content picks the behaviour: "capture" (UVC capture node), "metadata" (UVC
 * metadata node), "fail" (cannot open), "hang" (never answers).
 */
export async function fakeV4l2(root: string): Promise<void> {
  await Deno.mkdir(`${root}/dev`, { recursive: true });
  await Deno.mkdir(`${root}/sys`, { recursive: true });
  const script = `#!/bin/sh
F='${FIXTURES}'
mode=""; dev=""
while [ $# -gt 0 ]; do
  case "$1" in
    --info) mode=info;;
    --list-formats-ext) mode=formats;;
    --get-fmt-video) mode=current;;
    -d) shift; dev="$1";;
  esac
  shift
done
kind=$(cat "$dev" 2>/dev/null)
case "$kind" in
  hang) exec sleep 30;;
  fail|"") printf 'Cannot open device %s, exiting.\\n' "$dev" >&2; exit 1;;
esac
case "$mode:$kind" in
  info:capture) cat "$F/uvc-capture-info.txt";;
  info:metadata) cat "$F/uvc-metadata-info.txt";;
  formats:capture) cat "$F/uvc-capture-formats.txt";;
  formats:metadata) cat "$F/uvc-metadata-formats.txt";;
  current:capture) cat "$F/uvc-capture-fmt-parm.txt";;
  *) echo "unexpected $mode $kind" >&2; exit 2;;
esac
`;
  await Deno.writeTextFile(`${root}/v4l2-ctl`, script, { mode: 0o755 });
}

/** Resolves when `check()` is true, or rejects after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Json = Record<string, unknown>;
const contract = JSON.parse(
  await Deno.readTextFile(CONTRACT_FILE),
) as { methods: Json[]; components: { schemas: Json } };

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat("date-time", {
  validate: (s: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s),
});
ajv.addSchema({ $id: "contract", components: contract.components });

/** Validates `value` against the contract's result schema of `methodName`; throws on mismatch. */
export function assertContractResult(methodName: string, value: unknown): void {
  const m = contract.methods.find((x) => x.name === methodName);
  if (!m) throw new Error(`no method ${methodName} in the contract`);
  const schema = JSON.parse(
    JSON.stringify((m.result as Json).schema).replaceAll(
      '"#/components/',
      '"contract#/components/',
    ),
  );
  const validate = ajv.compile(schema);
  if (!validate(JSON.parse(JSON.stringify(value)))) {
    throw new Error(
      `${methodName} result does not match the contract: ${ajv.errorsText(validate.errors)}\n` +
        JSON.stringify(value, null, 2),
    );
  }
}
