/**
 * The JSON-RPC 2.0 engine: parse, check the envelope, authorize, validate params, dispatch,
 * batch. Transport-free: it takes a text frame and a session, and returns the reply text
 * (or null when nothing is to be sent).
 */
import type { Identity, MethodContext, MethodDef } from "../api/types.ts";
import { METHOD_ROLES, roleAtLeast } from "../auth/roles.ts";
import type { Logger } from "../observability/log.ts";
import { authFailed, ErrorCode, permissionDenied, rateLimited, RpcError } from "./errors.ts";
import { encodeReply } from "./raw_json.ts";
import type { Session } from "./session.ts";

/** What the engine needs from authentication. */
export interface RequestAuthenticator {
  authenticate(token: unknown, remote: string): Promise<Identity>;
  stillValid(identity: Identity, now?: number): boolean;
  /** Why an identity is no longer valid ("token expired", "API key revoked"), or null. */
  validityProblem?(identity: Identity, now?: number): string | null;
}

/** Observes each finished call (metrics). */
export type CallObserver = (method: string, code: number | null, seconds: number) => void;

export interface EngineOptions {
  methods: MethodDef[];
  auth: RequestAuthenticator;
  log: Logger;
  maxBatch: number;
  /** Role table; defaults to the contract's METHOD_ROLES. */
  roles?: Readonly<Record<string, string | null>>;
  observe?: CallObserver;
}

type Id = string | number | null;
type Reply = { jsonrpc: "2.0"; id: Id; result?: unknown; error?: unknown };

const reply = (id: Id, result: unknown): Reply => ({ jsonrpc: "2.0", result, id });
const failure = (id: Id, err: RpcError): Reply => ({ jsonrpc: "2.0", error: err.toJSON(), id });
const invalidRequest = (hint: string) => new RpcError(ErrorCode.INVALID_REQUEST, { hint });

export class RpcEngine {
  #methods = new Map<string, MethodDef>();
  #roles: Readonly<Record<string, string | null>>;

