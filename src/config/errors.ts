/** Configuration problems and the error that carries them all. */

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** Dotted key path (e.g. "server.port", "camera.sources[1].id"); "" for the whole file. */
  path: string;
  /** The full human line, e.g. "server.port: 70000 is not a valid port (0-65535)". */
  message: string;
  /** Where the bad value came from: "config.yaml line 3", "env CAMERA_SERVICE_SERVER_PORT". */
  origin?: string;
}

/** Thrown by `loadConfig` / `resolveConfig`: every problem found, not just the first. */
export class ConfigError extends Error {
  /** The problems, in the order found. */
  readonly problems: ConfigProblem[];
  /** The config source that was being loaded (file path or "embedded default"). */
  readonly source: string;
  /** Info lines gathered before the failure (e.g. why a lone SSL_CERT_FILE was ignored). */
  readonly notes: string[];

  constructor(source: string, problems: ConfigProblem[], notes: string[] = []) {
    const lines = problems.map(formatProblem);
    super(
      `invalid configuration (${source}): ${problems.length} problem${
        problems.length === 1 ? "" : "s"
      }\n  ${lines.join("\n  ")}`,
    );
    this.name = "ConfigError";
    this.source = source;
    this.problems = problems;
    this.notes = notes;
  }

  /** Each problem as one printable line. */
  lines(): string[] {
    return this.problems.map(formatProblem);
  }
}

/** "message (origin)" — the one-line form of a problem. */
export function formatProblem(p: ConfigProblem): string {
  return p.origin ? `${p.message} (${p.origin})` : p.message;
}

/** Show a value in a message: strings quoted, secrets masked, long values shortened. */
export function showValue(value: unknown, secret = false): string {
  if (secret) return typeof value === "string" && value === "" ? '""' : "***";
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (value === undefined) text = "undefined";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
