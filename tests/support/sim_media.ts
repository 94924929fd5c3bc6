/**
 * MediaMTX simulator: the real media of one configured path, on rtsp-server-perl.
 *
 * - Publisher: `runOnInit` (else `runOnDemand`) run with `$RTSP_PORT` = the rtsp-server-perl
 *   PUBLISH port and `$MTX_PATH` = the name, forced to `-rtsp_transport udp` (rtsp-server-perl
 *   relays UDP only). SIMPLIFICATION: on-demand commands start when the path is configured,
 *   because rtsp-server-perl can't tell the simulator that a reader arrived.
 *   `source: rtsp(s)://…` → ffmpeg `-c copy` from the URL to the publish port (restarted like a
 *   MediaMTX source). Other source kinds are accepted but carry no media here.
 * - Meter: an ffmpeg reader on the READ port (`-c copy -f mpegts pipe:1`). `available` = the meter
 *   receives data; `inboundBytes` = bytes it received (the stream remuxed to MPEG-TS, so ~20 %
 *   container overhead: measured, not exact RTP byte counts); `tracks2` from the meter's stream
 *   line. Readers are not observable on rtsp-server-perl, so `readers` stays [].
 * - Recorder (`record: true`): ffmpeg `-c copy -t <recordSegmentDuration>` from the read port,
 *   one process per segment, written to a hidden `.part` file and renamed from `recordPath` at
 *   the time of its first frame (as MediaMTX names segments; `%f` works);
 *   fmp4 → .mp4 (frag_keyframe+empty_moov+default_base_moof), mpegts → .ts. Stopped with "q" so
 *   the file is finalised. There is a short gap (reconnect) between segments.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import * as path from "node:path";
import { parseDuration } from "../../src/mediamtx/normalise.ts";
import { expandVars, forceUdpPublisher, Proc, Sleeper, splitCommand } from "./sim_proc.ts";
import { recordExt, renderRecordPath } from "./sim_record.ts";

/** Where media goes. */
export interface MediaEnv {
  rtspPort: number;
  publishPort: number;
  ffmpeg: string;
  recordRoot: string;
  /** Pause before restarting an exited hook/source (MediaMTX: 5 s). */
  restartDelayMs: number;
  /** false = API-only simulator: no process is started. */
  media: boolean;
}

/**
 * rtsp-server-perl never tells readers that a publisher left; without a timeout an ffmpeg reader
 * blocks forever. With it, a stalled reader/pull exits cleanly (file finalised, TEARDOWN sent).
 */
const READ_TIMEOUT = ["-timeout", "3000000"];

const CODECS: Record<string, string> = {
  h264: "H264",
  hevc: "H265",
  av1: "AV1",
  vp9: "VP9",
  vp8: "VP8",
  mjpeg: "M-JPEG",
  mpeg4: "MPEG-4 Video",
  mpeg2video: "MPEG-1/2 Video",
  aac: "MPEG-4 Audio",
  opus: "Opus",
  mp2: "MPEG-1/2 Audio",
  mp3: "MPEG-1/2 Audio",
  ac3: "AC3",
  pcm_mulaw: "G711",
  pcm_alaw: "G711",
};

/** Runtime view of the path's media. */
export interface MediaState {
  available: boolean;
  availableTime: string | null;
  source: { type: string; id: string } | null;
  tracks2: { codec: string; codecProps?: Record<string, unknown> }[];
  inboundBytes: number;
}

/** All processes of one path; `stop()` ends every one of them. */
export class PathMedia {
  private stopped = false;
  private publisher: Proc | null = null;
  private meter: Proc | null = null;
  private recorder: Proc | null = null;
  private recordOn = false;
  private loops: Promise<void>[] = [];
  private sleepers = [new Sleeper(), new Sleeper(), new Sleeper()];
  private st: MediaState = emptyState();
  private sourceId = randomUUID();
  /** Recent process output, for test diagnostics. */
  log: string[] = [];

  constructor(
    private readonly name: string,
    private conf: Record<string, unknown>,
    private readonly env: MediaEnv,
  ) {}

