/**
 * What the in-process worker loop ({@link createBookSync}, and the server's book workers) needs
 * from Salesforce: who the book belongs to, and the user's port. The adapter's sign-in helpers
 * (`signInWithRefreshToken`, `signInWithJwtBearer`, `signInWithAuthorizationCode`) return it,
 * so an app never handles branded ids or Effect itself.
 *
 * Invariants: `userId` is the book owner's 18-character Salesforce id and `orgId` their org's;
 * `port()` is called before each cycle and may refresh tokens; it rejects with a
 * {@link SalesforceSignInError} when no port can be built.
 */
import type { SalesforceId } from "../model/salesforce-id.js";
import type { SalesforcePort } from "../port/salesforce-port.js";

/** The signed-in user a book syncs as. */
export interface BookSyncSalesforce {
  /** The book owner's Salesforce user id (18 characters). */
  readonly userId: SalesforceId;
  /** The owner's org id (18 characters). */
  readonly orgId: string;
  /** The user's port for the next cycle; rejects with {@link SalesforceSignInError}. */
  port(): Promise<SalesforcePort>;
}

/**
 * The user's port could not be built: no stored grant, or the token refresh failed. `code` is a
 * fixed identifier (`invalid_grant`, `no_refresh_token`, …), safe to log; `revoked` means the
 * grant is gone for good and the worker stops.
 */
export class SalesforceSignInError extends Error {
  override readonly name = "SalesforceSignInError";
  /** A fixed identifier of the failure, safe to log. */
  readonly code: string;
  /** Whether Salesforce revoked the grant (the worker stops). */
  readonly revoked: boolean;

  constructor(args: { readonly code: string; readonly revoked: boolean; readonly message: string }) {
    super(args.message);
    this.code = args.code;
    this.revoked = args.revoked;
  }
}
