/**
 * Fault helpers for the hardening suite: fake ffmpeg scripts (hanging, or the real ffmpeg on a
 * lavfi source writing to the output the service asked for), a size-limited tmpfs, and a check
 * that processes are gone.
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Write an executable shell script; returns its path. */
export async function script(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/**
 * A fake ffmpeg that never produces anything: records its pid and its child's pid in
 * `<dir>/pids` and sleeps (with `ignoreTerm`, SIGTERM is ignored by it and its child too).
 */
export function hangingFfmpeg(dir: string, ignoreTerm: boolean): Promise<string> {
  return script(
    dir,
    ignoreTerm ? "ffmpeg-stubborn" : "ffmpeg-hang",
    `${ignoreTerm ? "trap '' TERM\n" : ""}sleep 300 &\necho "$$ $!" > "${dir}/pids"\nwait`,
  );
}

/**
 * A fake ffmpeg that runs the real one on a lavfi test source instead of the camera's RTSP URL
 * and writes to the output path the service gave (the last argument), in the format it asked.
 */
export function lavfiFfmpeg(dir: string, size: string): Promise<string> {
  return script(
    dir,
    `ffmpeg-lavfi-${size}`,
    `for last in "$@"; do :; done
case "$*" in *"-c:v png"*) codec=png ;; *) codec=mjpeg ;; esac
exec ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i "testsrc2=size=${size}" \\
  -frames:v 1 -c:v $codec -f image2 -update 1 -y "$last"`,
  );
}

/** Whether a process is gone (no such pid, or a zombie nobody reaped yet). */
export async function processGone(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return /^State:\s+Z/m.test(status);
  } catch {
    return true;
  }
}

/** A mounted tmpfs of `sizeKb`; null (with a loud warning) when mounting is not possible. */
export async function tinyTmpfs(
  sizeKb: number,
): Promise<{ dir: string; unmount(): Promise<void> } | null> {
  const dir = await mkdtemp(join(tmpdir(), "hardening-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0700`, "tmpfs", dir], {
      stdio: "pipe",
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    console.warn(
      `\n*** SKIPPING the real disk-full cases: cannot mount a tmpfs (${
        String((e as Error).message).split("\n")[0]
      }); run as root ***\n`,
    );
    return null;
  }
  return {
    dir,
    unmount: async () => {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch { /* already gone */ }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
