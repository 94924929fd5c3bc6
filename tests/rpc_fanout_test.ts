/**
 * Notification fan-out units: the hub (matching, one shared frame, timing once every write was
 * called back, slow consumers), subscriptions compiled per event, and the pre-built WebSocket
 * text frame (decoded by ws's own Receiver).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import * as wsModule from "ws";
import { EventBus } from "../src/core/events.ts";
import { type LogFields, Logger } from "../src/observability/log.ts";
import type { Fanout } from "../src/rpc/fanout.ts";
import { type FanoutTiming, NotificationHub } from "../src/rpc/hub.ts";
import { Session, type SessionTransport } from "../src/rpc/session.ts";
import { Subscription } from "../src/rpc/subscription.ts";
import { directSocket, wsTextFrame } from "../src/server/ws_frame.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { httpsGet, startTestService } from "./support/service.ts";

/** ws's frame parser (exported by the package, not by its type definitions). */
const { Receiver } = wsModule as unknown as {
  Receiver: new (opts: { isServer: boolean }) => Writable;
};

const camera = (device: string, status = "CONNECTED") =>
  ({
    device,
    status,
    name: "Cam",
    resolution: "640x480",
    fps: 30,
    streams: { rtsp: "", hls: "", webrtc: "" },
  }) as never;

/** A transport that records frames and calls writes back only when told to. */
function fakeTransport(opts: { full?: boolean; shared?: boolean } = {}) {
  const frames: Uint8Array[] = [];
  const callbacks: (() => void)[] = [];
  let closed: [number, string] | null = null;
  const t: SessionTransport = {
    send(text) {
      frames.push(typeof text === "string" ? new TextEncoder().encode(text) : text);
      return !opts.full;
    },
    close: (code, reason) => {
      closed = [code, reason];
    },
  };
  if (opts.shared !== false) {
    t.sendFanout = (fan: Fanout) => {
      if (opts.full) return false;
      fan.hold();
      frames.push(fan.framed(wsTextFrame));
      callbacks.push(fan.written);
      return true;
    };
  }
  return { t, frames, callbacks, closed: () => closed };
}

function session(t: SessionTransport, logs: LogFields[] = []): Session {
  const log = new Logger({
    level: "info",
    format: "json",
    sink: (line) => logs.push(JSON.parse(line)),
  });
  const s = new Session("127.0.0.1", null, t, { log, rateLimitRps: 10, rateLimitBurst: 10 });
  s.identity = { user_id: "u", role: "viewer", method: "jwt", expires_at: null };
  return s;
}

Deno.test("fanout hub - one frame shared by matching sessions, timed after the last write", () => {
  const bus = new EventBus();
  const hub = new NotificationHub(bus);
  const timings: FanoutTiming[] = [];
  hub.onFanout((t) => timings.push(t));
  const a = fakeTransport(), b = fakeTransport(), c = fakeTransport(), anon = fakeTransport();
  const sa = session(a.t), sb = session(b.t), sc = session(c.t);
  sc.subscription.subscribe(["camera.*"], { device: "camera9" });
  for (const s of [sa, sb, sc]) hub.add(s);
  const sAnon = session(anon.t);
  sAnon.identity = null;
  hub.add(sAnon);

  assert.equal(hub.publish("camera_status_update", camera("camera1")), 2);
  assert.equal(a.frames.length, 1);
  assert.equal(b.frames.length, 1);
  assert.equal(c.frames.length, 0, "filtered out by device");
  assert.equal(anon.frames.length, 0, "unauthenticated sessions get nothing");
  assert.equal(a.frames[0], b.frames[0], "one buffer for every recipient");
  assert.equal(timings.length, 0, "not timed before the writes are called back");
  a.callbacks[0]();
  assert.equal(timings.length, 0);
  b.callbacks[0]();
  assert.equal(timings.length, 1);
  const t = timings[0];
  assert.equal(t.event, "camera_status_update");
  assert.equal(t.recipients, 2);
  assert.ok(t.writtenMs >= t.queuedMs && t.queuedMs >= 0, JSON.stringify(t));
  assert.ok(Math.abs(t.emittedAtUnixMs - Date.now()) < 5000);
  assert.equal(hub.delivered, 2);
  hub.close();
});

