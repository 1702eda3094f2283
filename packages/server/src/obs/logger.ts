/**
 * Structured JSON logging.
 *
 * One JSON object per line: `{"t": ISO time, "level", "event", ...fields}`. Callers pass only
 * operational fields (room, org and user ids, reasons, counts); tokens, ticket values,
 * cookies, names and e-mail addresses are never logged. `redact` enforces that for the
 * field names most likely to carry a secret by mistake.
 */

/** Log levels. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger. */
export interface Logger {
  /** Writes one event at `level` with its operational `fields` (never secrets or names). */
  log(level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>): void;
}

const SECRET = /token|ticket|secret|password|cookie|code_verifier|authorization|^code$|^name$|email|username/i;

/** Replaces values of secret-looking fields with `"[redacted]"`. */
export function redact(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET.test(k) ? "[redacted]" : v;
  return out;
}

/**
 * A logger writing JSON lines to `write` (stderr by default at the composition root).
 * @example
 * const logger = createJsonLogger((line) => process.stderr.write(line), "info");
 */
export function createJsonLogger(write: (line: string) => void, minLevel: LogLevel = "info"): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, event, fields = {}) {
      if (order[level] < order[minLevel]) return;
      write(`${JSON.stringify({ t: new Date().toISOString(), level, event, ...redact(fields) })}\n`);
    },
  };
}

/** A logger that keeps entries in memory (tests). */
export function createMemoryLogger(): Logger & {
  readonly entries: { level: LogLevel; event: string; fields: Record<string, unknown> }[];
} {
  const entries: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  return {
    entries,
    log(level, event, fields = {}) {
      entries.push({ level, event, fields: redact(fields) });
    },
  };
}
