/**
 * The Salesforce org the server signs users into: its login URL and the OAuth client.
 */

/** OAuth configuration of the org (a real org or the emulator). */
export interface OrgConfig {
  /** Base URL of the org's login host, e.g. `https://login.salesforce.com`. */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** OAuth scopes requested. Default `api refresh_token id`. */
  readonly scope?: string | undefined;
}