Deno.test("fanout hub - the frame is the JSON-RPC notification, decodable by ws", async () => {
  const bus = new EventBus();
  const hub = new NotificationHub(bus);
  const a = fakeTransport();
  hub.add(session(a.t));
  bus.emit("camera_status_update", camera("camera3", "DISCONNECTED"));
  const got = await new Promise<string>((resolve, reject) => {
    const r = new Receiver({ isServer: false });
    r.on("message", (data: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false);
      resolve(data.toString("utf8"));
    });
    r.on("error", reject);
    r.write(Buffer.from(a.frames[0]));
  });
  assert.deepEqual(JSON.parse(got), {
    jsonrpc: "2.0",
    method: "camera_status_update",
    params: JSON.parse(JSON.stringify(camera("camera3", "DISCONNECTED"))),
  });
  hub.close();
});

Deno.test("fanout hub - a full queue closes that session (1008, log line), others still get it", () => {
  const hub = new NotificationHub(new EventBus());
  const timings: FanoutTiming[] = [];
  hub.onFanout((t) => timings.push(t));
  const logs: LogFields[] = [];
  const slow = fakeTransport({ full: true }), ok = fakeTransport();
  const sSlow = session(slow.t, logs);
  hub.add(sSlow);
  hub.add(session(ok.t));
  assert.equal(hub.publish("camera_status_update", camera("camera1")), 1);
  assert.deepEqual(slow.closed(), [1008, "outbound queue full"]);
  assert.ok(sSlow.closed);
  assert.ok(logs.some((l) => String(l.msg).includes("outbound queue full") && l.level === "warn"));
  ok.callbacks[0]();
  assert.equal(timings[0].recipients, 1);
  // A closed session is skipped from then on.
  assert.equal(hub.publish("camera_status_update", camera("camera1")), 1);
  assert.equal(slow.frames.length, 0);
});

Deno.test("fanout hub - transports without sendFanout get the bytes; no recipients, no timing", () => {
  const hub = new NotificationHub(new EventBus());
  const timings: FanoutTiming[] = [];
  hub.onFanout((t) => timings.push(t));
  const plain = fakeTransport({ shared: false });
  const s = session(plain.t);
  hub.add(s);
  assert.equal(hub.publish("recording_status_update", { device: "camera0" } as never), 1);
  assert.equal(
    JSON.parse(new TextDecoder().decode(plain.frames[0])).method,
    "recording_status_update",
  );
  assert.equal(timings.length, 1, "written synchronously by the fallback");
  s.subscription.unsubscribe();
  assert.equal(hub.publish("recording_status_update", { device: "camera0" } as never), 0);
  assert.equal(timings.length, 1);
});

Deno.test("fanout subscription - topics compiled per event: names, dotted statuses, filters", () => {
  const s = new Subscription();
  const ev = (status: string, device = "camera0") => ({ device, status });
  assert.ok(s.matches("camera_status_update", ev("ERROR")), "default: every camera status");
  assert.ok(s.matches("recording_status_update", ev("STARTED")));
  assert.ok(!s.matches("snapshot_taken", ev("")), "snapshots are not in the default");
  s.unsubscribe(["camera_status_update"]);
  assert.ok(!s.matches("camera_status_update", ev("CONNECTED")));
  s.subscribe(["camera.connected", "camera.error"]);
  assert.ok(s.matches("camera_status_update", ev("CONNECTED")));
  assert.ok(s.matches("camera_status_update", ev("ERROR")));
  assert.ok(!s.matches("camera_status_update", ev("DISCONNECTED")));
  s.subscribe(["camera.*"], { device: "camera2" });
  assert.ok(s.matches("camera_status_update", ev("DISCONNECTED", "camera2")));
  assert.ok(!s.matches("camera_status_update", ev("CONNECTED", "camera1")), "filter applies");
  assert.ok(!s.matches("recording_status_update", ev("STARTED", "camera1")));
  s.unsubscribe(["camera.*"]);
  assert.ok(!s.matches("camera_status_update", ev("DISCONNECTED", "camera2")));
  assert.ok(s.matches("camera_status_update", ev("ERROR", "camera2")));
  assert.deepEqual(s.unsubscribe().sort(), [
    "camera.connected",
    "camera.error",
    "recording_status_update",
  ]);
  assert.ok(!s.matches("camera_status_update", ev("ERROR", "camera2")));
  assert.deepEqual(s.filters, {});
});

