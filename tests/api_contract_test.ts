/** The system methods' results, over a real socket, validate against the published contract. */
import assert from "node:assert/strict";
import { contractErrors } from "./media_contract.ts";
import { startTestService } from "./support/service.ts";

Deno.test("api contract - system, auth and subscription results match their schemas", async () => {
  const t = await startTestService();
  try {
    const c = await t.connect();
    const calls: [string, unknown][] = [
      ["ping", undefined],
      ["authenticate", { auth_token: await t.token("admin") }],
      ["get_server_info", undefined],
      ["get_status", undefined],
      ["get_system_status", undefined],
      ["get_metrics", undefined],
      ["subscribe_events", {
        topics: ["camera.connected", "recording_status_update"],
        filters: { device: "camera0" },
      }],
      ["get_subscription_stats", undefined],
      ["unsubscribe_events", { topics: ["camera.connected"] }],
      ["unsubscribe_events", {}],
      ["get_camera_list", undefined],
      ["get_storage_info", undefined],
      ["list_recordings", { limit: 5 }],
      ["list_snapshots", {}],
      ["get_external_streams", undefined],
    ];
    for (const [method, params] of calls) {
      const r = await c.call(method, params);
      assert.ok("result" in r, `${method}: ${JSON.stringify(r.error)}`);
      assert.deepEqual(
        contractErrors(method, r.result),
        [],
        `${method}: ${JSON.stringify(r.result)}`,
      );
    }
    // The figures are measured, not invented.
    const m = (await c.call("get_metrics")).result as { system_metrics: Record<string, number> };
    assert.ok(m.system_metrics.memory_usage > 0 && m.system_metrics.memory_usage < 100);
    const stats = (await c.call("get_subscription_stats")).result as {
      global_stats: { active_clients: number };
      client_topics: string[];
    };
    assert.deepEqual(stats.client_topics, []);
    await c.close();
  } finally {
    await t.stop();
  }
});
