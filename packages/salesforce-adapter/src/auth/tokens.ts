/**
 * The OAuth shapes the adapter works with: a user's token set and the connected app (client).
 *
 * Invariant: plain data; secrets are never logged by this package.
 */

/** One user's OAuth tokens for one org. */
export interface SalesforceTokens {
  readonly instanceUrl: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** The connected app the tokens were issued to. */
export interface OAuthClientConfig {
  /** `https://login.salesforce.com`, a My Domain URL, or the emulator's URL. */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
}

/** Strips trailing slashes (jsforce does not normalise instance URLs). */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
