/**
 * SSLKEYLOGFILE support: appends the TLS session secrets of every connection in the NSS key log
 * format (what Wireshark reads) from node's 'keylog' event. For debugging only.
 */
import { createWriteStream } from "node:fs";
import type { Server as TlsServer, TLSSocket } from "node:tls";
import type { Logger } from "../observability/log.ts";

/** Handle returned by {@link attachKeyLog}. */
export interface KeyLog {
  file: string;
  /** Lines written so far. */
  lines(): number;
  /** Stops logging and closes the file. */
  close(): Promise<void>;
}

/**
 * Starts appending key log lines of `server`'s connections to `file` (created 0600) and warns
 * that it is on. Attach to every TLS server (WSS and health) with the same file.
 */
export function attachKeyLog(server: TlsServer, file: string, log: Logger): KeyLog {
  const out = createWriteStream(file, { flags: "a", mode: 0o600 });
  let count = 0;
  let failed = false;
  out.on("error", (e) => {
    if (!failed) log.error("cannot write SSLKEYLOGFILE", { file, error: e.message });
    failed = true;
  });
  const onKeylog = (line: Buffer, _socket: TLSSocket) => {
    if (failed) return;
    out.write(line);
    count++;
  };
  server.on("keylog", onKeylog);
  // Node emits 'keylog' during the handshake, before 'secureConnection'. Deno's node:tls (2.9)
  // emits none: say so once instead of leaving an empty file unexplained.
  let checked = false;
  const onSecure = () => {
    if (checked) return;
    checked = true;
    server.off("secureConnection", onSecure);
    if (count === 0 && !failed) {
      log.warn(
        "SSLKEYLOGFILE: this runtime gave no TLS key material for a completed handshake " +
          "(Deno's node:tls has no 'keylog' event); the file stays empty. Run the single " +
          "executable (Node) to capture keys.",
        { file },
      );
    }
  };
  server.on("secureConnection", onSecure);
  log.warn(
    "SSLKEYLOGFILE is set: TLS session keys are written to the file; anyone who has it can " +
      "decrypt captured traffic. Unset it outside debugging.",
    { file },
  );
  return {
    file,
    lines: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.off("keylog", onKeylog);
        server.off("secureConnection", onSecure);
        out.end(() => resolve());
      }),
  };
}
