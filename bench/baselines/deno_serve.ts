/**
 * Bare baseline: Deno.serve (TLS) + Deno.upgradeWebSocket, answering every text frame with
 * {"jsonrpc":"2.0","result":"pong","id":n}. The ceiling for WSS on this machine (PERF.md).
 * Usage: deno run -A bench/baselines/deno_serve.ts --cert FILE --key FILE [--port N] [--host H]
 * Prints one JSON line {"msg":"listening","ws_port":N} once it accepts connections.
 */

const args = Deno.args;
const opt = (name: string, fallback?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const certFile = opt("cert");
const keyFile = opt("key");
if (!certFile || !keyFile) {
  console.error("usage: deno_serve.ts --cert FILE --key FILE [--port N] [--host H]");
  Deno.exit(2);
}

const controller = new AbortController();
const sockets = new Set<WebSocket>();
const server = Deno.serve({
  port: Number(opt("port", "0")),
  hostname: opt("host", "127.0.0.1"),
  cert: Deno.readTextFileSync(certFile),
  key: Deno.readTextFileSync(keyFile),
  signal: controller.signal,
  onListen: ({ port }) => {
    console.log(JSON.stringify({ msg: "listening", ws_port: port, runtime: "deno-serve" }));
  },
}, (req) => {
  if (req.headers.get("upgrade") !== "websocket") return new Response("ok\n");
  const { socket, response } = Deno.upgradeWebSocket(req);
  sockets.add(socket);
  socket.onclose = () => sockets.delete(socket);
  socket.onmessage = (e) => {
    let id: unknown = null;
    try {
      const msg = JSON.parse(String(e.data));
      if (typeof msg?.id === "number" || typeof msg?.id === "string") id = msg.id;
    } catch {
      // answer with id null
    }
    socket.send(JSON.stringify({ jsonrpc: "2.0", result: "pong", id }));
  };
  return response;
});

const stop = () => {
  for (const s of sockets) s.close(1001);
  controller.abort();
  setTimeout(() => Deno.exit(0), 500);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
await server.finished;
Deno.exit(0);
