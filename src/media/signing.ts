/**
 * Signed, short-lived download URLs: `/files/<kind>/<name>?expires=<unix>&sig=<b64url>`, with
 * sig = HMAC-SHA256(key, "<kind>\n<name>\n<expires>") and key derived from the JWT secret
 * (HMAC of a fixed label), so a download signature can never be replayed as a token.
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

/** The two download folders. */
export type FileKind = "recordings" | "snapshots";

/** Outcome of a signature check. */
export type SignatureCheck = "ok" | "expired" | "bad";

/** Options of {@link UrlSigner}. */
export interface UrlSignerOptions {
  /** The JWT secret (security.jwt_secret_key). */
  secret: string;
  /** Lifetime of a URL, seconds (security.download_url_ttl). */
  ttlSeconds: number;
  /** Prefix such as `https://box:8002`; "" gives a path-only URL. */
  baseUrl?: string;
  now?: () => number;
}

/** Signs and checks download URLs. */
export class UrlSigner {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(private readonly opts: UrlSignerOptions) {
    if (!opts.secret) throw new Error("UrlSigner needs a non-empty secret");
    this.#key = createHmac("sha256", opts.secret).update("camera-service download-url v1")
      .digest();
    this.#now = opts.now ?? Date.now;
  }

  #mac(kind: FileKind, name: string, expires: number): Buffer {
    return createHmac("sha256", this.#key).update(`${kind}\n${name}\n${expires}`).digest();
  }

  /** A URL for `name` valid for the configured TTL. */
  sign(kind: FileKind, name: string): string {
    const expires = Math.floor(this.#now() / 1000) + Math.max(1, Math.floor(this.opts.ttlSeconds));
    const sig = this.#mac(kind, name, expires).toString("base64url");
    const base = (this.opts.baseUrl ?? "").replace(/\/+$/, "");
    return `${base}/files/${kind}/${encodeURIComponent(name)}?expires=${expires}&sig=${sig}`;
  }

  /** Check the `expires`/`sig` query values given for `name`. */
  verify(kind: FileKind, name: string, expires: string | undefined, sig: string | undefined) {
    if (!expires || !sig || !/^[0-9]{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
      return "bad" satisfies SignatureCheck;
    }
    const want = this.#mac(kind, name, Number(expires));
    const got = Buffer.from(sig, "base64url");
    if (got.length !== want.length || !timingSafeEqual(got, want)) return "bad";
    return Number(expires) * 1000 < this.#now() ? "expired" : "ok";
  }
}
