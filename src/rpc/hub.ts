/**
 * The notification hub: keeps the live sessions, takes events from the bus and sends each to
 * the authenticated sessions whose subscription matches. Sending is non-blocking: a session
 * whose queue is full is closed by `Session.deliver`, so a slow client never slows the others.
 * Each event is serialized and framed once (a `Fanout`) and timed from the emit until the last
 * recipient's socket wrote it; `onFanout` observers (the metrics) get that timing.
 */
import type { EventBus, EventMap, EventName } from "../core/events.ts";
import { Fanout, type FanoutTiming } from "./fanout.ts";
import type { Session } from "./session.ts";

export type { FanoutTiming } from "./fanout.ts";

export class NotificationHub {
  #sessions = new Set<Session>();
  #unsubscribe: (() => void)[] = [];
  #delivered = 0;
  #observers: ((t: FanoutTiming) => void)[] = [];
  #report = (t: FanoutTiming): void => {
    if (t.recipients === 0) return;
    for (const fn of this.#observers) fn(t);
  };

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

  /** Calls `fn` after each fan-out that reached at least one session, once all were written. */
  onFanout(fn: (t: FanoutTiming) => void): void {
    this.#observers.push(fn);
  }

  /** Send one event to every matching authenticated session; returns how many got it. */
  publish<K extends EventName>(name: K, payload: EventMap[K]): number {
    const emittedAt = performance.now();
    const fields = payload as unknown as Record<string, unknown>;
    // Serialized and framed once: 1000 sessions share one buffer and one write callback.
    let fan: Fanout | null = null;
    for (const s of this.#sessions) {
      if (s.closed || !s.identity || !s.subscription.matches(name, fields)) continue;
      fan ??= new Fanout(name, payload, {
        emittedAt,
        onDone: this.#observers.length ? this.#report : undefined,
      });
      s.deliver(fan);
    }
    if (!fan) return 0;
    fan.seal();
    this.#delivered += fan.recipients;
    return fan.recipients;
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
