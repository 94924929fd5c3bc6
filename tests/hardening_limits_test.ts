/**
 * Hardening: resource limits. A connection flood past server.max_connections (served up to the
 * limit, the rest refused with 503 and a log line, the served ones keep answering); a client
 * that never reads while notifications pour in (closed once max_send_queue is exceeded, with a
 * log line; other clients unaffected; memory bounded) and whose slot is then freed within
 * seconds; a request flood without reading; slowloris (trickled headers on both ports, TCP
 * without a TLS handshake) cut off at 10 s.
 */
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { Tally, until } from "./support/hardening_tally.ts";
import { RawWs } from "./support/hardening_ws_raw.ts";
import { startTestService } from "./support/service.ts";

const tally = new Tally("limits");

/** Open a WebSocket; resolves with it, or with the HTTP status of a refused upgrade. */
function tryOpen(url: string, ca: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (e) => reject(e));
  });
}

Deno.test({
  name:
    "hardening limits - connection flood past max_connections: 503s, a log line, served ones fine",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService((c) => {
      c.server.max_connections = 20;
    });
    try {
      const ca = t.ca;
      await tally.run("40 connections at once against max_connections 20", async () => {
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, () => tryOpen(t.wsUrl, ca)),
        );
        const open = outcomes.filter((o): o is WebSocket => typeof o !== "number");
        const refused = outcomes.filter((o) => typeof o === "number");
        assert.equal(open.length, 20, `served ${open.length}`);
        assert.deepEqual(refused, Array(20).fill(503));
        assert.ok(
          t.logs.filter((l) => String(l.msg).includes("max_connections")).length >= 20,
          "each refusal is logged",
        );
        // The served ones still answer.
        const clients = await Promise.all(open.map((ws) => {
          return new Promise<string>((resolve, reject) => {
            ws.once("message", (d) => resolve(String(d)));
            ws.once("error", reject);
            ws.send(JSON.stringify({ jsonrpc: "2.0", method: "ping", id: 1 }));
          });
        }));
        for (const r of clients) assert.equal(JSON.parse(r).result, "pong");
        // Slots free up again once connections close.
        await Promise.all(
          open.slice(0, 5).map((ws) => {
            const closed = new Promise((r) => ws.once("close", r));
            ws.close();
            return closed;
          }),
        );
        await until("freed slots counted", () => t.service.hub.size <= 15, 5000);
        const again = await Promise.all(Array.from({ length: 6 }, () => tryOpen(t.wsUrl, ca)));
        assert.equal(again.filter((o) => typeof o !== "number").length, 5);
        assert.equal(again.filter((o) => o === 503).length, 1);
        for (const ws of [...open, ...again]) {
          if (typeof ws !== "number") ws.terminate();
        }
      });
    } finally {
      await t.stop();
    }
  },
});

