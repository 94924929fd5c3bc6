/**
 * API keys for integrations, in a JSON file that holds only SHA-256 hashes.
 *
 * Key format: `csk_<id>_<secret>` (id: 16 hex chars, secret: 32 random bytes base64url).
 * The file is written atomically (temp file + rename, mode 0600). A running service sees
 * changes made by the CLI (`apikey revoke`): `verify`, `list` and `isActive` stat the file at
 * most every `refreshIntervalMs` and reload it when its inode, size or mtime changed.
 * A file that becomes unreadable or corrupt fails closed: no key verifies until it is fixed.
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { chmod, mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Identity } from "../api/types.ts";
import type { Logger } from "../observability/log.ts";
import { isRole, type Role } from "./roles.ts";

/** What `list()` shows: never the key or its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** ISO 8601 UTC. */
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  status: "active" | "expired" | "revoked";
}

/** The result of `create`: the only time the key itself is available. */
export interface CreatedApiKey {
  id: string;
  key: string;
  name: string;
  role: Role;
  created_at: string;
  expires_at: string | null;
}

/** Bad input to `create` (duplicate or invalid name, bad role, expiry in the past). */
export class ApiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiKeyError";
  }
}

interface StoredKey {
  id: string;
  name: string;
  role: Role;
  hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const KEY_RE = /^csk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();

/** A file-backed store of hashed API keys. */
export class ApiKeyStore {
  private keys: StoredKey[] = [];
  private signature = "";
  private lastCheck = -Infinity;
  private broken: string | null = null;
  /** Serializes create/revoke within this process (read-modify-write of the file). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly refreshIntervalMs: number,
    private readonly log?: Logger,
  ) {}

  /** Opens the store (a missing file is an empty store). Throws on an unreadable/corrupt file. */
  static open(
    file: string,
    opts: { refreshIntervalMs?: number; log?: Logger } = {},
  ): Promise<ApiKeyStore> {
    const store = new ApiKeyStore(file, opts.refreshIntervalMs ?? 1000, opts.log);
    try {
      store.reload();
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve(store);
  }

  /** Creates a key; the returned `key` is shown once and never stored. */
  create(
    opts: { name: string; role: Role; expiresAt?: Date; now?: number },
  ): Promise<CreatedApiKey> {
    return this.serialized(() => this.createNow(opts));
  }

  private async createNow(
    opts: { name: string; role: Role; expiresAt?: Date; now?: number },
  ): Promise<CreatedApiKey> {
    const now = opts.now ?? Date.now();
    if (!NAME_RE.test(opts.name)) {
      throw new ApiKeyError(
        `invalid name "${opts.name}": 1-64 characters of letters, digits, '.', '_', '-'`,
      );
    }
    if (!isRole(opts.role)) {
      throw new ApiKeyError(`unknown role "${opts.role}" (viewer, operator or admin)`);
    }
    if (opts.expiresAt && !(opts.expiresAt.getTime() > now)) {
      throw new ApiKeyError(`expiry ${opts.expiresAt.toISOString()} is not in the future`);
    }
    this.reload();
    if (this.keys.some((k) => k.name === opts.name && k.revoked_at === null)) {
      throw new ApiKeyError(`an API key named "${opts.name}" already exists (revoke it first)`);
    }
    const id = randomBytes(8).toString("hex");
    const key = `csk_${id}_${randomBytes(32).toString("base64url")}`;
    const rec: StoredKey = {
      id,
      name: opts.name,
      role: opts.role,
      hash: `sha256:${sha256(key).toString("hex")}`,
      created_at: new Date(now).toISOString(),
      expires_at: opts.expiresAt ? opts.expiresAt.toISOString() : null,
      revoked_at: null,
    };
    await this.write([...this.keys, rec]);
    const { hash: _hash, revoked_at: _revoked, ...shown } = rec;
    return { ...shown, key };
  }

  /** All keys (revoked and expired ones included, with their status); never keys or hashes. */
  list(now = Date.now()): ApiKeyRecord[] {
    this.refreshIfDue(now);
    return this.keys.map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      created_at: k.created_at,
      expires_at: k.expires_at,
      revoked_at: k.revoked_at,
      status: statusOf(k, now),
    }));
  }

  /** Revokes by id, else by the name of a non-revoked key. False when none matched. */
  revoke(idOrName: string, now = Date.now()): Promise<boolean> {
    return this.serialized(() => this.revokeNow(idOrName, now));
  }

  private async revokeNow(idOrName: string, now: number): Promise<boolean> {
    this.reload();
    const target = this.keys.find((k) => k.id === idOrName && k.revoked_at === null) ??
      this.keys.find((k) => k.name === idOrName && k.revoked_at === null);
    if (!target) return false;
    const revokedAt = new Date(now).toISOString();
    await this.write(this.keys.map((k) => k === target ? { ...k, revoked_at: revokedAt } : k));
    return true;
  }

  /** The identity for a valid key, else null (unknown, expired, revoked, malformed). */
  verify(key: string, now = Date.now()): Identity | null {
    const r = this.check(key, now);
    return "identity" in r ? r.identity : null;
  }

  /** Like `verify`, with a non-secret reason on failure. */
  check(key: string, now = Date.now()): { identity: Identity } | { reason: string } {
    this.refreshIfDue(now);
    if (this.broken) return { reason: "API key store unavailable" };
    const m = KEY_RE.exec(key);
    if (!m) return { reason: "malformed API key" };
    const rec = this.keys.find((k) => k.id === m[1]);
    const presented = sha256(key);
    const stored = Buffer.from((rec?.hash ?? "").replace(/^sha256:/, ""), "hex");
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!rec || !equal) return { reason: "unknown API key" };
    const status = statusOf(rec, now);
    if (status !== "active") return { reason: `API key ${status}` };
    const exp = rec.expires_at ? Math.floor(Date.parse(rec.expires_at) / 1000) : null;
    return {
      identity: {
        user_id: `apikey:${rec.name}`,
        role: rec.role,
        method: "api_key",
        expires_at: exp,
        key_id: rec.id,
      },
    };
  }

  /** Whether the key with this id is still active (not revoked, not expired, store readable). */
  isActive(id: string, now = Date.now()): boolean {
    this.refreshIfDue(now);
    const rec = this.keys.find((k) => k.id === id);
    return !this.broken && rec !== undefined && statusOf(rec, now) === "active";
  }

  private refreshIfDue(now: number): void {
    if (now - this.lastCheck < this.refreshIntervalMs && now >= this.lastCheck) return;
    this.lastCheck = now;
    let sig = "absent";
    try {
      const st = statSync(this.file);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") sig = `error:${(e as Error).message}`;
    }
    if (sig === this.signature) return;
    try {
      this.reload();
      this.log?.info("API key file reloaded", { path: this.file, keys: this.keys.length });
    } catch (e) {
      this.keys = [];
      this.signature = sig;
      this.broken = (e as Error).message;
      this.log?.error("API key file unusable; refusing all API keys until fixed", {
        path: this.file,
        error: this.broken,
      });
    }
  }

  /** Reads the file (throws on unreadable/corrupt content). */
  private reload(): void {
    let text: string;
    let sig = "absent";
    try {
      const st = statSync(this.file);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(`cannot read API key file ${this.file}: ${(e as Error).message}`);
      }
      text = "";
    }
    this.keys = text === "" ? [] : parseFile(text, this.file);
    this.signature = sig;
    this.broken = null;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async write(keys: StoredKey[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ version: 1, keys }, null, 2) + "\n", {
        mode: 0o600,
        flag: "wx",
      });
      await chmod(tmp, 0o600);
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw new Error(`cannot write API key file ${this.file}: ${(e as Error).message}`);
    }
    this.keys = keys;
    const st = await stat(this.file);
    this.signature = `${st.ino}:${st.size}:${st.mtimeMs}`;
    this.broken = null;
  }
}

function statusOf(k: StoredKey, now: number): ApiKeyRecord["status"] {
  if (k.revoked_at !== null) return "revoked";
  if (k.expires_at !== null && Date.parse(k.expires_at) <= now) return "expired";
  return "active";
}

function parseFile(text: string, file: string): StoredKey[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`API key file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const keys = (data as { keys?: unknown })?.keys;
  if ((data as { version?: unknown })?.version !== 1 || !Array.isArray(keys)) {
    throw new Error(`API key file ${file} is not a version 1 key file ({"version":1,"keys":[]})`);
  }
  return keys.map((k, i) => {
    const ok = k && typeof k.id === "string" && typeof k.name === "string" && isRole(k.role) &&
      typeof k.hash === "string" && /^sha256:[0-9a-f]{64}$/.test(k.hash) &&
      typeof k.created_at === "string" &&
      (k.expires_at === null || !Number.isNaN(Date.parse(k.expires_at))) &&
      (k.revoked_at === null || typeof k.revoked_at === "string");
    if (!ok) throw new Error(`API key file ${file}: entry ${i} is malformed`);
    return k as StoredKey;
  });
}
