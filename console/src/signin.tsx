/** @jsxImportSource preact */
/** The sign-in form: a JWT or an API key, sent with `authenticate` over the socket. */
import { useState } from "preact/hooks";

/** Props of {@link SignIn}. */
export interface SignInProps {
  onSignIn(credential: string): Promise<void>;
  error: string;
  /** Not connected yet, or a stored session is being restored. */
  busy: boolean;
}

/** The sign-in page. */
export function SignIn({ onSignIn, error, busy }: SignInProps) {
  const [value, setValue] = useState("");
  const [sending, setSending] = useState(false);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const credential = value.trim();
    if (!credential) return;
    setSending(true);
    try {
      await onSignIn(credential);
    } finally {
      setSending(false);
    }
  };
  return (
    <section class="card signin" aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <form onSubmit={submit}>
        <label for="credential">JWT or API key</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          aria-describedby="credential-help"
          aria-invalid={error ? true : undefined}
        />
        <p id="credential-help" class="help">
          Kept in this tab only (session storage) and sent over the encrypted WebSocket.
        </p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy || sending || !value.trim()}>
          {sending ? "Signing in…" : busy ? "Connecting…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}
