// Bare baseline: node:https + ws, answering every text frame with
// {"jsonrpc":"2.0","result":"pong","id":n}. Plain JavaScript so that both `node` and
// `deno run` execute the same file (the service's own stack, without the service).
// Usage: node|deno run -A node_https_ws.mjs --cert FILE --key FILE [--port N] [--host H]
// Prints one JSON line {"msg":"listening","ws_port":N} once it accepts connections.
// A request with method "bench_broadcast" also sends one camera_status_update-sized
// notification to every connected client (the fan-out floor for bench/scenarios/fanout.ts).
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
function broadcast() {
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
  for (const c of wss.clients) c.send(frame);
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
    ws.send(JSON.stringify({ jsonrpc: "2.0", result: "pong", id }));
    if (method === "bench_broadcast") broadcast();
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
