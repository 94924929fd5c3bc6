/**
 * The credential (JWT or API key) lives in sessionStorage only: gone when the tab closes,
 * never put in a URL, never in localStorage.
 */
const KEY = "camera-console.credential";

/** The stored credential, or null. */
export function loadCredential(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keep `credential` for this tab. */
export function saveCredential(credential: string): void {
  try {
    sessionStorage.setItem(KEY, credential);
  } catch { /* storage disabled: the session lasts as long as the page */ }
}

/** Forget the credential (sign out, expiry). */
export function clearCredential(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch { /* nothing stored */ }
}

/** The result of `authenticate`. */
export interface AuthInfo {
  role: "viewer" | "operator" | "admin";
  permissions: string[];
  expires_at?: string;
  session_id: string;
}

/** True when `role` may use operator controls (snapshot, record). */
export const canControl = (a: AuthInfo | null) => a?.role === "operator" || a?.role === "admin";
/** True for the admin role (delete, storage, retention). */
export const isAdmin = (a: AuthInfo | null) => a?.role === "admin";
