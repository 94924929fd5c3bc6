// Bare baseline: node:https + ws, answering every text frame with
// {"jsonrpc":"2.0","result":"pong","id":n}. Plain JavaScript so that both `node` and
// `deno run` execute the same file (the service's own stack, without the service).
// Usage: node|deno run -A node_https_ws.mjs --cert FILE --key FILE [--port N] [--host H]
// Prints one JSON line {"msg":"listening","ws_port":N} once it accepts connections.
// A request with method "bench_broadcast" sends one camera_status_update-sized notification
// to every other connected client, the naive way (one ws.send per client), and answers once
// the last write was called back, with the broadcast's timing measured like the service's
// (bench/scenarios/fanout.ts): {emitted_at_unix_ms, queued_ms, written_ms, recipients}.
import https from "node:https";
import { readFileSync } from "node:fs";
import process from "node:process";
import { WebSocketServer } from "ws";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const certFile = opt("cert");
const keyFile = opt("key");
if (!certFile || !keyFile) {
  console.error("usage: node_https_ws.mjs --cert FILE --key FILE [--port N] [--host H]");
  process.exit(2);
}

const server = https.createServer({
  cert: readFileSync(certFile),
  key: readFileSync(keyFile),
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let broadcasts = 0;
function broadcast(requester, done) {
  const t0 = performance.now();
  const frame = JSON.stringify({
    jsonrpc: "2.0",
    method: "camera_status_update",
    params: {
      device: "camera20",
      status: broadcasts++ % 2 ? "DISCONNECTED" : "CONNECTED",
      name: "Bench Camera",
      resolution: "1280x720",
      fps: 30,
      streams: {
        rtsp: "rtsp://bench:8554/camera20",
        hls: "http://bench:8888/camera20/index.m3u8",
        webrtc: "http://bench:8889/camera20",
      },
    },
  });
  let recipients = 0;
  let outstanding = 1;
  let queued = 0;
  const written = () => {
    if (--outstanding > 0) return;
    done({
      emitted_at_unix_ms: performance.timeOrigin + t0,
      queued_ms: queued - t0,
      written_ms: performance.now() - t0,
      recipients,
    });
  };
  for (const c of wss.clients) {
    if (c === requester || c.readyState !== c.OPEN) continue;
    recipients++;
    outstanding++;
    c.send(frame, written);
  }
  queued = performance.now();
  written();
}
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    let id = null;
    let method = "";
    try {
      const msg = JSON.parse(data.toString());
      if (msg && (typeof msg.id === "number" || typeof msg.id === "string")) id = msg.id;
      if (msg && typeof msg.method === "string") method = msg.method;
    } catch {
      // answer with id null, like a JSON-RPC parse error would
    }
    if (method === "bench_broadcast") {
      broadcast(ws, (result) => ws.send(JSON.stringify({ jsonrpc: "2.0", result, id })));
    } else ws.send(JSON.stringify({ jsonrpc: "2.0", result: "pong", id }));
  });
  ws.on("error", () => {});
});
server.listen(Number(opt("port", "0")), opt("host", "127.0.0.1"), () => {
  const runtime = typeof globalThis.Deno === "object" ? "deno" : "node";
  console.log(JSON.stringify({ msg: "listening", ws_port: server.address().port, runtime }));
});
const stop = () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
