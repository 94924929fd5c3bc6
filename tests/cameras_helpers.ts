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

/** Where {@link fakeV4l2}'s tool appends one line (its arguments) per run. */
export const fakeV4l2Calls = (root: string): string => `${root}/v4l2-ctl.calls`;

/**
 * Writes a fake v4l2-ctl into `root` and creates `root/dev` and `root/sys`. The fake device
 * file's content picks the behaviour: "capture" (UVC capture node), "noparm" (the same node
 * on a driver without VIDIOC_G_PARM), "metadata" (UVC metadata node), "fail" (cannot open),
 * "hang" (never answers). Like the real tool it prints the sections asked for in v4l2-ctl's
 * own order (driver info, current format, streaming parameters, format list), a failed
 * ioctl as "VIDIOC_X: failed: ..." on stdout with exit code 255, and it appends its arguments
 * to {@link fakeV4l2Calls} on each run.
 */
export async function fakeV4l2(root: string): Promise<void> {
  await Deno.mkdir(`${root}/dev`, { recursive: true });
  await Deno.mkdir(`${root}/sys`, { recursive: true });
  const script = `#!/bin/sh
F='${FIXTURES}'
echo "$*" >> '${fakeV4l2Calls(root)}'
info=""; list=""; fmt=""; parm=""; dev=""
while [ $# -gt 0 ]; do
  case "$1" in
    --info) info=1;;
    --list-formats-ext) list=1;;
    --get-fmt-video) fmt=1;;
    --get-parm) parm=1;;
    -d) shift; dev="$1";;
    *) echo "unexpected argument $1" >&2; exit 2;;
  esac
  shift
done
kind=$(cat "$dev" 2>/dev/null)
case "$kind" in
  hang) exec sleep 30;;
  capture|noparm) node=uvc-capture;;
  metadata) node=uvc-metadata;;
  *) printf 'Cannot open device %s, exiting.\\n' "$dev" >&2; exit 1;;
esac
rc=0
if [ -n "$info" ]; then cat "$F/$node-info.txt"; fi
if [ -n "$fmt" ]; then
  if [ "$kind" = metadata ]; then echo 'VIDIOC_G_FMT: failed: Invalid argument'; rc=255
  else cat "$F/uvc-capture-fmt.txt"; fi
fi
if [ -n "$parm" ]; then
  if [ "$kind" = capture ]; then cat "$F/uvc-capture-parm.txt"
  else echo 'VIDIOC_G_PARM: failed: Inappropriate ioctl for device'; rc=255; fi
fi
if [ -n "$list" ]; then cat "$F/$node-formats.txt"; fi
exit $rc
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

/** True while process `pid` exists (a harmless SIGCONT is delivered to it). */
export function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
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
