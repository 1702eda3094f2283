/**
 * Signing in for a back-end app: a refresh token the user granted once (for example through
 * the authorization-code flow of a web page), exchanged at each start for an access token.
 *
 * Invariant: settings come from the environment passed in, read once here; a missing one is a
 * {@link UsageError} naming it, and nothing is contacted.
 */
import { type SalesforceSession, signInWithRefreshToken } from "@tandem/salesforce-adapter";

/** A bad command line or a missing setting: the CLI prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new UsageError(`${name} must be set to sync`);
  return value;
}

/**
 * Signs in with `SF_LOGIN_URL`, `SF_CLIENT_ID`, `SF_CLIENT_SECRET` (optional) and `SF_REFRESH_TOKEN`.
 *
 * @example
 * ```ts
 * const salesforce = await signInFromEnv(process.env);
 * createBookSync({ doc, salesforce, persist });
 * ```
 */
export function signInFromEnv(env: NodeJS.ProcessEnv): Promise<SalesforceSession> {
  const clientSecret = env.SF_CLIENT_SECRET;
  return signInWithRefreshToken({
    loginUrl: required(env, "SF_LOGIN_URL"),
    clientId: required(env, "SF_CLIENT_ID"),
    refreshToken: required(env, "SF_REFRESH_TOKEN"),
    ...(clientSecret !== undefined && clientSecret !== "" ? { clientSecret } : {}),
  });
}
