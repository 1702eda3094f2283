/**
 * Deep equality of plain JSON values, the test the planner uses to skip redundant writes
 * (docs/protocol.md §1 rule 5: writing an equal value still grows the document).
 *
 * Invariant: key order does not matter; `undefined`-valued keys count as absent, as they do
 * once a value has round-tripped through a Y.Map.
 */

/** True when two JSON values are deeply equal. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let countA = 0;
  for (const key in ra) {
    const va = ra[key];
    if (va === undefined) continue;
    countA++;
    if (!jsonEqual(va, rb[key])) return false;
  }
  let countB = 0;
  for (const key in rb) if (rb[key] !== undefined) countB++;
  return countA === countB;
}