  constructor(private opts: EngineOptions) {
    this.#roles = opts.roles ?? METHOD_ROLES;
    for (const m of opts.methods) {
      if (!Object.hasOwn(this.#roles, m.name)) {
        throw new Error(`method ${m.name} has no entry in the role table`);
      }
      this.#methods.set(m.name, m);
    }
  }

  /** Handle one text frame. Returns the reply frame, or null when nothing is sent back. */
  async handleText(text: string, session: Session): Promise<string | null> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return JSON.stringify(failure(null, new RpcError(ErrorCode.PARSE_ERROR)));
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) return JSON.stringify(failure(null, invalidRequest("empty batch")));
      if (msg.length > this.opts.maxBatch) {
        return JSON.stringify(
          failure(
            null,
            invalidRequest(`batch has ${msg.length} requests; the limit is ${this.opts.maxBatch}`),
          ),
        );
      }
      const replies: Reply[] = [];
      // Sequential on purpose: an authenticate early in a batch binds the session for the rest.
      for (const item of msg) {
        const r = await this.handleOne(item, session);
        if (r) replies.push(r);
      }
      return replies.length ? `[${replies.map(encodeReply).join(",")}]` : null;
    }
    const r = await this.handleOne(msg, session);
    return r ? encodeReply(r) : null;
  }

  /** Handle one request object (already parsed). */
  async handleOne(msg: unknown, session: Session): Promise<Reply | null> {
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      return failure(null, invalidRequest("a request must be a JSON object"));
    }
    const req = msg as Record<string, unknown>;
    const hasId = Object.hasOwn(req, "id");
    const id = req.id;
    if (
      hasId && id !== null && typeof id !== "string" &&
      !(typeof id === "number" && Number.isFinite(id))
    ) {
      return failure(null, invalidRequest("id must be a string, a finite number or null"));
    }
    const rid = (hasId ? id : null) as Id;
    const envelopeProblem = checkEnvelope(req);
    if (envelopeProblem) return failure(rid, invalidRequest(envelopeProblem));

    const name = req.method as string;
    const started = performance.now();
    let code: number | null = null;
    try {
      const result = await this.call(name, req.params, session);
      return hasId ? reply(rid, result) : null;
    } catch (err) {
      const rpcErr = this.toRpcError(err, name, session);
      code = rpcErr.code;
      return hasId ? failure(rid, rpcErr) : null;
    } finally {
      this.opts.observe?.(
        Object.hasOwn(this.#roles, name) ? name : "(unknown)",
        code,
        (performance.now() - started) / 1000,
      );
    }
  }

  private async call(name: string, rawParams: unknown, session: Session): Promise<unknown> {
    const retry = session.limiter.take();
    if (retry > 0) throw rateLimited(retry);
    const def = this.#methods.get(name);
    if (!Object.hasOwn(this.#roles, name)) {
      throw new RpcError(ErrorCode.METHOD_NOT_FOUND, {
        hint: `unknown method "${truncate(name)}"`,
      });
    }
    if (
      rawParams !== undefined &&
      (typeof rawParams !== "object" || rawParams === null || Array.isArray(rawParams))
    ) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, {
        param: "params",
        rule: "type",
        hint: "params must be an object of named parameters",
      });
    }
    const params = (rawParams ?? {}) as Record<string, unknown>;
    const identity = await this.authorize(name, params, session);
    if (!def) {
      throw new RpcError(ErrorCode.METHOD_NOT_FOUND, {
        hint: `method "${name}" is not available in this build`,
      });
    }
    const parsed = def.params.parse(params, "");
    return await def.handler(parsed, new CallContext(session, identity, name));
  }

  /** Role check before any handler runs; `params.auth_token` authenticates this request. */
  private async authorize(
    name: string,
    params: Record<string, unknown>,
    session: Session,
  ): Promise<Identity | null> {
    const need = this.#roles[name];
    let identity = session.identity;
    if (name !== "authenticate" && params.auth_token !== undefined) {
      identity = await this.opts.auth.authenticate(params.auth_token, session.remote_address);
      if (!session.identity) {
        session.identity = identity;
        session.log.info("session authenticated by request token", {
          user: identity.user_id,
          role: identity.role,
        });
      }
    }
    if (need == null) return identity;
    if (!identity) {
      throw authFailed("authentication required: call authenticate or pass auth_token");
    }
    if (!this.opts.auth.stillValid(identity)) {
      if (session.identity === identity) session.identity = null;
      throw authFailed(this.opts.auth.validityProblem?.(identity) ?? "token expired");
    }
    if (!roleAtLeast(identity.role, need as Identity["role"])) {
      throw permissionDenied(need, identity.role);
    }
    return identity;
  }

  private toRpcError(err: unknown, method: string, session: Session): RpcError {
    if (err instanceof RpcError) return err;
    const requestId = crypto.randomUUID();
    session.log.error("handler failed", {
      method,
      request_id: requestId,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return new RpcError(ErrorCode.INTERNAL_ERROR, { request_id: requestId });
  }
}

/** A handler's context; the request id and its logger are made only when a handler asks. */
class CallContext implements MethodContext {
  #id: string | null = null;
  #log: Logger | null = null;

  constructor(
    readonly session: Session,
    readonly identity: Identity | null,
    private method: string,
  ) {}

  get request_id(): string {
    return this.#id ??= crypto.randomUUID();
  }

  get log(): Logger {
    return this.#log ??= this.session.log.child({ req: this.request_id, method: this.method });
  }
}

function checkEnvelope(req: Record<string, unknown>): string | null {
  if (req.jsonrpc !== "2.0") return 'jsonrpc must be exactly "2.0"';
  if (typeof req.method !== "string") return "method must be a string";
  if (req.method.length === 0) return "method must not be empty";
  if (req.params !== undefined && (typeof req.params !== "object" || req.params === null)) {
    return "params must be an object (named parameters)";
  }
  return null;
}

const truncate = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
