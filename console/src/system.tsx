/** @jsxImportSource preact */
/**
 * System page: server facts, health of each component (get_status for admins,
 * get_system_status otherwise), MediaMTX state, certificate expiry when the service reports it,
 * storage use (admin) and the retention policy form (admin).
 */
import { useEffect, useState } from "preact/hooks";
import { useApp } from "./context.ts";
import { errorText, formatDuration } from "./format.ts";
import { RetentionForm, StoragePanel } from "./storage.tsx";
import { isAdmin } from "./session.ts";

interface Status {
  status: string;
  uptime?: number;
  version?: string;
  components?: Record<string, string>;
  tls?: { not_after?: string; days_left?: number; subject?: string; warning?: boolean };
}
interface Info {
  name?: string;
  version?: string;
  build_date?: string;
  architecture?: string;
  capabilities?: string[];
  supported_formats?: string[];
  max_cameras?: number;
}

const COMPONENT_NAMES: Record<string, string> = {
  websocket_server: "WebSocket server",
  camera_monitor: "Camera monitor",
  mediamtx: "MediaMTX",
};

const badge = (s: string | undefined) => (
  <span class={`badge health-${(s ?? "unknown").toLowerCase()}`}>{s ?? "UNKNOWN"}</span>
);

/** The system page. */
export function SystemPage() {
  const { call, auth, epoch } = useApp();
  const [info, setInfo] = useState<Info | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState("");
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    Promise.all([
      call<Info>("get_server_info"),
      call<Status>(isAdmin(auth) ? "get_status" : "get_system_status"),
    ]).then(([i, s]) => {
      if (!live) return;
      setInfo(i);
      setStatus(s);
      setError("");
    }).catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [epoch, reload]);

  const tls = status?.tls;
  return (
    <section aria-labelledby="system-title">
      <div class="title-row">
        <h2 id="system-title">System</h2>
        <button type="button" class="secondary" onClick={() => setReload((r) => r + 1)}>
          Refresh
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="grid">
        <article class="card" aria-labelledby="health-title">
          <h3 id="health-title">Health {status && badge(status.status)}</h3>
          {status
            ? (
              <table class="kv">
                <tbody>
                  {Object.entries(status.components ?? {}).map(([k, v]) => (
                    <tr key={k} data-component={k}>
                      <th scope="row">{COMPONENT_NAMES[k] ?? k}</th>
                      <td>{badge(v)}</td>
                    </tr>
                  ))}
                  <tr>
                    <th scope="row">Uptime</th>
                    <td>{status.uptime !== undefined ? formatDuration(status.uptime) : "–"}</td>
                  </tr>
                </tbody>
              </table>
            )
            : !error && <p class="help">Loading…</p>}
          {status?.components?.mediamtx && (
            <p class="help" data-testid="mediamtx-state">
              MediaMTX: {status.components.mediamtx === "HEALTHY"
                ? "reachable, paths in place."
                : "not reachable or not in sync; live views, snapshots and recordings may fail."}
            </p>
          )}
        </article>
        <article class="card" aria-labelledby="cert-title">
          <h3 id="cert-title">TLS certificate</h3>
          {tls?.not_after
            ? (
              <p class={tls.warning ? "error" : undefined}>
                Expires {new Date(tls.not_after).toLocaleDateString()}
                {tls.days_left !== undefined ? ` (in ${tls.days_left} days)` : ""}
                {tls.subject ? `; subject ${tls.subject}` : ""}.
              </p>
            )
            : (
              <p class="help">
                The API does not report the certificate expiry. Your browser shows the certificate
                of this page (padlock icon); the health port's /health/system reports it to
                monitoring.
              </p>
            )}
        </article>
        <article class="card" aria-labelledby="server-title">
          <h3 id="server-title">Server</h3>
          {info && (
            <table class="kv">
              <tbody>
                <tr>
                  <th scope="row">Version</th>
                  <td>{info.version ?? "–"}</td>
                </tr>
                <tr>
                  <th scope="row">Build date</th>
                  <td>{info.build_date ?? "–"}</td>
                </tr>
                <tr>
                  <th scope="row">Architecture</th>
                  <td>{info.architecture ?? "–"}</td>
                </tr>
                <tr>
                  <th scope="row">Max cameras</th>
                  <td>{info.max_cameras ?? "–"}</td>
                </tr>
                <tr>
                  <th scope="row">Formats</th>
                  <td>{info.supported_formats?.join(", ") ?? "–"}</td>
                </tr>
                <tr>
                  <th scope="row">Capabilities</th>
                  <td>{info.capabilities?.join(", ") ?? "–"}</td>
                </tr>
              </tbody>
            </table>
          )}
        </article>
        {isAdmin(auth) && <StoragePanel reload={reload} />}
        {isAdmin(auth) && <RetentionForm />}
      </div>
    </section>
  );
}
