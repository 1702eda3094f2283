/**
 * A small hybrid logical clock (HLC) whose timestamps are sortable strings. Wall time comes in
 * as a parameter; the clock never reads it itself.
 *
 * Invariants: a timestamp is `<wall ms, 11 base-36 digits>-<counter, 4 base-36 digits>-<node>`,
 * so plain string comparison orders timestamps by (wall, counter, node); {@link tickHlc} always
 * returns a timestamp greater than the one given, even when the wall clock goes backwards.
 */

/** A decoded HLC timestamp. */
export interface Hlc {
  readonly wallMs: number;
  readonly counter: number;
  readonly node: string;
}

const WALL_DIGITS = 11;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;

/** Encodes an HLC as its sortable string. */
export function formatHlc(hlc: Hlc): string {
  return `${hlc.wallMs.toString(36).padStart(WALL_DIGITS, "0")}-${hlc.counter
    .toString(36)
    .padStart(COUNTER_DIGITS, "0")}-${hlc.node}`;
}

/** Decodes a sortable HLC string; `null` when it is not one. */
export function parseHlc(text: string): Hlc | null {
  const first = text.indexOf("-");
  const second = text.indexOf("-", first + 1);
  if (first !== WALL_DIGITS || second !== WALL_DIGITS + 1 + COUNTER_DIGITS) return null;
  const wallMs = Number.parseInt(text.slice(0, first), 36);
  const counter = Number.parseInt(text.slice(first + 1, second), 36);
  if (!Number.isFinite(wallMs) || !Number.isFinite(counter)) return null;
  return { wallMs, counter, node: text.slice(second + 1) };
}

/**
 * The next local timestamp after `last` (or the first), given the wall time now.
 *
 * @remarks When the wall clock is behind `last`, the counter advances instead, so timestamps
 * stay strictly increasing. `observed` is the greatest remote timestamp seen so far (the HLC
 * receive rule), so a device orders its edits after every edit it has already seen.
 * @example
 * ```ts
 * const a = tickHlc(null, 1_700_000_000_000, "phone");
 * const b = tickHlc(a, 1_600_000_000_000, "phone"); // clock went back: b > a anyway
 * ```
 */
export function tickHlc(last: string | null, wallMs: number, node: string, observed?: string | null): string {
  let latest = last === null ? null : parseHlc(last);
  const remote = observed === undefined || observed === null ? null : parseHlc(observed);
  if (remote !== null && (latest === null || formatHlc(remote) > formatHlc(latest))) latest = remote;
  const wall = Math.max(0, Math.floor(wallMs));
  if (latest === null || wall > latest.wallMs) return formatHlc({ wallMs: wall, counter: 0, node });
  if (latest.counter >= MAX_COUNTER) return formatHlc({ wallMs: latest.wallMs + 1, counter: 0, node });
  return formatHlc({ wallMs: latest.wallMs, counter: latest.counter + 1, node });
}

/** Orders two HLC strings (negative, zero, positive). */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
