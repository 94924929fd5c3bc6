/**
 * The camera registry: V4L2 devices (discovery + probe) and configured IP cameras, their
 * status, the `camera_status_update` events, and the MediaMTX paths that publish them.
 */
import type { Config } from "../config/types.ts";
import type { CameraStatus, EventBus } from "../core/events.ts";
import type { PathConf, PathState } from "../mediamtx/types.ts";
import type { Logger } from "../observability/log.ts";
import { DeviceDiscovery } from "./discovery.ts";
import {
  type CameraRecord,
  type CameraView,
  cameraView,
  redactUrl,
  statusEvent,
  trackResolution,
} from "./model.ts";
import { V4l2Prober } from "./probe.ts";
import { ipPathConf, type PublishOptions, usbPathConf } from "./publish.ts";

/** What the registry needs from MediaMTX (IP camera status). */
export interface PathLookup {
  getPath(name: string): Promise<PathState | null>;
}

export interface CameraRegistryOptions {
  config: Config;
  events: EventBus;
  log: Logger;
  /** MediaMTX runtime paths, for IP camera status. Without it IP cameras stay DISCONNECTED. */
  mediamtx?: PathLookup;
  /** Test/advanced: replaces the ffmpeg V4L2 input in publish commands. */
  publish?: PublishOptions;
}

/** `/health/cameras` body. */
export interface CamerasHealth {
  status: "healthy" | "degraded";
  ready: boolean;
  cameras: { device: string; status: CameraStatus; name: string; reason?: string }[];
}