Deno.test({
  name: "hardening limits - a client that never reads is closed at max_send_queue; others served",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService((c) => {
      c.server.max_send_queue = 50;
      c.logging.level = "info";
    });
    try {
      const admin = await t.token("admin");
      const slow = await RawWs.open(t.addr.ws_port, t.config.server.websocket_path, [t.ca]);
      const good = await t.connect();
      await good.call("authenticate", { auth_token: admin });
      await slow.sendText(JSON.stringify({
        jsonrpc: "2.0",
        method: "authenticate",
        params: { auth_token: admin },
        id: 1,
      }));
      await until("both sessions subscribed", () => t.service.hub.size === 2, 5000);
      await new Promise((r) => setTimeout(r, 200));
      const memBefore = Deno.memoryUsage();
      let sent = 0;
      await tally.run("slow consumer closed with 1008 and a log line", async () => {
        const pad = "x".repeat(1000);
        const dropped = () => t.logs.some((l) => String(l.msg).includes("outbound queue full"));
        const deadline = Date.now() + 60_000;
        while (!dropped() && Date.now() < deadline) {
          // Bursts below the queue bound: a client that reads keeps up with them.
          for (let i = 0; i < 20; i++, sent++) {
            t.service.bus.emit("camera_status_update", {
              device: "camera0",
              status: "CONNECTED",
              name: `flood ${sent} ${pad}`,
            } as never);
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(dropped(), `not dropped after ${sent} notifications`);
        let got = 0;
        const closing = slow.readUntilClose(() => got++);
        console.log(`slow consumer dropped after ${sent} notifications (~${sent} KB)`);
        const line = t.logs.find((l) => String(l.msg).includes("outbound queue full"))!;
        assert.equal(line.remote, "127.0.0.1");
        assert.equal(line.level, "warn");
        // The other client was not dropped, still answers, and got every notification.
        assert.equal(good.ws.readyState, WebSocket.OPEN, "the reading client was not dropped");
        assert.equal((await good.call("ping")).result, "pong");
        await until(
          "the good client got every notification",
          () =>
            good.notifications.filter((n) => n.method === "camera_status_update").length >= sent,
        );
        // Reading at last (within the server's close grace), the slow client finds a 1008
        // close after what had been queued.
        const code = await closing;
        assert.equal(code, 1008);
        assert.ok(got < sent + 1, `the slow client got ${got} frames of ${sent}`);
        slow.close();
        await until("the slow session left the hub", () => t.service.hub.size === 1, 5000);
      });
      await tally.run("memory stays bounded after the flood", () => {
        const after = Deno.memoryUsage();
        const mb = (n: number) => (n / 1e6).toFixed(1);
        console.log(
          `RSS before ${mb(memBefore.rss)} MB, after ${mb(after.rss)} MB; ` +
            `heap used before ${mb(memBefore.heapUsed)} MB, after ${mb(after.heapUsed)} MB`,
        );
        // The notifications themselves are ~sent KB; nothing of that may stay held.
        assert.ok(after.rss - memBefore.rss < 100e6, "RSS grew by more than 100 MB");
        assert.ok(after.heapUsed - memBefore.heapUsed < 50e6, "heap grew by more than 50 MB");
      });
      slow.close();
      await good.close();
    } finally {
      await t.stop();
    }
  },
});

Deno.test({
  name: "hardening limits - a dropped client that never reads is released in seconds, not 30 s",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService((c) => {
      c.server.max_send_queue = 50;
      c.server.max_connections = 1;
    });
    try {
      const slow = await RawWs.open(t.addr.ws_port, t.config.server.websocket_path, [t.ca]);
      await slow.sendText(JSON.stringify({
        jsonrpc: "2.0",
        method: "authenticate",
        params: { auth_token: await t.token("admin") },
        id: 1,
      }));
      await until("session subscribed", () => t.service.hub.size === 1, 5000);
      await new Promise((r) => setTimeout(r, 200));
      await tally.run("never-reading client: slot and buffers released promptly", async () => {
        const pad = "x".repeat(1000);
        const dropped = () => t.logs.some((l) => String(l.msg).includes("outbound queue full"));
        for (let n = 0; !dropped() && n < 200_000; n++) {
          t.service.bus.emit("camera_status_update", {
            device: "camera0",
            status: "CONNECTED",
            name: `flood ${n} ${pad}`,
          } as never);
          if (n % 20 === 19) await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(dropped());
        const t0 = Date.now();
        // The peer never answers the close frame; its slot (max_connections 1) must come back.
        await until("the session released", () => t.service.hub.size === 0, 15_000);
        const took = Date.now() - t0;
        console.log(`never-reading client released ${took} ms after the drop`);
        assert.ok(took < 10_000, `held for ${took} ms`);
        const next = await t.connect();
        assert.equal((await next.call("ping")).result, "pong", "the slot is free again");
        await next.close();
      });
      slow.close();
    } finally {
      await t.stop();
    }
  },
});

Deno.test({
  name: "hardening limits - requests sent without reading replies: dropped, others unaffected",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService((c) => {
      c.server.max_send_queue = 50;
      c.server.rate_limit_rps = 1_000_000;
      c.server.rate_limit_burst = 1_000_000;
    });
    try {
      const good = await t.connect();
      const flooder = await RawWs.open(t.addr.ws_port, t.config.server.websocket_path, [t.ca]);
      await tally.run("request flood without reading", async () => {
        const frame = JSON.stringify({
          jsonrpc: "2.0",
          method: "get_server_info",
          params: { pad: "y".repeat(100) },
          id: 1,
        });
        let sent = 0;
        const dropped = () =>
          t.logs.some((l) => /outbound queue full|floods requests/.test(String(l.msg)));
        await until("the flooder is dropped", async () => {
          for (let i = 0; i < 200; i++, sent++) {
            await flooder.sendText(frame).catch(() => undefined);
          }
          return dropped();
        }, 60_000);
        console.log(`flooder dropped after ${sent} requests`);
        assert.equal((await good.call("ping")).result, "pong");
        const code = await flooder.readUntilClose();
        assert.equal(code, 1008);
      });
      flooder.close();
      await good.close();
    } finally {
      await t.stop();
    }
  },
});

