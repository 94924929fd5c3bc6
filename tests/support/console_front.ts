/**
 * Where the browser test opens the console. When the service serves the console itself
 * (GET / answers the console's index), that is the service's own URL. Otherwise a same-origin
 * front is started: an HTTPS server (test certificate) that serves `consoleRoutes()` and passes
 * every other request and the WebSocket upgrade to the service, byte for byte.
 */
import { getRequestListener } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import { createServer, request } from "node:https";
import type { Duplex } from "node:stream";
import { connect } from "node:tls";
import { consoleOptions, consoleRoutes } from "../../src/http/console.ts";
import { httpsGet, type TestService } from "./service.ts";

/** The console's address for a test, and how to stop it. */
export interface ConsoleFront {
  url: string;
  /** True when the service itself served the console (the lead's mount is in place). */
  servedByService: boolean;
  close(): Promise<void>;
}

/** The console for `t` (the service's own, or a front in front of it). */
export async function consoleFront(t: TestService): Promise<ConsoleFront> {
  const ca = await readFile(t.pki.caFile, "utf8");
  const own = `https://127.0.0.1:${t.addr.ws_port}`;
  const probe = await httpsGet(`${own}/`, ca);
  if (probe.status === 200 && probe.body.includes('name="camera-service-ws"')) {
    return { url: own, servedByService: true, close: () => Promise.resolve() };
  }
  const routes = consoleRoutes(consoleOptions(t.config));
  const serveConsole = getRequestListener(routes.fetch);
  const sockets = new Set<Duplex>();
  const server = createServer({
    cert: await readFile(t.pki.serverCertFile),
    key: await readFile(t.pki.serverKeyFile),
  }, (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/" || path === "/index.html" || path.startsWith("/console/")) {
      return serveConsole(req, res);
    }
    const up = request({
      host: "127.0.0.1",
      port: t.addr.ws_port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      ca,
      agent: false,
    }, (r) => {
      // Hop-by-hop headers stay on their hop; one request per front connection keeps the
      // browser's connection pool simple.
      const headers: Record<string, string | string[] | undefined> = {
        ...r.headers,
        connection: "close",
      };
      delete headers["keep-alive"];
      delete headers["transfer-encoding"];
      res.writeHead(r.statusCode ?? 502, headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket, head) => {
    const up = connect({ host: "127.0.0.1", port: t.addr.ws_port, ca, servername: "localhost" });
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    up.on("secureConnect", () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    servedByService: false,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