/** Cameras by id, kept in step with the device folder and MediaMTX. */
export class CameraRegistry {
  #cams = new Map<string, CameraRecord>();
  #skipped = new Set<number>();
  /** Per-device work chains: one device's slow probe never delays another's. */
  #chains = new Map<number, Promise<void>>();
  #discovery: DeviceDiscovery;
  #prober: V4l2Prober;
  #poll: ReturnType<typeof setInterval> | null = null;
  #listeners = new Set<() => void>();
  #ready!: () => void;
  #isReady = false;
  /** Bumped on every change a {@link CameraView} can show (a cache key for callers). */
  #generation = 0;
  /** Resolves after the first discovery pass (USB scan and probes). */
  readonly ready: Promise<void> = new Promise((r) => this.#ready = r);

  constructor(private opts: CameraRegistryOptions) {
    const c = opts.config.camera;
    this.#prober = new V4l2Prober({
      v4l2ctlPath: c.v4l2ctl_path,
      timeoutSec: c.probe_timeout,
      log: opts.log,
    });
    this.#discovery = new DeviceDiscovery({
      deviceDir: c.device_dir,
      sysfsDir: c.sysfs_dir,
      range: c.device_range,
      pollIntervalSec: c.poll_interval,
      log: opts.log,
    }, {
      added: (n, p) => void this.#queue(n, () => this.#probeDevice(n, p)),
      removed: (n) => void this.#queue(n, () => this.#removed(n)),
    });
    const [lo, hi] = c.device_range;
    for (const s of c.sources) {
      const n = Number(s.id.replace("camera", ""));
      if (n >= lo && n <= hi) {
        opts.log.warn("IP camera id inside the V4L2 range ignored", { device: s.id });
        continue;
      }
      this.#cams.set(s.id, {
        id: s.id,
        kind: "ip",
        status: "DISCONNECTED",
        name: s.name,
        reason: "not yet checked",
        capabilities: null,
        resolution: "",
        fps: 0,
        source: s,
        since: new Date(),
      });
      opts.log.info("IP camera configured", { device: s.id, url: redactUrl(s.url) });
    }
  }

  /** True once the first discovery pass is done. */
  get isReady(): boolean {
    return this.#isReady;
  }

  /** Scans, probes, then watches; IP camera status is refreshed on the poll interval. */
  async start(): Promise<void> {
    await this.#discovery.start();
    await this.#settle();
    this.#isReady = true;
    this.#ready();
    this.#changed();
    void this.refresh();
    const every = this.opts.config.camera.poll_interval;
    if (every > 0) this.#poll = setInterval(() => void this.refresh(), every * 1000);
  }

  /** Stops the watch and timers (waits for an in-flight scan). */
  async stop(): Promise<void> {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
    await this.#discovery.stop();
    await this.#settle();
  }

  /** Waits until no device work is pending. */
  async #settle(): Promise<void> {
    while (this.#chains.size) await Promise.all([...this.#chains.values()]);
  }

  #queue(n: number, work: () => Promise<void> | void): Promise<void> {
    const next = (this.#chains.get(n) ?? Promise.resolve()).then(work).catch((err) => {
      this.opts.log.error("camera device handling failed", {
        node: `video${n}`,
        error: err as Error,
      });
    });
    this.#chains.set(n, next);
    void next.then(() => {
      if (this.#chains.get(n) === next) this.#chains.delete(n);
    });
    return next;
  }

  /** Called after any change to the set of cameras or their status (e.g. to reconcile paths). */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Changes whenever a camera is added or its status, reason, name, resolution or fps change:
   * a cache key for anything derived from {@link list}.
   */
  get generation(): number {
    return this.#generation;
  }

  /** All cameras, ordered by number. */
  list(): CameraView[] {
    return this.records().map((r) => cameraView(r, this.opts.config));
  }

  /** One camera's view, or undefined. */
  get(id: string): CameraView | undefined {
    const r = this.#cams.get(id);
    return r && cameraView(r, this.opts.config);
  }

  /** Internal records (with device paths and capabilities), ordered by number. */
  records(): CameraRecord[] {
    const num = (id: string) => Number(id.slice(6));
    return [...this.#cams.values()].sort((a, b) => num(a.id) - num(b.id));
  }

  /** One internal record, or undefined. */
  record(id: string): CameraRecord | undefined {
    return this.#cams.get(id);
  }

  /** MediaMTX paths for connected USB cameras and all IP cameras (path name = camera id). */
  desiredPaths(): Map<string, PathConf> {
    const out = new Map<string, PathConf>();
    for (const r of this.records()) {
      if (r.kind === "ip" && r.source) out.set(r.id, ipPathConf(r.source));
      else if (r.status === "CONNECTED" && r.devicePath) {
        out.set(r.id, usbPathConf(r.devicePath, this.opts.config, this.opts.publish));
      }
    }
    return out;
  }

  /** Summary for `/health/cameras`: degraded when a camera is in ERROR. */
  health(): CamerasHealth {
    const cameras = this.records().map((r) => ({
      device: r.id,
      status: r.status,
      name: r.name,
      ...(r.reason && r.status !== "CONNECTED" ? { reason: r.reason } : {}),
    }));
    return {
      status: cameras.some((c) => c.status === "ERROR") ? "degraded" : "healthy",
      ready: this.#isReady,
      cameras,
    };
  }

  /** Re-probes USB devices in ERROR and refreshes IP camera status from MediaMTX. */
  async refresh(): Promise<void> {
    for (const r of this.records()) {
      if (r.kind === "usb" && r.status === "ERROR" && r.devicePath) {
        const n = Number(r.id.slice(6));
        const path = r.devicePath;
        await this.#queue(n, () => r.status === "ERROR" ? this.#probeDevice(n, path) : undefined);
      }
    }
    const mtx = this.opts.mediamtx;
    if (!mtx) return;
    await Promise.all(
      this.records().filter((x) => x.kind === "ip").map(async (r) => {
        try {
          const p = await mtx.getPath(r.id);
          const res = trackResolution(p) || r.resolution;
          if (p?.available) this.#set(r, "CONNECTED", undefined, { resolution: res });
          else this.#set(r, "DISCONNECTED", p ? "source not available" : "path not in MediaMTX");
        } catch (err) {
          this.#set(r, "ERROR", `MediaMTX unreachable: ${(err as Error).message}`);
        }
      }),
    );
  }

  async #probeDevice(n: number, devicePath: string): Promise<void> {
    const id = `camera${n}`;
    const fallback = (await this.#discovery.sysfsName(n)) ?? `Video device ${n}`;
    const res = await this.#prober.probe(devicePath, fallback);
    if (!this.#discovery.present().includes(n)) return; // unplugged while probing
    if (res.kind === "not_capture") {
      if (!this.#skipped.has(n)) {
        this.opts.log.info("V4L2 node skipped: not a video capture device", {
          node: `video${n}`,
          caps: res.caps,
        });
      }
      this.#skipped.add(n);
      return;
    }
    const prev = this.#cams.get(id);
    const rec: CameraRecord = prev ?? {
      id,
      kind: "usb",
      status: "DISCONNECTED",
      name: fallback,
      capabilities: null,
      resolution: "",
      fps: 0,
      since: new Date(),
    };
    rec.devicePath = devicePath;
    if (!prev) {
      this.#cams.set(id, rec);
      this.#generation++;
    }
    if (res.kind === "error") {
      this.opts.log.warn("camera probe failed", { device: id, reason: res.reason });
      this.#set(rec, "ERROR", res.reason, { name: fallback, force: !prev });
      return;
    }
    const e = this.opts.config.camera.encoder;
    const cur = res.current;
    const resolution = e.video_size ||
      (cur.width && cur.height ? `${cur.width}x${cur.height}` : "");
    const fps = e.framerate > 0 ? e.framerate : Math.round(cur.fps ?? 0);
    rec.capabilities = res.capabilities;
    this.#set(rec, "CONNECTED", undefined, { name: res.name, resolution, fps, force: !prev });
  }

  #removed(n: number): void {
    if (this.#skipped.delete(n)) return;
    const rec = this.#cams.get(`camera${n}`);
    if (rec && rec.status !== "DISCONNECTED") this.#set(rec, "DISCONNECTED", "device removed");
  }

  #set(
    rec: CameraRecord,
    status: CameraStatus,
    reason: string | undefined,
    extra: { name?: string; resolution?: string; fps?: number; force?: boolean } = {},
  ): void {
    const changed = extra.force || rec.status !== status || rec.reason !== reason ||
      (extra.name !== undefined && extra.name !== rec.name) ||
      (extra.resolution !== undefined && extra.resolution !== rec.resolution) ||
      (extra.fps !== undefined && extra.fps !== rec.fps);
    if (!changed) return;
    if (rec.status !== status) rec.since = new Date();
    rec.status = status;
    rec.reason = reason;
    if (extra.name !== undefined) rec.name = extra.name;
    if (extra.resolution !== undefined) rec.resolution = extra.resolution;
    if (extra.fps !== undefined) rec.fps = extra.fps;
    this.#generation++;
    this.opts.log.info("camera status", { device: rec.id, status, ...(reason ? { reason } : {}) });
    this.opts.events.emit("camera_status_update", statusEvent(rec, this.opts.config));
    this.#changed();
  }

  #changed(): void {
    if (!this.#isReady) return;
    for (const fn of this.#listeners) {
      try {
        fn();
      } catch (err) {
        this.opts.log.error("camera change listener failed", { error: err as Error });
      }
    }
  }
}
