/**
 * The in-process event bus: subsystems (cameras, recordings, snapshots) emit here; the
 * notification hub in `rpc/hub.ts` fans events out to subscribed sessions.
 */

/** Status of a camera as clients see it. */
export type CameraStatus = "CONNECTED" | "DISCONNECTED" | "ERROR";

export interface CameraStatusEvent {
  device: string;
  status: CameraStatus;
  name: string;
  resolution: string;
  fps: number;
  streams: Record<string, string>;
  /** Extra detail for subscribers (reason on ERROR). */
  reason?: string;
}

export interface RecordingStatusEvent {
  device: string;
  /** STARTED | STOPPED | FAILED */
  status: string;
  filename: string;
  /** Seconds recorded so far (0 at start). */
  duration: number;
  /** Why a recording stopped: "request", "duration", "shutdown", "error". */
  reason?: string;
}

export interface SnapshotTakenEvent {
  device: string;
  filename: string;
  file_size: number;
  timestamp: string;
}

/** Event name → payload. Names are the JSON-RPC notification method names. */
export interface EventMap {
  camera_status_update: CameraStatusEvent;
  recording_status_update: RecordingStatusEvent;
  snapshot_taken: SnapshotTakenEvent;
}

export type EventName = keyof EventMap;
type Listener<K extends EventName> = (payload: EventMap[K]) => void;

/** A tiny typed emitter. Listener errors are isolated: one bad listener never stops the others. */
export class EventBus {
  #listeners = new Map<EventName, Set<Listener<EventName>>>();
  #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = (e) => console.error("event listener failed", e)) {
    this.#onError = onError;
  }

  on<K extends EventName>(name: K, fn: Listener<K>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, set = new Set());
    set.add(fn as Listener<EventName>);
    return () => set!.delete(fn as Listener<EventName>);
  }

  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    for (const fn of this.#listeners.get(name) ?? []) {
      try {
        fn(payload);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