/** Watch a socket until it is closed by the server; resolves with ms taken and data seen. */
function closedWithin(
  s: import("node:net").Socket,
  start: number,
  capMs: number,
): Promise<{ ms: number; data: string }> {
  return new Promise((resolve) => {
    let data = "";
    s.on("data", (d) => (data += d));
    s.on("error", () => undefined);
    const cap = setTimeout(() => s.destroy(), capMs);
    s.on("close", () => {
      clearTimeout(cap);
      resolve({ ms: Date.now() - start, data });
    });
  });
}

Deno.test("hardening limits - slowloris: partial headers and a missing TLS handshake are cut off", async () => {
  const t = await startTestService();
  try {
    const ca = t.ca;
    const net = await import("node:net");
    const tls = await import("node:tls");
    const start = Date.now();
    // 1. TLS done, then an upgrade request trickled one header line a second, never finished.
    const slowHeaders = tls.connect({
      host: "127.0.0.1",
      port: t.addr.ws_port,
      ca,
      servername: "localhost",
    }, () => slowHeaders.write(`GET ${t.config.server.websocket_path} HTTP/1.1\r\nHost: x\r\n`));
    // The same on the health port.
    const slowHealth = tls.connect({
      host: "127.0.0.1",
      port: t.addr.health_port,
      ca,
      servername: "localhost",
    }, () => slowHealth.write("GET /health/live HTTP/1.1\r\nHost: x\r\n"));
    const trickle = setInterval(() => {
      for (const s of [slowHeaders, slowHealth]) if (!s.destroyed) s.write("X-Slow: 1\r\n");
    }, 1000);
    // 2. TCP open, no TLS handshake at all (on both ports).
    const silent = [t.addr.ws_port, t.addr.health_port].map((port) =>
      net.connect({ host: "127.0.0.1", port })
    );
    const good = await t.connect();
    const [headers, healthHeaders, ...handshakes] = await Promise.all([
      closedWithin(slowHeaders, start, 25_000),
      closedWithin(slowHealth, start, 25_000),
      ...silent.map((s) => closedWithin(s, start, 25_000)),
    ]);
    clearInterval(trickle);
    console.log(
      `slowloris: trickled headers closed after ${headers.ms} / ${healthHeaders.ms} ms, ` +
        `silent TCP after ${handshakes.map((h) => h.ms).join(" / ")} ms`,
    );
    await tally.run("slowloris: trickled upgrade headers closed at headersTimeout (10 s)", () => {
      assert.ok(headers.ms >= 9_000 && headers.ms < 15_000, `closed after ${headers.ms} ms`);
      assert.match(headers.data, /^HTTP\/1\.1 408/);
    });
    await tally.run("slowloris: trickled headers on the health port closed too", () => {
      assert.ok(healthHeaders.ms >= 9_000 && healthHeaders.ms < 15_000, `${healthHeaders.ms} ms`);
      assert.match(healthHeaders.data, /^HTTP\/1\.1 408/);
    });
    await tally.run("slowloris: TCP without a TLS handshake closed at 10 s on both ports", () => {
      for (const h of handshakes) assert.ok(h.ms >= 9_000 && h.ms < 15_000, `${h.ms} ms`);
    });
    await tally.run("slowloris: other clients served meanwhile", async () => {
      assert.equal((await good.call("ping")).result, "pong");
    });
    await good.close();
  } finally {
    await t.stop();
  }
});

Deno.test("hardening limits - summary", () => tally.report());
