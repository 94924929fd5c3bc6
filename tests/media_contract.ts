/** Validate method results against the published contract's result schemas (ajv). */
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { CONTRACT_FILE } from "./support/shared.ts";

const CONTRACT = CONTRACT_FILE;

interface Contract {
  components: { schemas: Record<string, unknown> };
  methods: { name: string; result: { schema: unknown } }[];
}

let cached: ((method: string, value: unknown) => string[]) | null = null;

/** Errors of `value` against `method`'s result schema ([] = valid); null when no contract. */
export function contractErrors(method: string, value: unknown): string[] | null {
  if (!cached) {
    // The contract is part of the project's shared folder: missing it is a setup error, not a skip.
    const doc: Contract = JSON.parse(readFileSync(CONTRACT, "utf8"));
    // deno-lint-ignore no-explicit-any
    const ajv = new (Ajv as any)({ strict: false, allErrors: true });
    ajv.addFormat("date-time", {
      validate: (v: string) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
        Number.isFinite(Date.parse(v)),
    });
    ajv.addSchema({ $id: "contract", components: doc.components });
    const fix = (s: unknown): unknown =>
      JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"contract#/components/'));
    cached = (name, value) => {
      const m = doc.methods.find((x) => x.name === name);
      if (!m) return [`no method ${name} in contract`];
      const validate = ajv.compile(fix(m.result.schema));
      if (validate(value)) return [];
      return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) =>
        `${e.instancePath} ${e.message}`
      );
    };
  }
  return cached(method, value);
}
