/**
 * A method result that is already JSON text. The engine splices it into the reply instead of
 * serializing an object again: for large results that many clients poll and that change
 * rarely (the camera list), serialized once per change.
 */
export class RawJson {
  /** `json` must be the output of `JSON.stringify` (the engine does not re-check it). */
  constructor(readonly json: string) {}

  /** What `JSON.stringify` would produce for the value the text encodes. */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** Serializes a reply envelope; a {@link RawJson} result is spliced in as is. */
export function encodeReply(
  r: { jsonrpc: "2.0"; id: string | number | null; result?: unknown; error?: unknown },
): string {
  if (r.result instanceof RawJson) {
    return `{"jsonrpc":"2.0","result":${r.result.json},"id":${JSON.stringify(r.id)}}`;
  }
  return JSON.stringify(r);
}
