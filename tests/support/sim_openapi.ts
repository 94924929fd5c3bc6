/**
 * Validation against shared/mediamtx/openapi.yaml (MediaMTX v1.20.1) with ajv.
 *
 * Conversions from OpenAPI 3.0 to JSON Schema: `nullable: true` → `anyOf [null, …]`; `oneOf` →
 * `anyOf` (PathTrackCodecProps' H264/H265 alternatives have identical shapes, so "exactly one"
 * can never hold); OpenAPI formats (int64, uint64, double, uuid) are not checked. Strict mode adds
 * `additionalProperties: false` to every object with properties, so a field the spec doesn't know
 * fails validation.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const SPEC_FILE = new URL("../../../shared/mediamtx/openapi.yaml", import.meta.url);

type Json = Record<string, unknown>;

function convert(node: unknown, strict: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, strict));
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "nullable" || k === "deprecated" || k === "format" || k === "example") continue;
    out[k === "oneOf" ? "anyOf" : k] = convert(v, strict);
  }
  if (strict && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return (node as Json).nullable === true ? { anyOf: [{ type: "null" }, out] } : out;
}

/** Validators for requests and responses of the spec's routes. */
export class OpenApiValidator {
  readonly spec: Json;
  private ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private cache = new Map<string, ValidateFunction>();
  private routes: { re: RegExp; template: string }[];

  constructor(opts: { strict?: boolean } = {}) {
    this.spec = parse(readFileSync(SPEC_FILE, "utf8")) as Json;
    const components = (this.spec.components as Json).schemas as Json;
    this.ajv.addSchema({
      $id: "mediamtx",
      components: { schemas: convert(components, opts.strict ?? true) },
    });
    this.routes = Object.keys(this.spec.paths as Json).map((template) => ({
      template,
      // Name parameters are catch-alls in MediaMTX (names may contain '/').
      re: new RegExp("^" + template.replace(/\{[^}]+\}/g, ".+") + "$"),
    }));
  }

  /** The spec's route template for a concrete path (query ignored), or null. */
  route(path: string): string | null {
    const p = path.split("?")[0];
    // Prefer templates without parameters (e.g. /v3/paths/list over /v3/paths/get/{name}).
    const hits = this.routes.filter((r) => r.re.test(p));
    hits.sort((a, b) => a.template.split("{").length - b.template.split("{").length);
    return hits[0]?.template ?? null;
  }

  /** Errors of a JSON response body (empty = valid). Throws when the spec has no such answer. */
  validateResponse(method: string, path: string, status: number, body: unknown): string[] {
    const op = this.operation(method, path);
    const resp = (op.responses as Json)[String(status)] as Json | undefined;
    if (!resp) throw new Error(`${method} ${path}: spec lists no ${status} response`);
    const schema = ((resp.content as Json)?.["application/json"] as Json)?.schema;
    if (!schema) throw new Error(`${method} ${path} ${status}: no JSON schema in the spec`);
    return this.run(schema as Json, body);
  }

  /** Errors of a request body against the operation's requestBody schema. */
  validateRequest(method: string, path: string, body: unknown): string[] {
    const op = this.operation(method, path);
    const schema = (((op.requestBody as Json)?.content as Json)?.["application/json"] as Json)
      ?.schema;
    if (!schema) return body === undefined ? [] : [`${method} ${path}: the spec takes no body`];
    return this.run(schema as Json, body);
  }

  /** Names of a component schema's non-deprecated properties. */
  currentProperties(component: string): string[] {
    const s = ((this.spec.components as Json).schemas as Json)[component] as Json;
    return Object.entries(s.properties as Json)
      .filter(([, v]) => (v as Json).deprecated !== true)
      .map(([k]) => k);
  }

  private operation(method: string, path: string): Json {
    const template = this.route(path);
    if (!template) throw new Error(`${path}: not a route of the spec`);
    const op = ((this.spec.paths as Json)[template] as Json)[method.toLowerCase()] as Json;
    if (!op) throw new Error(`${method} ${template}: not in the spec`);
    return op;
  }

  private run(schema: Json, body: unknown): string[] {
    const key = JSON.stringify(schema);
    let v = this.cache.get(key);
    if (!v) {
      const ref = schema.$ref as string | undefined;
      v = ref
        ? this.ajv.getSchema(`mediamtx${ref}`)!
        : this.ajv.compile({ $id: `inline${this.cache.size}`, ...convert(schema, true) as Json });
      this.cache.set(key, v);
    }
    if (v(body)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  }
}
