/**
 * The typed error every device call returns instead of writing a bad intent.
 *
 * Invariant: when a device call returns a {@link DeviceInputError}, it wrote nothing.
 */
import { Data } from "effect";

/** What was wrong with a device call's input. */
export type DeviceInputErrorCode =
  | "unknown-record"
  | "unknown-field"
  | "invalid-value"
  | "unknown-intent"
  | "not-cancellable"
  | "not-in-conflict"
  | "book-too-new";

/** A device call's input was rejected; nothing was written. */
export class DeviceInputError extends Data.TaggedError("DeviceInputError")<{
  readonly code: DeviceInputErrorCode;
  readonly message: string;
  /** The input field that was wrong, when there is one. */
  readonly field?: string | undefined;
}> {}

/** The result of a device call: the value written, or why nothing was. */
export type DeviceResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DeviceInputError };
