/** @jsxImportSource preact */
/** One camera: status, resolution, stream URLs, live view, snapshot and record controls. */
import { useState } from "preact/hooks";
import type { Camera } from "./cameras.tsx";
import { useApp } from "./context.ts";
import { CopyField } from "./copy.tsx";
import { errorText, formatBytes, formatTime, sameOriginUrl } from "./format.ts";
import { LiveView } from "./player.tsx";
import { RecordControls, type RecState } from "./recording.tsx";
import { canControl } from "./session.ts";

interface Shot {
  filename: string;
  url: string;
  timestamp: string;
  file_size?: number;
}

/** Props of {@link CameraCard}. */
export interface CameraCardProps {
  cam: Camera;
  rec: RecState;
  setRec(s: RecState): void;
}

/** The card of one camera. */
export function CameraCard({ cam, rec, setRec }: CameraCardProps) {
  const { call, auth, announce } = useApp();
  const [showLive, setShowLive] = useState(false);
  const [shot, setShot] = useState<Shot | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const connected = cam.status === "CONNECTED";
  const title = cam.name ? `${cam.name} (${cam.device})` : cam.device;
  const streams = Object.entries(cam.streams ?? {}).filter(([, v]) => typeof v === "string" && v);

  const snapshot = async () => {
    setError("");
    setBusy(true);
    try {
      const r = await call<
        { filename: string; status: string; timestamp: string; file_size?: number }
      >(
        "take_snapshot",
        { device: cam.device },
      );
      if (r.status !== "SUCCESS") throw new Error(`snapshot ${r.status.toLowerCase()}`);
      const info = await call<{ download_url?: string }>("get_snapshot_info", {
        filename: r.filename,
      });
      if (!info.download_url) throw new Error("the service gave no download URL");
      setShot({
        filename: r.filename,
        url: sameOriginUrl(info.download_url),
        timestamp: r.timestamp,
        file_size: r.file_size,
      });
      announce(`Snapshot ${r.filename} taken`);
    } catch (e) {
      setError(`Snapshot failed: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="card camera" aria-labelledby={`cam-${cam.device}`} data-device={cam.device}>
      <header class="camera-head">
        <h3 id={`cam-${cam.device}`}>{title}</h3>
        <span class={`badge status-${cam.status.toLowerCase()}`}>{cam.status}</span>
      </header>
      {cam.status === "ERROR" && cam.reason && <p class="error">{cam.reason}</p>}
      <dl class="facts">
        <div>
          <dt>Resolution</dt>
          <dd>{cam.resolution || "–"}</dd>
        </div>
        <div>
          <dt>Frame rate</dt>
          <dd>{cam.fps ? `${cam.fps} fps` : "–"}</dd>
        </div>
      </dl>
      {streams.length > 0 && (
        <details class="streams">
          <summary>Stream URLs</summary>
          {streams.map(([k, v]) => (
            <CopyField
              key={k}
              id={`url-${cam.device}-${k}`}
              label={`${k.toUpperCase()} URL`}
              value={v as string}
            />
          ))}
        </details>
      )}
      <div class="actions">
        {cam.streams?.hls && (
          <button
            type="button"
            class="secondary"
            aria-expanded={showLive}
            aria-controls={`live-${cam.device}`}
            onClick={() => setShowLive(!showLive)}
            disabled={!connected && !showLive}
          >
            {showLive ? "Hide live view" : "Live view"}
          </button>
        )}
        {canControl(auth) && (
          <button type="button" onClick={snapshot} disabled={busy || !connected}>
            {busy ? "Taking snapshot…" : "Take snapshot"}
          </button>
        )}
      </div>
      {showLive && cam.streams?.hls && (
        <div id={`live-${cam.device}`}>
          <LiveView url={cam.streams.hls} label={`Live view of ${title}`} />
        </div>
      )}
      {canControl(auth) && (
        <RecordControls device={cam.device} rec={rec} setRec={setRec} disabled={!connected} />
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {shot && (
        <figure class="snapshot">
          <img src={shot.url} alt={`Snapshot from ${title} at ${formatTime(shot.timestamp)}`} />
          <figcaption>
            {shot.filename} · {formatBytes(shot.file_size)} ·{" "}
            <a href={shot.url} download={shot.filename}>Download</a>
          </figcaption>
        </figure>
      )}
    </article>
  );
}
