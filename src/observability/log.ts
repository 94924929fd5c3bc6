/** Structured logging: JSON lines (default) or human-readable text, never secrets. */
import type { LogLevel } from "../config/types.ts";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export type LogFields = Record<string, unknown>;

/** Keys whose values are never written to a log. */
const SECRET_KEYS = /token|secret|password|passphrase|api_key|authorization|^key$/i;

export interface LogSink {
  (line: string, level: LogLevel): void;
}

const defaultSink: LogSink = (line, level) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

/** A logger bound to a set of context fields (component, connection id, request id, ...). */
export class Logger {
  constructor(
    private opts: { level: LogLevel; format: "json" | "text"; sink?: LogSink },
    private fields: LogFields = {},
  ) {}

  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger {
    return new Logger(this.opts, { ...this.fields, ...fields });
  }

  /** Change level/format in place (all children share the options object). */
  configure(level: LogLevel, format: "json" | "text"): void {
    this.opts.level = level;
    this.opts.format = format;
  }

  debug(msg: string, fields?: LogFields): void {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write("error", msg, fields);
  }

  private write(level: LogLevel, msg: string, extra?: LogFields): void {
    if (LEVELS[level] < LEVELS[this.opts.level]) return;
    const all = scrub({ ...this.fields, ...extra });
    const sink = this.opts.sink ?? defaultSink;
    if (this.opts.format === "json") {
      sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...all }), level);
    } else {
      const kv = Object.entries(all).map(([k, v]) =>
        `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
      );
      sink(
        `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg} ${kv.join(" ")}`
          .trimEnd(),
        level,
      );
    }
  }
}

function scrub(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) out[k] = v.message;
    else out[k] = SECRET_KEYS.test(k) ? "[redacted]" : v;
  }
  return out;
}

/** A logger that keeps its lines in memory (tests) and optionally echoes them. */
export function memoryLogger(level: LogLevel = "debug"): { log: Logger; lines: () => LogFields[] } {
  const lines: LogFields[] = [];
  const log = new Logger({ level, format: "json", sink: (line) => lines.push(JSON.parse(line)) });
  return { log, lines: () => lines };
}
