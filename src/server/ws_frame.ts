/**
 * Pre-framed WebSocket writes for notification fan-out: one server-to-client text frame built
 * once (header + payload in one buffer), written straight to each connection's socket when
 * `ws` has nothing of its own in progress on it. This skips, per recipient, `ws.send`'s option
 * object, `Sender.frame` (a new header buffer) and the cork/2-write/uncork (a 2-chunk writev).
 */
import type { Writable } from "node:stream";
import type { WebSocket } from "ws";

/** One unmasked, final, uncompressed text frame (RFC 6455 §5.2) carrying `data`. */
export function wsTextFrame(data: Uint8Array): Uint8Array {
  const n = data.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  out.set(data, head);
  return out;
}

/** The parts of `ws` internals the direct write depends on (ws 8). */
interface WsInternals {
  _socket?: Writable | null;
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean } | null;
}

/**
 * The socket under `ws` if a pre-framed write may go straight to it now: the connection is
 * open, no extension (permessage-deflate) was negotiated, and ws's sender is idle (not
 * compressing, not reading a Blob, nothing queued, not in the middle of a fragmented message),
 * so the frame lands in order after everything ws already wrote. Else null: use `ws.send`.
 */
export function directSocket(ws: WebSocket): Writable | null {
  if (ws.readyState !== 1 || ws.extensions !== "") return null;
  const w = ws as unknown as WsInternals;
  const sender = w._sender;
  const socket = w._socket;
  if (!sender || !socket || sender._state !== 0 || sender._firstFragment !== true) return null;
  if (!sender._queue || sender._queue.length !== 0) return null;
  return socket;
}
