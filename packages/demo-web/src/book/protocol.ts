/**
 * Small helpers over the engine's protocol types that the UI needs in several places.
 *
 * Invariant: pure; no state.
 */
import type { ActivityKind } from "@tandem/engine";

/** The subject a logged activity gets in Salesforce when the user gives none (docs/protocol.md §3). */
export function activitySubject(kind: ActivityKind, name: string | null): string {
  const label = { call: "Call", email: "Email", meeting: "Meeting", note: "Note" }[kind];
  return name === null ? label : `${label} with ${name}`;
}
