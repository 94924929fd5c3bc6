/**
 * A minimal WebSocket client on Deno.connectTls for the back-pressure cases: unlike a paused
 * node:net socket on Deno (which keeps reading into memory), a Deno.TlsConn reads from the kernel
 * only when asked, so "never reads" really leaves the data in the socket buffers.
 */

const enc = new TextEncoder();

/** A WebSocket connection that reads only when told to. */
export class RawWs {
  #buf = new Uint8Array(0);
  private constructor(readonly conn: Deno.TlsConn) {}

  /** TLS connect, upgrade on `path`; throws unless the server answers 101. */
  static async open(port: number, path: string, caCerts: string[]): Promise<RawWs> {
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts });
    const ws = new RawWs(conn);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await ws.#write(enc.encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    const head = await ws.#readUntil("\r\n\r\n");
    if (!head.startsWith("HTTP/1.1 101")) {
      conn.close();
      throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
    }
    return ws;
  }

  async #write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += await this.conn.write(data.subarray(off));
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  async #readUntil(marker: string): Promise<string> {
    for (;;) {
      const text = new TextDecoder().decode(this.#buf);
      const i = text.indexOf(marker);
      if (i >= 0) {
        this.#buf = this.#buf.subarray(enc.encode(text.slice(0, i + marker.length)).length);
        return text.slice(0, i);
      }
      if (!(await this.#fill())) throw new Error("connection closed during the handshake");
    }
  }

  /** Send one masked text frame. */
  async sendText(text: string): Promise<void> {
    const payload = enc.encode(text);
    const len = payload.length;
    const header = len < 126
      ? [0x81, 0x80 | len]
      : len < 65536
      ? [0x81, 0x80 | 126, len >> 8, len & 255]
      : [
        0x81,
        0x80 | 127,
        0,
        0,
        0,
        0,
        (len >>> 24) & 255,
        (len >> 16) & 255,
        (len >> 8) & 255,
        len & 255,
      ];
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(header.length + 4 + len);
    frame.set(header);
    frame.set(mask, header.length);
    for (let i = 0; i < len; i++) frame[header.length + 4 + i] = payload[i] ^ mask[i & 3];
    await this.#write(frame);
  }

  /**
   * Read frames until a close frame (its code) or the end of the stream (null). `onText`
   * sees every text frame on the way.
   */
  async readUntilClose(onText: (t: string) => void = () => {}): Promise<number | null> {
    for (;;) {
      while (this.#buf.length >= 2) {
        const b = this.#buf;
        let len = b[1] & 127, off = 2;
        if (len === 126) [len, off] = [(b[2] << 8) | b[3], 4];
        else if (len === 127) {
          [len, off] = [Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0)), 10];
        }
        if (b.length < off + len) break;
        const op = b[0] & 15;
        const payload = b.subarray(off, off + len);
        this.#buf = b.subarray(off + len);
        if (op === 8) return len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
        if (op === 1) onText(new TextDecoder().decode(payload));
      }
      let more = false;
      try {
        more = await this.#fill();
      } catch {
        more = false;
      }
      if (!more) return null;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
