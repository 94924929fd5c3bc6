/** @jsxImportSource preact */
/**
 * The console's shell: one WebSocket to the service, sign-in, session expiry, navigation
 * between the Cameras, Files and System pages (hash routes), and the live status region.
 */
import { render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type AppContext, AppCtx } from "./context.ts";
import { errorText } from "./format.ts";
import { CamerasPage } from "./cameras.tsx";
import { FilesPage } from "./files.tsx";
import { SystemPage } from "./system.tsx";
import { SignIn } from "./signin.tsx";
import { type ConnectionState, RpcCallError, RpcClient, socketUrl } from "./rpc.ts";
import { type AuthInfo, clearCredential, loadCredential, saveCredential } from "./session.ts";

type Route = "cameras" | "files" | "system";
const ROUTES: { id: Route; label: string }[] = [
  { id: "cameras", label: "Cameras" },
  { id: "files", label: "Files" },
  { id: "system", label: "System" },
];
const routeOf = (hash: string): Route => {
  const r = hash.replace(/^#\/?/, "");
  return r === "files" || r === "system" ? r : "cameras";
};

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  open: "Connected",
  closed: "Disconnected, retrying…",
};

function App() {
  const wsPath = document.querySelector('meta[name="camera-service-ws"]')?.getAttribute(
    "content",
  ) || "/ws";
  const [auth, setAuth] = useState<AuthInfo | null>(null);
  const [epoch, setEpoch] = useState(0);
  const [conn, setConn] = useState<ConnectionState>("connecting");
  const [expired, setExpired] = useState<string | null>(null);
  const [signInError, setSignInError] = useState("");
  const [restoring, setRestoring] = useState(loadCredential() !== null);
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [message, setMessage] = useState("");
  const authRef = useRef<AuthInfo | null>(null);
  authRef.current = auth;

  const expire = useCallback((reason: string) => {
    clearCredential();
    setAuth(null);
    setExpired(reason || "session ended");
    rpc.reconnect(); // drop the identity bound to this connection
  }, []);

  const authenticate = async (client: RpcClient, credential: string) => {
    const r = await client.call<AuthInfo>("authenticate", { auth_token: credential });
    setAuth(r);
    setEpoch((e) => e + 1);
    setExpired(null);
    return r;
  };

  const rpc = useMemo(
    () =>
      new RpcClient(socketUrl(location, wsPath), async () => {
        const credential = loadCredential();
        if (!credential) return;
        try {
          await authenticate(rpc, credential);
        } catch (e) {
          if (e instanceof RpcCallError && e.code === -32001) {
            const was = authRef.current;
            clearCredential();
            setAuth(null);
            if (was) setExpired(String(e.data?.reason ?? "session ended"));
            else setSignInError(`Sign-in failed: ${e.data?.reason ?? e.message}`);
          }
        } finally {
          setRestoring(false);
        }
      }),
    [],
  );

  useEffect(() => {
    const off = rpc.onState(setConn);
    rpc.connect();
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener("hashchange", onHash);
    return () => {
      off();
      removeEventListener("hashchange", onHash);
      rpc.close();
    };
  }, []);

  // The session ends at expires_at even when nothing is being called.
  useEffect(() => {
    if (!auth?.expires_at) return;
    const ms = Date.parse(auth.expires_at) - Date.now() + 500;
    if (!(ms < 2 ** 31 - 1)) return;
    const t = setTimeout(() => expire("token expired"), Math.max(0, ms));
    return () => clearTimeout(t);
  }, [auth?.expires_at]);

  // After a page change, move focus to the page so keyboard and screen reader users start there.
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    document.getElementById("main")?.focus();
  }, [route]);

  useEffect(() => {
    document.title = auth
      ? `${ROUTES.find((r) => r.id === route)?.label} · Camera service`
      : "Sign in · Camera service";
  }, [auth, route]);

  const signIn = async (credential: string) => {
    setSignInError("");
    try {
      await authenticate(rpc, credential);
      saveCredential(credential);
    } catch (e) {
      setSignInError(
        e instanceof RpcCallError && e.code === -32001
          ? `Sign-in failed: ${e.data?.reason ?? "invalid credential"}`
          : `Sign-in failed: ${errorText(e)}`,
      );
    }
  };

  const signOut = () => {
    clearCredential();
    setAuth(null);
    setMessage("Signed out");
    rpc.reconnect();
  };

  const ctx: AppContext | null = auth
    ? {
      call: async <T,>(method: string, params?: Record<string, unknown>) => {
        try {
          return await rpc.call<T>(method, params);
        } catch (e) {
          if (e instanceof RpcCallError && e.code === -32001) {
            expire(String(e.data?.reason ?? "session ended"));
          }
          throw e;
        }
      },
      onNotification: (l) => rpc.onNotification(l),
      auth,
      epoch,
      announce: setMessage,
    }
    : null;

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1>Camera service</h1>
        {ctx && (
          <nav aria-label="Pages">
            {ROUTES.map((r) => (
              <a
                key={r.id}
                href={`#/${r.id}`}
                aria-current={route === r.id ? "page" : undefined}
              >
                {r.label}
              </a>
            ))}
          </nav>
        )}
        <div class="who">
          <span class={`conn conn-${conn}`}>{CONNECTION_TEXT[conn]}</span>
          {auth && <span class="role" data-role={auth.role}>Role: {auth.role}</span>}
          {auth && <button type="button" class="secondary" onClick={signOut}>Sign out</button>}
        </div>
      </header>
      <p class="status" role="status" aria-live="polite">{message}</p>
      <main id="main" tabIndex={-1}>
        {expired && !auth
          ? (
            <section class="card expired" role="alert" aria-labelledby="expired-title">
              <h2 id="expired-title">Your session has expired</h2>
              <p>
                The service ended this session ({expired}). Sign in again with a fresh token or API
                key to continue.
              </p>
              <button type="button" onClick={() => setExpired(null)} autoFocus>
                Back to sign-in
              </button>
            </section>
          )
          : ctx
          ? (
            <AppCtx.Provider value={ctx}>
              {route === "cameras" && <CamerasPage />}
              {route === "files" && <FilesPage />}
              {route === "system" && <SystemPage />}
            </AppCtx.Provider>
          )
          : <SignIn onSignIn={signIn} error={signInError} busy={restoring || conn !== "open"} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
