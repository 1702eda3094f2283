/**
 * The error of the sign-in helpers (authorize, code exchange, identity), separate from the
 * port's errors because it concerns a login, not a sync.
 */
import { Data } from "effect";

/** A sign-in step failed; `code` is Salesforce's OAuth `error` (e.g. `invalid_grant`). */
export class OAuthFailed extends Data.TaggedError("OAuthFailed")<{
  readonly code: string;
  readonly message: string;
}> {}
