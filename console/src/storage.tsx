/** @jsxImportSource preact */
/** Storage use with a bar (get_storage_info) and the retention policy form (admin only). */
import { useEffect, useState } from "preact/hooks";
import { useApp } from "./context.ts";
import { errorText, formatBytes } from "./format.ts";

interface Storage {
  total_space: number;
  used_space: number;
  available_space: number;
  usage_percentage: number;
  recordings_size?: number;
  snapshots_size?: number;
  recordings_count?: number;
  snapshots_count?: number;
  low_space_warning?: boolean;
  storage_blocked?: boolean;
  warn_percent?: number;
  block_percent?: number;
}

/** The storage card. */
export function StoragePanel({ reload }: { reload: number }) {
  const { call, epoch } = useApp();
  const [s, setS] = useState<Storage | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    call<Storage>("get_storage_info").then((r) => live && setS(r)).catch((e) =>
      live && setError(errorText(e))
    );
    return () => {
      live = false;
    };
  }, [epoch, reload]);
  const pct = s ? Math.round(s.usage_percentage * 10) / 10 : 0;
  return (
    <article class="card" aria-labelledby="storage-title">
      <h3 id="storage-title">Storage</h3>
      {error && <p class="error" role="alert">{error}</p>}
      {s && (
        <>
          <label for="storage-meter">Disk used: {pct}%</label>
          <meter
            id="storage-meter"
            min={0}
            max={100}
            low={s.warn_percent ?? 80}
            high={s.block_percent ?? 95}
            optimum={0}
            value={pct}
          >
            {pct}%
          </meter>
          <p>
            {formatBytes(s.used_space)} used of {formatBytes(s.total_space)},{" "}
            {formatBytes(s.available_space)} free.
          </p>
          <p class="help">
            Recordings: {formatBytes(s.recordings_size)}
            {s.recordings_count !== undefined ? ` in ${s.recordings_count} files` : ""}; snapshots:
            {" "}
            {formatBytes(s.snapshots_size)}
            {s.snapshots_count !== undefined ? ` in ${s.snapshots_count} files` : ""}.
          </p>
          {s.storage_blocked && (
            <p class="error" role="alert">
              Disk above {s.block_percent}%: new recordings and snapshots are refused.
            </p>
          )}
          {!s.storage_blocked && s.low_space_warning && (
            <p class="error">Low disk space (above {s.warn_percent}%).</p>
          )}
        </>
      )}
    </article>
  );
}

/** The retention policy form (set_retention_policy) and a "clean up now" action. */
export function RetentionForm() {
  const { call, announce } = useApp();
  const [type, setType] = useState("age");
  const [days, setDays] = useState("");
  const [gb, setGb] = useState("");
  const [enabled, setEnabled] = useState(true);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState("");
  const [error, setError] = useState("");

  const save = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setResult("");
    const params: Record<string, unknown> = { policy_type: type, enabled };
    if (days.trim()) params.max_age_days = Number(days);
    if (gb.trim()) params.max_size_gb = Number(gb);
    setBusy(true);
    try {
      const r = await call<{ message?: string }>("set_retention_policy", params);
      setResult(r.message ?? "Retention policy saved.");
      announce("Retention policy saved");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const cleanup = async () => {
    setError("");
    setResult("");
    setBusy(true);
    try {
      const r = await call<{ message?: string; files_deleted?: number }>("cleanup_old_files");
      setResult(r.message ?? `Cleanup done: ${r.files_deleted ?? 0} files deleted.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="card" aria-labelledby="retention-title">
      <h3 id="retention-title">Retention policy</h3>
      <form class="stack" onSubmit={save}>
        <label for="policy-type">Policy</label>
        <select
          id="policy-type"
          value={type}
          onChange={(e) => setType((e.target as HTMLSelectElement).value)}
        >
          <option value="age">By age (days)</option>
          <option value="size">By total size (GB)</option>
          <option value="manual">Manual (never automatic)</option>
        </select>
        <label for="max-age">Maximum age (days)</label>
        <input
          id="max-age"
          type="number"
          min={1}
          max={36500}
          step={1}
          value={days}
          required={type === "age"}
          aria-describedby="retention-help"
          onInput={(e) => setDays((e.target as HTMLInputElement).value)}
        />
        <label for="max-size">Maximum size (GB)</label>
        <input
          id="max-size"
          type="number"
          min={0.001}
          step="any"
          value={gb}
          required={type === "size"}
          aria-describedby="retention-help"
          onInput={(e) => setGb((e.target as HTMLInputElement).value)}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={enabled}
            onChange={(e) => setEnabled((e.target as HTMLInputElement).checked)}
          />
          Automatic cleanup enabled
        </label>
        <p id="retention-help" class="help">
          The service does not report the current policy; a field left empty keeps its value.
        </p>
        <div class="actions">
          <button type="submit" disabled={busy}>Save policy</button>
          <button type="button" class="secondary" onClick={cleanup} disabled={busy}>
            Clean up now
          </button>
        </div>
      </form>
      {result && <p class="ok" role="status">{result}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </article>
  );
}
