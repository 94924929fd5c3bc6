/**
 * Event subscriptions of one session: which notifications it gets and field filters.
 * Topics are notification names (`camera_status_update`) or the dotted topics of the
 * OpenRPC prose (`camera.connected`, `recording.start`, ...), each a name plus a predicate.
 */
import type { EventName } from "../core/events.ts";

interface TopicRule {
  event: EventName;
  /** Required value of the event's `status` field, if any. */
  status?: string;
}

/** Every accepted topic and what it selects. */
export const TOPICS: Readonly<Record<string, TopicRule>> = {
  camera_status_update: { event: "camera_status_update" },
  recording_status_update: { event: "recording_status_update" },
  snapshot_taken: { event: "snapshot_taken" },
  "camera.*": { event: "camera_status_update" },
  "camera.status_change": { event: "camera_status_update" },
  "camera.connected": { event: "camera_status_update", status: "CONNECTED" },
  "camera.disconnected": { event: "camera_status_update", status: "DISCONNECTED" },
  "camera.error": { event: "camera_status_update", status: "ERROR" },
  "recording.*": { event: "recording_status_update" },
  "recording.start": { event: "recording_status_update", status: "STARTED" },
  "recording.stop": { event: "recording_status_update", status: "STOPPED" },
  "recording.error": { event: "recording_status_update", status: "FAILED" },
  "snapshot.taken": { event: "snapshot_taken" },
};

/** The default for an authenticated session: both notifications of the contract. */
export const DEFAULT_TOPICS = ["camera_status_update", "recording_status_update"];

/** Per event: null = every status, else the statuses wanted. Absent = not subscribed. */
type EventSelector = Map<EventName, Set<string> | null>;

function selectorOf(topics: Iterable<string>): EventSelector {
  const sel: EventSelector = new Map();
  for (const t of topics) {
    const rule = TOPICS[t];
    if (!rule) continue;
    const cur = sel.get(rule.event);
    if (cur === null) continue; // already every status
    if (!rule.status) sel.set(rule.event, null);
    else if (cur) cur.add(rule.status);
    else sel.set(rule.event, new Set([rule.status]));
  }
  return sel;
}

const DEFAULT_SELECTOR = selectorOf(DEFAULT_TOPICS);

export class Subscription {
  #topics = new Set<string>(DEFAULT_TOPICS);
  #filters: Record<string, string | number | boolean> = {};
  /** The filters as entries, kept beside them: matches() runs per session per event. */
  #filterEntries: [string, string | number | boolean][] = [];
  /** The topics compiled per event (rebuilt on change; shared while still the default). */
  #selector: EventSelector = DEFAULT_SELECTOR;

  get topics(): string[] {
    return [...this.#topics];
  }
  get filters(): Record<string, string | number | boolean> {
    return { ...this.#filters };
  }

  /** Add topics (validated by the caller against TOPICS) and replace the filters when given. */
  subscribe(topics: string[], filters?: Record<string, string | number | boolean>): void {
    for (const t of topics) this.#topics.add(t);
    this.#selector = selectorOf(this.#topics);
    if (filters) {
      this.#filters = { ...filters };
      this.#filterEntries = Object.entries(this.#filters);
    }
  }

  /** Remove the given topics, or all of them (and the filters) when none are given. */
  unsubscribe(topics?: string[]): string[] {
    if (!topics || topics.length === 0) {
      const removed = this.topics;
      this.#topics.clear();
      this.#selector = new Map();
      this.#filters = {};
      this.#filterEntries = [];
      return removed;
    }
    const removed = topics.filter((t) => this.#topics.delete(t));
    this.#selector = selectorOf(this.#topics);
    return removed;
  }

  /** Whether an event should reach this session. */
  matches(event: EventName, payload: Record<string, unknown>): boolean {
    const statuses = this.#selector.get(event);
    if (statuses === undefined) return false;
    const filters = this.#filterEntries;
    for (let i = 0; i < filters.length; i++) {
      if (payload[filters[i][0]] !== filters[i][1]) return false;
    }
    return statuses === null || statuses.has(payload.status as string);
  }
}
