/** @jsxImportSource preact */
/**
 * Record start/stop for one camera, with an optional duration. The running timer starts and
 * stops with `recording_status_update` (and the start/stop answers, whichever comes first).
 */
import { useEffect, useState } from "preact/hooks";
import { useApp } from "./context.ts";
import { errorText, formatBytes, formatDuration } from "./format.ts";
import { RpcCallError } from "./rpc.ts";

/** Recording state of one camera as the console knows it. */
export interface RecState {
  recording: boolean;
  /** ms since epoch; undefined when the recording was already running before this page. */
  startedAt?: number;
  filename?: string;
  /** Requested duration, seconds. */
  limit?: number;
  last?: { filename: string; duration: number; status: string; file_size?: number };
}

/** Seconds elapsed since `since`, re-rendered every second. */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [since]);
  return <time class="timer">{formatDuration((now - since) / 1000)}</time>;
}

/** Props of {@link RecordControls}. */
export interface RecordControlsProps {
  device: string;
  rec: RecState;
  setRec(s: RecState): void;
  disabled: boolean;
}

/** The record form (operator and admin). */
export function RecordControls({ device, rec, setRec, disabled }: RecordControlsProps) {
  const { call } = useApp();
  const [duration, setDuration] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const inputId = `duration-${device}`;

  const start = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    const limit = duration.trim() === "" ? undefined : Number(duration);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      setError("Duration must be a whole number of seconds above 0, or empty.");
      return;
    }
    setBusy(true);
    try {
      const r = await call<{ filename?: string }>("start_recording", {
        device,
        ...(limit !== undefined ? { duration: limit } : {}),
      });
      setRec({
        recording: true,
        // Local clock: the browser's and the box's clocks may differ.
        startedAt: Date.now(),
        filename: r.filename,
        limit,
      });
    } catch (e) {
      if (e instanceof RpcCallError && e.code === -32020 && e.data?.state === "RECORDING") {
        setRec({ recording: true });
        setError("This camera was already recording.");
      } else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const stop = async () => {
    setError("");
    setBusy(true);
    try {
      const r = await call<
        { filename?: string; duration?: number; file_size?: number; status: string }
      >(
        "stop_recording",
        { device },
      );
      setRec({
        recording: false,
        last: {
          filename: r.filename ?? "",
          duration: r.duration ?? 0,
          status: r.status,
          file_size: r.file_size,
        },
      });
    } catch (e) {
      if (e instanceof RpcCallError && e.code === -32020 && e.data?.state === "STOPPED") {
        setRec({ recording: false });
      }
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="record">
      {rec.recording
        ? (
          <div class="recording-now">
            <p>
              <span class="rec-dot" aria-hidden="true" /> Recording{" "}
              {rec.startedAt ? <Elapsed since={rec.startedAt} /> : "(in progress)"}
              {rec.limit ? ` of ${formatDuration(rec.limit)}` : ""}
            </p>
            <button type="button" class="danger" onClick={stop} disabled={busy}>
              Stop recording
            </button>
          </div>
        )
        : (
          <form class="inline" onSubmit={start}>
            <label for={inputId}>Duration (s, optional)</label>
            <input
              id={inputId}
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              value={duration}
              onInput={(e) => setDuration((e.target as HTMLInputElement).value)}
            />
            <button type="submit" disabled={busy || disabled}>Start recording</button>
          </form>
        )}
      {!rec.recording && rec.last && (
        <p class="help saved">
          Last recording: {rec.last.filename || "(no file)"}, {formatDuration(rec.last.duration)}
          {rec.last.file_size !== undefined ? `, ${formatBytes(rec.last.file_size)}` : ""}
          {rec.last.status !== "STOPPED" ? ` (${rec.last.status.toLowerCase()})` : ""}
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
