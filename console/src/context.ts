/** What every page gets from the app: calls, notifications, the signed-in identity, announcements. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Notification } from "./rpc.ts";
import type { AuthInfo } from "./session.ts";

/** The app context. */
export interface AppContext {
  /** A JSON-RPC call; -32001 answers end the session (the app shows the expiry screen). */
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  onNotification(l: (n: Notification) => void): () => void;
  auth: AuthInfo;
  /** Bumped on every (re-)authentication: pages reload their data when it changes. */
  epoch: number;
  /** Say something in the polite live region (screen readers) and the status bar. */
  announce(message: string): void;
}

export const AppCtx = createContext<AppContext | null>(null);

/** The app context (inside the signed-in app only). */
export function useApp(): AppContext {
  const c = useContext(AppCtx);
  if (!c) throw new Error("useApp outside the app");
  return c;
}
