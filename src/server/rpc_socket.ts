/** Binds one WebSocket to a JSON-RPC session: frames in, replies and notifications out. */
import type { WebSocket } from "ws";
import type { Logger } from "../observability/log.ts";
import type { RpcEngine } from "../rpc/engine.ts";
import type { Fanout } from "../rpc/fanout.ts";
import type { NotificationHub } from "../rpc/hub.ts";
import { Session } from "../rpc/session.ts";
import type { WsConnectionInfo } from "./listener.ts";
import { clientAddress } from "./proxy.ts";
import { directSocket, wsTextFrame } from "./ws_frame.ts";

export interface RpcSocketOptions {
  engine: RpcEngine;
  hub: NotificationHub;
  log: Logger;
  trustedProxies: readonly string[];
  maxSendQueue: number;
  rateLimitRps: number;
  rateLimitBurst: number;
  onOpen?(session: Session): void;
  onClose?(session: Session): void;
}

/** Frames of one connection processed at once; further frames wait for a slot. */
const MAX_IN_FLIGHT = 64;
/** Time a peer gets to answer our close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

export function attachRpcSocket(
  ws: WebSocket,
  info: WsConnectionInfo,
  opts: RpcSocketOptions,
): Session {
  const remote = clientAddress(
    info.req.socket.remoteAddress,
    info.req.headers["x-forwarded-for"],
    opts.trustedProxies,
  );
  // Frames handed to ws/the socket whose write has not been called back yet (max_send_queue).
  let pending = 0;
  // Fan-outs among those, in write order: a socket calls its write callbacks in order, so one
  // callback made here (not one closure per frame) finds its fan-out by shifting this queue.
  const fanouts: Fanout[] = [];
  const written = () => {
    pending--;
  };
  const fanoutWritten = () => {
    pending--;
    fanouts.shift()?.written();
  };
  const session = new Session(remote, info.certSubject, {
    send(text) {
      if (ws.readyState !== ws.OPEN) return true;
      if (pending >= opts.maxSendQueue) return false;
      pending++;
      // Bytes go out as a text frame too.
      ws.send(text, { binary: false }, written);
      return true;
    },
    sendFanout(fan) {
      if (ws.readyState !== ws.OPEN) return true;
      if (pending >= opts.maxSendQueue) return false;
      pending++;
      fan.hold();
      fanouts.push(fan);
      const socket = directSocket(ws);
      if (socket) socket.write(fan.framed(wsTextFrame), fanoutWritten);
      else ws.send(fan.data, { binary: false }, fanoutWritten);
      return true;
    },
    close(code, reason) {
      ws.close(code, reason);
      // A peer that does not read never answers the close frame; without this, ws holds the
      // socket (and its max_connections slot and send buffers) for its 30 s close timeout.
      const force = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      ws.once("close", () => clearTimeout(force));
    },
  }, { log: opts.log, rateLimitRps: opts.rateLimitRps, rateLimitBurst: opts.rateLimitBurst });

  session.log.info("connection opened", {
    remote,
    client_cert: info.certSubject ?? undefined,
  });
  opts.hub.add(session);
  opts.onOpen?.(session);

  let inFlight = 0;
  const queue: string[] = [];
  const run = (text: string) => {
    inFlight++;
    opts.engine.handleText(text, session)
      .then((out) => {
        if (out !== null) session.send(out);
      })
      .catch((err) => session.log.error("frame handling failed", { error: String(err) }))
      .finally(() => {
        inFlight--;
        const next = queue.shift();
        if (next !== undefined && !session.closed) run(next);
      });
  };

  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      session.log.info("binary frame refused; closing", { remote });
      session.close(1003, "binary frames are not supported; send JSON text frames");
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString();
    if (inFlight < MAX_IN_FLIGHT) run(text);
    else if (queue.length < opts.maxSendQueue) queue.push(text);
    else {
      session.log.warn("client floods requests faster than they are answered; closing", { remote });
      session.close(1008, "too many requests in flight");
    }
  });
  ws.on("close", (code) => {
    session.closed = true;
    opts.hub.remove(session);
    opts.onClose?.(session);
    session.log.info("connection closed", { remote, code });
  });
  ws.on("error", (err) => session.log.info("connection error", { remote, error: err.message }));
  return session;
}
