/** @jsxImportSource preact */
/**
 * Cameras page: `get_camera_list` once per session, then kept current by
 * `camera_status_update` and `recording_status_update` notifications (no polling).
 */
import { useEffect, useState } from "preact/hooks";
import { CameraCard } from "./camera_card.tsx";
import { useApp } from "./context.ts";
import { errorText } from "./format.ts";
import type { RecState } from "./recording.tsx";

/** A camera as the API describes it. */
export interface Camera {
  device: string;
  status: "CONNECTED" | "DISCONNECTED" | "ERROR";
  name?: string;
  resolution?: string;
  fps?: number;
  streams?: { rtsp?: string; hls?: string; webrtc?: string };
  /** Why the camera is in ERROR (notifications carry it). */
  reason?: string;
}

const num = (d: string) => Number(d.replace(/\D+/g, "")) || 0;
const byDevice = (a: Camera, b: Camera) => num(a.device) - num(b.device);

/** `list` with `cam` inserted or replaced, in device order. */
export function upsertCamera(list: Camera[], cam: Camera): Camera[] {
  const rest = list.filter((c) => c.device !== cam.device);
  return [...rest, cam].sort(byDevice);
}

/** The cameras page. */
export function CamerasPage() {
  const { call, onNotification, epoch, announce } = useApp();
  const [cams, setCams] = useState<Camera[] | null>(null);
  const [recs, setRecs] = useState<Record<string, RecState>>({});
  const [error, setError] = useState("");

  useEffect(() => {
    let live = true;
    // Updates that arrive while the list is on its way win over the (older) list.
    const fresh = new Map<string, Camera>();
    const off = onNotification((n) => {
      const p = n.params;
      if (n.method === "camera_status_update") {
        const cam = p as unknown as Camera;
        fresh.set(cam.device, cam);
        setCams((prev) => upsertCamera(prev ?? [], cam));
        announce(`${cam.name || cam.device} is ${String(cam.status).toLowerCase()}`);
      } else if (n.method === "recording_status_update") {
        const device = String(p.device);
        const duration = Number(p.duration) || 0;
        if (p.status === "STARTED") {
          setRecs((r) => ({
            ...r,
            [device]: {
              recording: true,
              startedAt: r[device]?.recording && r[device].startedAt
                ? r[device].startedAt
                : Date.now() - duration * 1000,
              filename: String(p.filename || ""),
              limit: r[device]?.limit,
            },
          }));
          announce(`Recording started on ${device}`);
        } else {
          setRecs((r) => ({
            ...r,
            [device]: {
              recording: false,
              last: { filename: String(p.filename || ""), duration, status: String(p.status) },
            },
          }));
          announce(`Recording ${String(p.status).toLowerCase()} on ${device}`);
        }
      }
    });
    call<{ cameras: Camera[] }>("get_camera_list")
      .then((r) => {
        if (!live) return;
        const merged = new Map(r.cameras.map((c) => [c.device, c]));
        for (const [d, c] of fresh) merged.set(d, c);
        setCams([...merged.values()].sort(byDevice));
        setError("");
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
      off();
    };
  }, [epoch]);

  const connected = cams?.filter((c) => c.status === "CONNECTED").length ?? 0;
  return (
    <section aria-labelledby="cameras-title">
      <h2 id="cameras-title">Cameras</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {cams === null && !error && <p class="help">Loading cameras…</p>}
      {cams && (
        <p class="help" id="cameras-summary">
          {cams.length === 0
            ? "No cameras yet. They appear here as soon as they are plugged in."
            : `${cams.length} camera${cams.length === 1 ? "" : "s"}, ${connected} connected.`}
        </p>
      )}
      <ul class="cameras" aria-describedby="cameras-summary">
        {cams?.map((c) => (
          <li key={c.device}>
            <CameraCard
              cam={c}
              rec={recs[c.device] ?? { recording: false }}
              setRec={(s) => setRecs((r) => ({ ...r, [c.device]: s }))}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
