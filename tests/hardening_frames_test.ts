/**
 * Hardening: 10,000 generated hostile frames over a real WSS connection. Every frame gets the
 * error the spec prescribes or a clean close with the right code; another client is served
 * throughout; memory does not grow across the run.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { WebSocket } from "ws";
import { type HostileFrame, hostileFrames } from "./support/hostile.ts";
import { RpcClient } from "./support/rpc_client.ts";
import { startTestService } from "./support/service.ts";

const COUNT = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;
/** With --v8-flags=--expose-gc (the test tasks pass it) the heap is measured after a full GC. */
const HEAP_BUDGET = gc ? 16e6 : 64e6;
function settledHeap(): number {
  gc?.();
  return Deno.memoryUsage().heapUsed;
}
if (!gc) console.warn("hardening frames: no --expose-gc, heap growth is measured without a GC");

type Outcome = { reply: unknown } | { close: number };

class Victim {
  ws!: WebSocket;
  #next: ((o: Outcome) => void) | null = null;
  constructor(private url: string, private ca: string, private token: string) {}

  async open(): Promise<void> {
    this.ws = new WebSocket(this.url, { ca: this.ca });
    await new Promise<void>((res, rej) => {
      this.ws.once("open", () => res());
      this.ws.once("error", rej);
    });
    this.ws.on("message", (d) => this.#next?.({ reply: JSON.parse(String(d)) }));
    this.ws.on("close", (code) => this.#next?.({ close: code }));
    const auth = await this.send({
      kind: "auth",
      data: JSON.stringify({
        jsonrpc: "2.0",
        method: "authenticate",
        params: { auth_token: this.token },
        id: "auth",
      }),
      expect: {},
    });
    assert.ok(
      "reply" in auth && (auth.reply as { result?: unknown }).result,
      "victim authenticates",
    );
  }

  send(f: HostileFrame): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no answer to ${f.kind}: ${String(f.data).slice(0, 120)}`)),
        5000,
      );
      this.#next = (o) => {
        clearTimeout(t);
        this.#next = null;
        resolve(o);
      };
      if (typeof f.data === "string") this.ws.send(f.data);
      else this.ws.send(f.data, { binary: f.binary === true });
    });
  }
}

function check(f: HostileFrame, o: Outcome): string | null {
  if ("close" in o) {
    return f.expect.close?.includes(o.close)
      ? null
      : `closed with ${o.close}, expected ${JSON.stringify(f.expect)}`;
  }
  if (f.expect.close) return `got a reply, expected close ${f.expect.close}`;
  const replies = Array.isArray(o.reply) ? o.reply : [o.reply];
  for (const r of replies as Record<string, unknown>[]) {
    if (r.jsonrpc !== "2.0" || !("id" in r)) {
      return `not a JSON-RPC response: ${JSON.stringify(r).slice(0, 200)}`;
    }
    if ("result" in r === "error" in r) return "exactly one of result/error expected";
    const code = "error" in r ? (r.error as { code: number }).code : null;
    const allowed = f.expect.codes ?? [];
    if (!allowed.includes(code)) return `code ${code} not in ${JSON.stringify(allowed)}`;
    if (code !== null && code === -32603) return "internal error";
    const text = JSON.stringify(r);
    if (/at .*\.ts:\d+/.test(text)) return "stack trace leaked";
  }
  return null;
}

Deno.test({
  name:
    "hardening - 10,000 hostile frames: prescribed errors or clean closes, others served, memory flat",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const t = await startTestService((c) => {
      c.server.rate_limit_rps = 1_000_000;
      c.server.rate_limit_burst = 1_000_000;
      c.server.max_frame_bytes = 256 * 1024;
      c.logging.level = "error";
    });
    try {
      const ca = await readFile(t.pki.caFile, "utf8");
      const url = t.addr.ws_url.replace("localhost", "127.0.0.1");
      const admin = await t.token("admin");
      const observer = await RpcClient.connect(url, { ca });
      let observed = 0;
      let observerFailures = 0;
      let stopObserver = false;
      const observing = (async () => {
        while (!stopObserver) {
          const r = await observer.call("ping");
          if (r.result === "pong") observed++;
          else observerFailures++;
          await new Promise((res) => setTimeout(res, 20));
        }
      })();

      const frames = hostileFrames(20261129, COUNT);
      const victim = new Victim(url, ca, admin);
      await victim.open();
      const failures: string[] = [];
      const counts: Record<string, number> = {};
      let heapMid = 0;
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i];
        counts[f.kind.split("-")[0]] = (counts[f.kind.split("-")[0]] ?? 0) + 1;
        const o = await victim.send(f);
        const problem = check(f, o);
        if (problem) failures.push(`#${i} ${f.kind}: ${problem}`);
        if ("close" in o) await victim.open();
        if (i === Math.floor(COUNT / 2)) heapMid = settledHeap();
      }
      // heapUsed is this test file's isolate (service + client); RSS would count the other test
      // files that --parallel runs in the same process.
      const heapEnd = settledHeap();
      stopObserver = true;
      await observing;
      await observer.close();
      victim.ws.close();
      console.log(
        `hostile frames: ${COUNT} tried, ${
          COUNT - failures.length
        } passed, ${failures.length} failed; ` +
          `observer pings ${observed} ok / ${observerFailures} failed; heap mid ${
            (heapMid / 1e6).toFixed(1)
          } MB, end ${(heapEnd / 1e6).toFixed(1)} MB; ` +
          `kinds ${JSON.stringify(counts)}`,
      );
      assert.deepEqual(failures.slice(0, 10), []);
      assert.equal(observerFailures, 0);
      assert.ok(observed > 10, "the other client was served throughout");
      assert.ok(
        heapEnd - heapMid < HEAP_BUDGET,
        `heap grew by ${((heapEnd - heapMid) / 1e6).toFixed(1)} MB over the second half`,
      );
    } finally {
      await t.stop();
    }
  },
});