Deno.test("fanout frame - header lengths at the 125 / 126 / 65535 / 65536 boundaries", () => {
  for (
    const [n, head, marker] of [[0, 2, 0], [125, 2, 125], [126, 4, 126], [65535, 4, 126], [
      65536,
      10,
      127,
    ]]
  ) {
    const data = new Uint8Array(n).fill(0x61);
    const f = wsTextFrame(data);
    assert.equal(f.length, head + n, `length for ${n}`);
    assert.equal(f[0], 0x81, "FIN + text");
    assert.equal(f[1], marker, `length marker for ${n}`);
    const view = new DataView(f.buffer, f.byteOffset, f.length);
    if (marker === 126) assert.equal(view.getUint16(2), n);
    if (marker === 127) assert.equal(Number(view.getBigUint64(2)), n);
    assert.ok(f.subarray(head).every((b) => b === 0x61));
  }
});

Deno.test({
  name: "fanout service - WSS sessions get each event in order; /metrics times the fan-out",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService();
    const clients: RpcClient[] = [];
    try {
      const ca = await readFile(t.pki.caFile, "utf8");
      const url = t.addr.ws_url.replace("localhost", "127.0.0.1");
      const token = await t.token("viewer");
      for (let i = 0; i < 3; i++) {
        const c = await RpcClient.connect(url, { ca });
        clients.push(c);
        assert.ok((await c.call("authenticate", { auth_token: token })).result);
      }
      const [a, b, other] = clients;
      assert.ok(
        (await other.call("subscribe_events", {
          topics: ["camera.connected"],
          filters: { device: "camera7" },
        })).result,
      );
      // Replies (ws.send) and notifications (pre-framed socket writes) interleave in order.
      const pings = Array.from({ length: 20 }, () => a.call("ping"));
      for (let i = 0; i < 50; i++) {
        t.service.bus.emit("camera_status_update", camera(`camera${i}`));
      }
      await Promise.all(pings);
      for (const c of [a, b]) {
        await c.waitFor((n) => n.params.device === "camera49");
        const seen = c.notifications.filter((n) => n.method === "camera_status_update");
        assert.deepEqual(
          seen.map((n) => n.params.device),
          Array.from({ length: 50 }, (_, i) => `camera${i}`),
        );
        assert.deepEqual(seen[7].params, JSON.parse(JSON.stringify(camera("camera7"))));
      }
      await other.waitFor((n) => n.params.device === "camera7");
      assert.equal(other.notifications.length, 1, "filtered to camera7");

      const metrics = (await httpsGet(t.healthUrl("/metrics"), ca)).body;
      const value = (re: RegExp) => Number(metrics.match(re)?.[1]);
      assert.equal(
        value(
          /^camera_service_notification_fanout_seconds_count\{event="camera_status_update"\} (\d+)$/m,
        ),
        50,
        metrics,
      );
      assert.equal(
        value(
          /^camera_service_notification_last_fanout_recipients\{event="camera_status_update"\} (\S+)$/m,
        ),
        2,
      );
      const written = value(/^camera_service_notification_last_fanout_seconds\{[^}]*\} (\S+)$/m);
      const queued = value(
        /^camera_service_notification_last_fanout_queued_seconds\{[^}]*\} (\S+)$/m,
      );
      assert.ok(written >= queued && queued >= 0, `${written} ${queued}`);
      const at = value(
        /^camera_service_notification_last_fanout_timestamp_seconds\{[^}]*\} (\S+)$/m,
      );
      assert.ok(Math.abs(at * 1000 - Date.now()) < 30_000, `emit time ${at}`);
      assert.match(
        metrics,
        /^camera_service_notification_fanout_recipients_bucket\{event="camera_status_update",le="10"\} 50$/m,
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await t.stop();
    }
  },
});

Deno.test("fanout frame - direct socket only while ws is open, idle and without extensions", async () => {
  const wss = new wsModule.WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((r) => wss.once("listening", r));
  const port = (wss.address() as { port: number }).port;
  const serverSide = new Promise<wsModule.WebSocket>((r) => wss.once("connection", r));
  const client = new wsModule.WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  const got: string[] = [];
  client.on("message", (d) => got.push(String(d)));
  await new Promise((r) => client.once("open", r));
  const ws = await serverSide;
  try {
    const socket = directSocket(ws);
    assert.ok(socket, "open, idle, no extension");
    ws.send("one");
    socket.write(wsTextFrame(new TextEncoder().encode("two")));
    ws.send("three", { fin: false }); // a fragmented message in progress: no direct write
    assert.equal(directSocket(ws), null);
    ws.send("!", { fin: true });
    assert.ok(directSocket(ws));
    while (got.length < 3) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ["one", "two", "three!"]);
    ws.close();
    assert.equal(directSocket(ws), null, "closing");
  } finally {
    client.terminate();
    await new Promise((r) => wss.close(r));
  }
});
