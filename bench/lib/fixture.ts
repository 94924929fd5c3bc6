/**
 * The bench's temporary world: a certificate for the bare baselines, a device folder with
 * 16 fake V4L2 nodes (video0..video15) and a fake `v4l2-ctl` that answers like a UVC camera,
 * a data dir, a JWT secret and a viewer token signed with the service's own signer.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/auth/jwt.ts";
import { type BenchCert, makeBenchCert } from "./certs.ts";

/** Paths and secrets of one bench run. */
export interface Fixture {
  root: string;
  cert: BenchCert;
  sysfsDir: string;
  v4l2ctl: string;
  jwtSecret: string;
  token: string;
  cleanup(): void;
}

/** Number of fake cameras get_camera_list sees. */
export const CAMERAS = 16;

/**
 * Fake v4l2-ctl for the bench: answers like a UVC webcam for any device path. Like the real
 * tool it prints the sections asked for in its own order (driver info, current format,
 * streaming parameters, format list), so the prober's one combined call gets all four.
 */
const FAKE_V4L2CTL = `#!/bin/sh
info=""; list=""; fmt=""; parm=""
for a in "$@"; do
  case "$a" in
    --info) info=1;;
    --list-formats-ext) list=1;;
    --get-fmt-video) fmt=1;;
    --get-parm) parm=1;;
  esac
done
if [ -n "$info" ]; then cat <<'X'
Driver Info:
	Driver name      : uvcvideo
	Card type        : Bench Camera
	Bus info         : usb-0000:00:14.0-1
	Driver version   : 6.1.0
	Capabilities     : 0x84a00001
		Video Capture
		Streaming
		Extended Pix Format
		Device Capabilities
	Device Caps      : 0x04200001
		Video Capture
		Streaming
		Extended Pix Format
X
fi
if [ -n "$fmt" ]; then cat <<'X'
Format Video Capture:
	Width/Height      : 1280/720
	Pixel Format      : 'MJPG' (Motion-JPEG)
X
fi
if [ -n "$parm" ]; then cat <<'X'
Streaming Parameters Video Capture:
	Frames per second: 30.000 (30/1)
X
fi
if [ -n "$list" ]; then cat <<'X'
ioctl: VIDIOC_ENUM_FMT
	Type: Video Capture

	[0]: 'MJPG' (Motion-JPEG, compressed)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
	[1]: 'YUYV' (YUYV 4:2:2)
		Size: Discrete 640x480
			Interval: Discrete 0.033s (30.000 fps)
X
fi
exit 0
`;

/** Creates the fixture under a new temp dir. Call `cleanup()` when done. */
export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), "camera-bench-"));
  const certDir = join(root, "cert");
  const sysfsDir = join(root, "sysfs");
  for (const d of [certDir, sysfsDir]) mkdirSync(d);
  const v4l2ctl = join(root, "v4l2-ctl");
  writeFileSync(v4l2ctl, FAKE_V4L2CTL);
  chmodSync(v4l2ctl, 0o755);
  const jwtSecret = crypto.getRandomValues(new Uint8Array(32)).reduce(
    (s, b) => s + b.toString(16).padStart(2, "0"),
    "",
  );
  const token = await signToken({
    secret: jwtSecret,
    user_id: "bench",
    role: "viewer",
    ttlSeconds: 3 * 3600,
  });
  return {
    root,
    cert: makeBenchCert(certDir),
    sysfsDir,
    v4l2ctl,
    jwtSecret,
    token,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * A device folder of its own for one service instance, with video0..video15, and the file
 * fan-out toggles (video20, inside the configured range, absent at start).
 */
export function deviceDir(f: Fixture, name: string): { dir: string; triggerFile: string } {
  const dir = join(f.root, `dev-${name}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < CAMERAS; i++) writeFileSync(join(dir, `video${i}`), "");
  return { dir, triggerFile: join(dir, `video${CAMERAS + 4}`) };
}

/** The service's environment for a bench run: every port and path under the fixture. */
export function serviceEnv(f: Fixture, name: string, ports: { ws: number; health: number }) {
  const dataDir = join(f.root, `data-${name}`);
  mkdirSync(dataDir, { recursive: true });
  return {
    CAMERA_SERVICE_DATA_DIR: dataDir,
    CAMERA_SERVICE_JWT_SECRET: f.jwtSecret,
    CAMERA_SERVICE_LOG_LEVEL: "warn",
    CAMERA_SERVICE_SERVER_HOST: "127.0.0.1",
    CAMERA_SERVICE_SERVER_PORT: String(ports.ws),
    CAMERA_SERVICE_HEALTH_HOST: "127.0.0.1",
    CAMERA_SERVICE_HEALTH_PORT: String(ports.health),
    // The bench measures throughput, not the per-connection limiter or the connection cap.
    CAMERA_SERVICE_SERVER_RATE_LIMIT_RPS: "1000000",
    CAMERA_SERVICE_SERVER_RATE_LIMIT_BURST: "1000000",
    CAMERA_SERVICE_SERVER_MAX_CONNECTIONS: "5000",
    CAMERA_SERVICE_CAMERA_DEVICE_DIR: deviceDir(f, name).dir,
    CAMERA_SERVICE_CAMERA_SYSFS_DIR: f.sysfsDir,
    CAMERA_SERVICE_CAMERA_DEVICE_RANGE: `0,${CAMERAS + 15}`,
    CAMERA_SERVICE_CAMERA_V4L2CTL_PATH: f.v4l2ctl,
    // MediaMTX is absent: a closed local port (the service runs degraded, as in production
    // when MediaMTX is down).
    CAMERA_SERVICE_MEDIAMTX_API_PORT: "39997",
  };
}
