/**
 * A fault-injecting wrapper around any {@link SalesforcePort}: for the next N calls of one
 * operation, fail before calling (row locked, rate limited, session expired, unavailable,
 * revoked) or call and then lose the response (`lost-response`: the call took effect, the
 * caller sees `OutcomeUnknown`).
 *
 * Invariant: faults are consumed in the order injected, one per call of the named operation;
 * with no fault queued the wrapper is transparent.
 */
import { Effect } from "effect";
import {
  OutcomeUnknown,
  RateLimited,
  Revoked,
  RowLocked,
  type SalesforcePort,
  type SalesforcePortError,
  SessionExpired,
  Unavailable,
} from "../port/salesforce-port.js";

/** An operation of the port. */
export type PortOperation = "pullScope" | "pullActivities" | "push" | "lookup";

/** A fault to inject. */
export type FaultKind = "lost-response" | "row-locked" | "rate-limited" | "session-expired" | "unavailable" | "revoked";

/** A port with a fault queue. */
export interface FaultyPort extends SalesforcePort {
  /** Fails the next `count` calls of `operation` with `kind`. */
  inject(operation: PortOperation, kind: FaultKind, count?: number): void;
  /** Drops every queued fault. */
  clear(): void;
  /** Faults injected and not yet consumed. */
  pending(): number;
}

function errorFor(kind: Exclude<FaultKind, "lost-response">): SalesforcePortError {
  switch (kind) {
    case "row-locked":
      return new RowLocked({ message: "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record" });
    case "rate-limited":
      return new RateLimited({ message: "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.", retryAfterMs: 0 });
    case "session-expired":
      return new SessionExpired({ message: "INVALID_SESSION_ID: Session expired or invalid" });
    case "unavailable":
      return new Unavailable({ message: "SERVER_UNAVAILABLE" });
    case "revoked":
      return new Revoked({ message: "invalid_grant: expired access/refresh token" });
  }
}

/**
 * Wraps `port` with a fault queue.
 *
 * @example
 * ```ts
 * const port = withFaults(createFakePort(org, user));
 * port.inject("push", "lost-response"); // the next push commits, then reports OutcomeUnknown
 * ```
 */
export function withFaults(port: SalesforcePort): FaultyPort {
  const queue: Array<{ operation: PortOperation; kind: FaultKind }> = [];
  const take = (operation: PortOperation): FaultKind | undefined => {
    const i = queue.findIndex((f) => f.operation === operation);
    if (i < 0) return undefined;
    const [fault] = queue.splice(i, 1);
    return fault?.kind;
  };
  const wrap =
    <I, A>(operation: PortOperation, run: (input: I) => Effect.Effect<A, SalesforcePortError>) =>
    (input: I): Effect.Effect<A, SalesforcePortError> =>
      Effect.suspend(() => {
        const fault = take(operation);
        if (fault === undefined) return run(input);
        if (fault === "lost-response") {
          return Effect.flatMap(run(input), () =>
            Effect.fail(new OutcomeUnknown({ message: "connection lost after the request was sent" })),
          );
        }
        return Effect.fail(errorFor(fault));
      });
  return {
    pullScope: wrap("pullScope", port.pullScope),
    pullActivities: wrap("pullActivities", port.pullActivities),
    push: wrap("push", port.push),
    lookup: wrap("lookup", port.lookup),
    usage: () => port.usage(),
    ...(port.pullOrgInfo === undefined ? {} : { pullOrgInfo: port.pullOrgInfo }),
    inject(operation, kind, count = 1) {
      for (let i = 0; i < count; i++) queue.push({ operation, kind });
    },
    clear() {
      queue.length = 0;
    },
    pending() {
      return queue.length;
    },
  };
}
