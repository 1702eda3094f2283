/**
 * Injected faults for the next N matching calls (the package README): latency, REQUEST_LIMIT_EXCEEDED,
 * UNABLE_TO_LOCK_ROW, INVALID_SESSION_ID, SERVER_UNAVAILABLE and drop-after-commit.
 *
 * Invariants: a fault fires at most `count` times, in the order faults were added (first match
 * wins); a matched call consumes one count; `path` is a regular expression tested against the
 * URL path (e.g. `/services/data/v60.0/composite/sobjects`).
 */

/** Kinds of injectable faults. */
export type FaultKind =
  | "latency"
  | "REQUEST_LIMIT_EXCEEDED"
  | "UNABLE_TO_LOCK_ROW"
  | "INVALID_SESSION_ID"
  | "SERVER_UNAVAILABLE"
  | "drop-after-commit";

const KINDS: readonly FaultKind[] = [
  "latency",
  "REQUEST_LIMIT_EXCEEDED",
  "UNABLE_TO_LOCK_ROW",
  "INVALID_SESSION_ID",
  "SERVER_UNAVAILABLE",
  "drop-after-commit",
];

/** A fault to inject. */
export interface FaultSpec {
  readonly match?: { readonly method?: string | undefined; readonly path?: string | undefined } | undefined;
  readonly kind: FaultKind;
  /** How many matching calls it affects (default 1). */
  readonly count?: number | undefined;
  /** Delay for `latency` (default 1000). */
  readonly ms?: number | undefined;
}

/** A fault that fired for one call. */
export interface FiredFault {
  readonly kind: FaultKind;
  readonly ms: number;
}

interface ActiveFault {
  readonly id: number;
  readonly method: string | undefined;
  readonly path: RegExp | undefined;
  readonly source: string | undefined;
  readonly kind: FaultKind;
  readonly ms: number;
  remaining: number;
}

/** Thrown for an invalid fault specification. */
export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

/** The active faults of one emulator. */
export class FaultInjector {
  #faults: ActiveFault[] = [];
  #nextId = 1;

  /** Validates and adds a fault; answers its id. */
  add(spec: unknown): number {
    if (typeof spec !== "object" || spec === null) throw new FaultSpecError("fault must be an object");
    const s = spec as Record<string, unknown>;
    const kind = s.kind;
    if (typeof kind !== "string" || !KINDS.includes(kind as FaultKind)) {
      throw new FaultSpecError(`kind must be one of ${KINDS.join(", ")}`);
    }
    const count = s.count === undefined ? 1 : s.count;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1)
      throw new FaultSpecError("count must be a positive integer");
    const ms = s.ms === undefined ? 1000 : s.ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      throw new FaultSpecError("ms must be a non-negative number");
    const match = (s.match ?? {}) as Record<string, unknown>;
    if (typeof match !== "object" || match === null) throw new FaultSpecError("match must be an object");
    const method = match.method === undefined ? undefined : String(match.method).toUpperCase();
    let path: RegExp | undefined;
    if (match.path !== undefined) {
      try {
        path = new RegExp(String(match.path));
      } catch {
        throw new FaultSpecError(`match.path is not a valid regular expression: ${String(match.path)}`);
      }
    }
    const id = this.#nextId++;
    this.#faults.push({ id, method, path, source: path?.source, kind: kind as FaultKind, ms, remaining: count });
    return id;
  }

  /** Consumes the first fault matching a call, if any. */
  take(method: string, path: string): FiredFault | undefined {
    const fault = this.#faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || f.path.test(path)),
    );
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return { kind: fault.kind, ms: fault.ms };
  }

  /** Removes every fault. */
  clear(): void {
    this.#faults = [];
  }

  /** The active faults. */
  list(): { id: number; kind: FaultKind; remaining: number; match: { method?: string; path?: string }; ms: number }[] {
    return this.#faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      remaining: f.remaining,
      match: { ...(f.method ? { method: f.method } : {}), ...(f.source ? { path: f.source } : {}) },
      ms: f.ms,
    }));
  }
}
