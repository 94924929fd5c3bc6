/** @jsxImportSource preact */
/**
 * Files page: recordings and snapshots, newest first, paged with limit/offset; download and
 * preview through the signed `download_url`s; delete (admin) after a confirmation dialog.
 */
import { useEffect, useState } from "preact/hooks";
import { useApp } from "./context.ts";
import { Modal } from "./dialog.tsx";
import { errorText, formatBytes, formatTime, sameOriginUrl } from "./format.ts";
import { isAdmin } from "./session.ts";

type Kind = "recordings" | "snapshots";

/** One listed file. */
export interface FileEntry {
  filename: string;
  file_size?: number;
  modified_time?: string;
  download_url?: string;
  device?: string;
}

interface Page {
  files: FileEntry[];
  total: number;
  limit: number;
  offset: number;
}

/** Page size of the lists. */
export const PAGE_SIZE = 20;

/** The files page. */
export function FilesPage() {
  const { call, onNotification, auth, epoch, announce } = useApp();
  const [kind, setKind] = useState<Kind>("recordings");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState("");
  const [reload, setReload] = useState(0);
  const [preview, setPreview] = useState<FileEntry | null>(null);
  const [doomed, setDoomed] = useState<FileEntry | null>(null);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    let live = true;
    call<Page>(kind === "recordings" ? "list_recordings" : "list_snapshots", {
      limit: PAGE_SIZE,
      offset,
    }).then((p) => {
      if (!live) return;
      if (p.files.length === 0 && offset > 0 && p.total > 0) {
        setOffset(Math.max(0, Math.floor((p.total - 1) / PAGE_SIZE) * PAGE_SIZE));
        return;
      }
      setPage(p);
      setError("");
    }).catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [kind, offset, reload, epoch]);

  // A finished recording shows up without a manual refresh.
  useEffect(() =>
    onNotification((n) => {
      if (n.method === "recording_status_update" && n.params.status !== "STARTED") {
        setReload((r) => r + 1);
      }
    }), []);

  const choose = (k: Kind) => {
    setKind(k);
    setOffset(0);
    setPage(null);
  };

  const remove = async () => {
    if (!doomed) return;
    setDeleting(true);
    try {
      await call(kind === "recordings" ? "delete_recording" : "delete_snapshot", {
        filename: doomed.filename,
      });
      announce(`Deleted ${doomed.filename}`);
      setDoomed(null);
      setReload((r) => r + 1);
    } catch (e) {
      setError(`Delete failed: ${errorText(e)}`);
      setDoomed(null);
    } finally {
      setDeleting(false);
    }
  };

  const last = page ? Math.min(page.offset + page.files.length, page.total) : 0;
  return (
    <section aria-labelledby="files-title">
      <h2 id="files-title">Files</h2>
      <div class="tabs" role="group" aria-label="File kind">
        {(["recordings", "snapshots"] as Kind[]).map((k) => (
          <button
            key={k}
            type="button"
            class="tab"
            aria-pressed={kind === k}
            onClick={() => choose(k)}
          >
            {k === "recordings" ? "Recordings" : "Snapshots"}
          </button>
        ))}
        <button type="button" class="secondary" onClick={() => setReload((r) => r + 1)}>
          Refresh
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!page && !error && <p class="help">Loading…</p>}
      {page && page.total === 0 && <p class="help">No {kind} yet.</p>}
      {page && page.files.length > 0 && (
        <div class="table-wrap">
          <table class="files">
            <caption>
              {kind === "recordings" ? "Recordings" : "Snapshots"}, newest first: {page.offset + 1}–
              {last} of {page.total}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Size</th>
                <th scope="col">Modified</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {page.files.map((f) => (
                <tr key={f.filename}>
                  <th scope="row" class="name">{f.filename}</th>
                  <td>{formatBytes(f.file_size)}</td>
                  <td>{formatTime(f.modified_time)}</td>
                  <td class="row-actions">
                    {f.download_url && (
                      <a
                        class="button secondary"
                        href={sameOriginUrl(f.download_url)}
                        download={f.filename}
                        aria-label={`Download ${f.filename}`}
                      >
                        Download
                      </a>
                    )}
                    {f.download_url && (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => setPreview(f)}
                        aria-label={`Preview ${f.filename}`}
                      >
                        Preview
                      </button>
                    )}
                    {isAdmin(auth) && (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => setDoomed(f)}
                        aria-label={`Delete ${f.filename}`}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.total > PAGE_SIZE && (
        <nav class="pager" aria-label="Pages of files">
          <button
            type="button"
            class="secondary"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          >
            Newer
          </button>
          <span>
            Page {Math.floor(offset / PAGE_SIZE) + 1} of {Math.ceil(page.total / PAGE_SIZE)}
          </span>
          <button
            type="button"
            class="secondary"
            disabled={offset + PAGE_SIZE >= page.total}
            onClick={() => setOffset(offset + PAGE_SIZE)}
          >
            Older
          </button>
        </nav>
      )}
      <Modal
        id="preview"
        title={preview ? `Preview: ${preview.filename}` : "Preview"}
        open={preview !== null}
        onClose={() => setPreview(null)}
      >
        {preview?.download_url && (kind === "recordings"
          ? (
            <video
              class="preview"
              src={sameOriginUrl(preview.download_url)}
              controls
              preload="metadata"
            />
          )
          : (
            <img
              class="preview"
              src={sameOriginUrl(preview.download_url)}
              alt={`Snapshot ${preview.filename}`}
            />
          ))}
        <div class="actions">
          <button
            type="button"
            onClick={() => setPreview(null)}
          >
            Close
          </button>
        </div>
      </Modal>
      <Modal
        id="confirm"
        title="Delete this file?"
        open={doomed !== null}
        onClose={() => setDoomed(null)}
      >
        <p>
          <strong>{doomed?.filename}</strong> will be removed from the box for good.
        </p>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setDoomed(null)} autoFocus>
            Cancel
          </button>
          <button type="button" class="danger" onClick={remove} disabled={deleting}>
            {deleting ? "Deleting…" : "Delete"}
          </button>
        </div>
      </Modal>
    </section>
  );
}
