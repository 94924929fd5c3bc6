/**
 * The notification hub: keeps the live sessions, takes events from the bus and sends each to
 * the authenticated sessions whose subscription matches. Sending is non-blocking: a session
 * whose queue is full is closed by `Session.send`, so a slow client never slows the others.
 */
import type { EventBus, EventMap, EventName } from "../core/events.ts";
import type { Session } from "./session.ts";

export class NotificationHub {
  #sessions = new Set<Session>();
  #unsubscribe: (() => void)[] = [];
  #delivered = 0;

  constructor(bus: EventBus, events: EventName[] = [
    "camera_status_update",
    "recording_status_update",
    "snapshot_taken",
  ]) {
    for (const name of events) {
      this.#unsubscribe.push(bus.on(name, (payload) => this.publish(name, payload)));
    }
  }

  add(session: Session): void {
    this.#sessions.add(session);
  }

  remove(session: Session): void {
    this.#sessions.delete(session);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** All live sessions (for stats and shutdown). */
  sessions(): Iterable<Session> {
    return this.#sessions;
  }

  /** Notifications sent since start. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Send one event to every matching authenticated session; returns how many got it. */
  publish<K extends EventName>(name: K, payload: EventMap[K]): number {
    // Encoded once: 1000 sessions share one buffer instead of 1000 UTF-8 encodings.
    let frame: Uint8Array | null = null;
    let n = 0;
    for (const s of this.#sessions) {
      if (s.closed || !s.identity) continue;
      if (!s.subscription.matches(name, payload as unknown as Record<string, unknown>)) continue;
      frame ??= new TextEncoder().encode(
        JSON.stringify({ jsonrpc: "2.0", method: name, params: payload }),
      );
      s.send(frame);
      n++;
    }
    this.#delivered += n;
    return n;
  }

  /** Global subscription statistics (get_subscription_stats). */
  stats(): {
    total_subscriptions: number;
    active_clients: number;
    topic_counts: Record<string, number>;
  } {
    const topic_counts: Record<string, number> = {};
    let total = 0;
    let active = 0;
    for (const s of this.#sessions) {
      if (!s.identity) continue;
      const topics = s.subscription.topics;
      if (topics.length) active++;
      for (const t of topics) {
        topic_counts[t] = (topic_counts[t] ?? 0) + 1;
        total++;
      }
    }
    return { total_subscriptions: total, active_clients: active, topic_counts };
  }

  close(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
  }
}