  /** Start the publisher/source and, when `record` is on, the recorder. */
  start(): void {
    if (!this.env.media) return;
    const argv = this.publisherArgv();
    if (argv) this.loops.push(this.publisherLoop(argv.argv, argv.restart));
    this.setRecord(this.conf);
  }

  /** Apply a record* change live (MediaMTX keeps the path and its readers). */
  setRecord(conf: Record<string, unknown>): void {
    this.conf = conf;
    const want = conf.record === true;
    if (want === this.recordOn || this.stopped || !this.env.media) return;
    this.recordOn = want;
    if (want) this.loops.push(this.recorderLoop());
    else {
      this.sleepers[2].cancel();
      this.recorder?.stop("q");
    }
  }

  /** Current runtime state. */
  state(): MediaState {
    return { ...this.st, tracks2: [...this.st.tracks2] };
  }

  /** Stop everything (recorder with "q", others SIGINT) and wait for all loops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.recordOn = false;
    for (const s of this.sleepers) s.cancel();
    await Promise.all([this.recorder?.stop("q"), this.meter?.stop(), this.publisher?.stop()]);
    await Promise.all(this.loops);
    this.st = emptyState();
  }

  private note(line: string): void {
    this.log.push(line);
    if (this.log.length > 50) this.log.shift();
  }

  private publisherArgv(): { argv: string[]; restart: boolean } | null {
    const c = this.conf;
    const src = String(c.source);
    const vars = { MTX_PATH: this.name, RTSP_PORT: String(this.env.publishPort) };
    const hook = (cmd: string) =>
      forceUdpPublisher(splitCommand(cmd).map((a) => expandVars(a, vars)));
    if (src === "publisher") {
      if (c.runOnInit) return { argv: hook(String(c.runOnInit)), restart: !!c.runOnInitRestart };
      if (c.runOnDemand) {
        return { argv: hook(String(c.runOnDemand)), restart: !!c.runOnDemandRestart };
      }
      return null;
    }
    if (!/^rtsps?:\/\//.test(src)) return null;
    const tr = ["udp", "tcp"].includes(String(c.rtspTransport))
      ? ["-rtsp_transport", String(c.rtspTransport)]
      : [];
    const argv = [this.env.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", ...tr];
    argv.push(
      ...READ_TIMEOUT,
      "-i",
      src,
      "-map",
      "0",
      "-c",
      "copy",
      "-f",
      "rtsp",
      "-rtsp_transport",
      "udp",
    );
    argv.push(`rtsp://127.0.0.1:${this.env.publishPort}/${this.name}`);
    return { argv, restart: true };
  }

  private async publisherLoop(argv: string[], restart: boolean): Promise<void> {
    while (!this.stopped) {
      const p = new Proc(argv);
      this.publisher = p;
      this.note(`publisher started: ${argv.join(" ")}`);
      const meter = this.meterLoop(p);
      const r = await p.done;
      this.note(`publisher exited code=${r.code} signal=${r.signal} ${p.tail.trim()}`);
      this.sleepers[1].cancel();
      await this.meter?.stop();
      await meter;
      this.st = emptyState();
      if (!restart || this.stopped) return;
      await this.sleepers[0].sleep(this.env.restartDelayMs);
    }
  }

  private async meterLoop(pub: Proc): Promise<void> {
    const url = `rtsp://127.0.0.1:${this.env.rtspPort}/${this.name}`;
    const argv = [this.env.ffmpeg, "-nostdin", "-hide_banner", "-rtsp_transport", "udp"];
    argv.push(...READ_TIMEOUT, "-i", url, "-map", "0", "-c", "copy", "-f", "mpegts", "pipe:1");
    while (!this.stopped && pub.alive) {
      let inInput = true;
      const tracks: MediaState["tracks2"] = [];
      const m = new Proc(argv, {
        onLine: (l) => {
          if (l.startsWith("Output #")) inInput = false;
          const t = inInput ? parseStreamLine(l) : null;
          if (t) tracks.push(t);
        },
        onStdout: (chunk) => {
          if (!this.st.available) {
            const now = new Date().toISOString();
            this.st = {
              available: true,
              availableTime: now,
              source: this.conf.source === "publisher"
                ? { type: "rtspSession", id: this.sourceId }
                : { type: "rtspSource", id: "" },
              tracks2: tracks,
              inboundBytes: 0,
            };
          }
          this.st.inboundBytes += chunk.length;
        },
      });
      this.meter = m;
      await m.done;
      this.st = emptyState();
      if (!this.stopped && pub.alive) await this.sleepers[1].sleep(500);
    }
  }

  private async recorderLoop(): Promise<void> {
    const url = `rtsp://127.0.0.1:${this.env.rtspPort}/${this.name}`;
    while (this.recordOn && !this.stopped) {
      if (!this.st.available) {
        await this.sleepers[2].sleep(200);
        continue;
      }
      const c = this.conf;
      const ext = recordExt(c.recordFormat);
      // MediaMTX names a segment after its first frame. The recorder writes to a hidden file and
      // renames it once ffmpeg reports frames: start = now - frames / fps (fps from the input's
      // stream line). ffmpeg's out_time is not used: it runs ahead of the frames written.
      const spawnedAt = new Date();
      const draft = renderRecordPath({
        recordPath: String(c.recordPath),
        root: this.env.recordRoot,
        name: this.name,
        start: spawnedAt,
      }) + ext;
      const part = path.join(path.dirname(draft), `.${path.basename(draft)}.part`);
      await mkdir(path.dirname(draft), { recursive: true });
      const seg = parseDuration(String(c.recordSegmentDuration)) || 3600;
      const fmt = c.recordFormat === "mpegts"
        ? ["-f", "mpegts"]
        : ["-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"];
      const argv = [this.env.ffmpeg, "-hide_banner", "-nostats", "-rtsp_transport"];
      argv.push(
        "udp",
        ...READ_TIMEOUT,
        "-i",
        url,
        "-map",
        "0",
        "-c",
        "copy",
        "-t",
        String(seg),
        "-progress",
        "pipe:1",
        ...fmt,
        part,
      );
      let named: string | null = null;
      let progress = "";
      let fps = 0;
      const readFps = (line: string) => {
        const m = /Video: .*?, (\d+(?:\.\d+)?) fps/.exec(line);
        if (m && !fps) fps = Number(m[1]);
      };
      const nameAtFirstFrame = (chunk: Uint8Array) => {
        if (named) return;
        progress = (progress + new TextDecoder().decode(chunk)).slice(-2000);
        const all = [...progress.matchAll(/frame=(\d+)/g)];
        const frames = all.length ? Number(all[all.length - 1][1]) : 0;
        if (frames <= 0 || fps <= 0) return;
        const start = new Date(Date.now() - (frames / fps) * 1000);
        named = renderRecordPath({
          recordPath: String(c.recordPath),
          root: this.env.recordRoot,
          name: this.name,
          start,
        }) + ext;
        rename(part, named).catch((e) => this.note(`rename failed: ${e}`));
      };
      const p = new Proc(argv, { stdin: true, onStdout: nameAtFirstFrame, onLine: readFps });
      this.recorder = p;
      this.note(`recorder started: ${part}`);
      const r = await p.done;
      if (!named) await rm(part, { force: true });
      this.note(`recorder exited code=${r.code} ${p.tail.trim()} file=${named}`);
      if (r.code !== 0 && this.recordOn && !this.stopped) await this.sleepers[2].sleep(500);
    }
  }
}

function emptyState(): MediaState {
  return { available: false, availableTime: null, source: null, tracks2: [], inboundBytes: 0 };
}

/** Parse ffmpeg's "Stream #0:0: Video: h264 (High), yuv420p(progressive), 640x480 ..." line. */
export function parseStreamLine(l: string): MediaState["tracks2"][number] | null {
  const m = /Stream #\d+:\d+[^:]*: (Video|Audio|Data): ([\w-]+)(?: \(([^)]*)\))?(.*)$/.exec(l);
  if (!m) return null;
  const codec = CODECS[m[2]] ?? "Generic";
  const size = /, (\d{2,5})x(\d{2,5})/.exec(m[4]);
  if (m[1] === "Video" && size) {
    const props: Record<string, unknown> = { width: Number(size[1]), height: Number(size[2]) };
    if (m[3] && (codec === "H264" || codec === "H265")) props.profile = m[3];
    return { codec, codecProps: props };
  }
  return { codec };
}
