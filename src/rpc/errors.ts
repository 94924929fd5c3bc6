/** The JSON-RPC error catalogue (v2, see shared/API.md): fixed messages, details in `data`. */

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  AUTH_FAILED: -32001,
  PERMISSION_DENIED: -32002,
  NOT_FOUND: -32010,
  INVALID_STATE: -32020,
  UNSUPPORTED: -32030,
  RATE_LIMITED: -32040,
  DEPENDENCY_FAILED: -32050,
} as const;

export type ErrorCodeValue = typeof ErrorCode[keyof typeof ErrorCode];

/** The catalogue's fixed `error.message` for each code (the contract's components.errors). */
export const ERROR_MESSAGES: Record<number, string> = {
  [-32700]: "Parse error",
  [-32600]: "Invalid Request",
  [-32601]: "Method Not Found",
  [-32602]: "Invalid Params",
  [-32603]: "Internal Error",
  [-32001]: "Auth Failed",
  [-32002]: "Permission Denied",
  [-32010]: "Not Found",
  [-32020]: "Invalid State",
  [-32030]: "Unsupported",
  [-32040]: "Rate Limited",
  [-32050]: "Dependency Failed",
};

/** The one error type on the socket edge. */
export class RpcError extends Error {
  constructor(readonly code: number, readonly data?: Record<string, unknown>) {
    super(ERROR_MESSAGES[code] ?? "Error");
    this.name = "RpcError";
  }

  toJSON(): { code: number; message: string; data?: Record<string, unknown> } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export const invalidParams = (param: string, rule: string, hint: string): RpcError =>
  new RpcError(ErrorCode.INVALID_PARAMS, { param, rule, hint });
export const authFailed = (reason: string): RpcError =>
  new RpcError(ErrorCode.AUTH_FAILED, { reason });
export const permissionDenied = (required_role: string, have_role: string | null): RpcError =>
  new RpcError(ErrorCode.PERMISSION_DENIED, { required_role, have_role });
export const notFound = (resource: string, id: string): RpcError =>
  new RpcError(ErrorCode.NOT_FOUND, { resource, id });
export const invalidState = (state: string, allowed_states: string[]): RpcError =>
  new RpcError(ErrorCode.INVALID_STATE, { state, allowed_states });
export const unsupported = (feature: string, hint?: string): RpcError =>
  new RpcError(ErrorCode.UNSUPPORTED, hint ? { feature, hint } : { feature });
export const rateLimited = (retry_after_ms: number): RpcError =>
  new RpcError(ErrorCode.RATE_LIMITED, { retry_after_ms });
export const dependencyFailed = (dependency: string, detail: string): RpcError =>
  new RpcError(ErrorCode.DEPENDENCY_FAILED, { dependency, detail });
