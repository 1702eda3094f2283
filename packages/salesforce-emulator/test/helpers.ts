/**
 * Test helpers: loading the unmodified jsforce client with proxies unset (reference §0.3),
 * connecting as an emulator user, and capturing thrown errors.
 */
import type { Connection } from "jsforce";
import type { Emulator } from "../src/index.js";

/** Imports jsforce after clearing proxy variables (jsforce reads them at module load). */
export async function loadJsforce() {
  for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
  return (await import("jsforce")).default;
}

type Jsforce = Awaited<ReturnType<typeof loadJsforce>>;

/** A jsforce connection as `username`, with a refresh token and the OAuth client configured. */
export function connectAs(jsforce: Jsforce, sf: Emulator, username: string, version = "60.0"): Connection {
  const token = sf.control.issueToken(username);
  if (!token) throw new Error(`unknown user ${username}`);
  return new jsforce.Connection({
    instanceUrl: sf.url,
    accessToken: token.access_token,
    refreshToken: token.refresh_token,
    version,
    oauth2: {
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
      loginUrl: sf.url,
      redirectUri: `${sf.url}/callback`,
    },
  });
}

/** What a rejected jsforce call carried. */
export interface CaughtError {
  readonly name: string;
  readonly errorCode: string | undefined;
  readonly message: string;
  readonly data: unknown;
}

/** Awaits a promise that must reject and answers the error's fields. */
export async function caught(promise: PromiseLike<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; errorCode?: string; message?: string; data?: unknown };
    return { name: String(e.name), errorCode: e.errorCode, message: String(e.message), data: e.data };
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** A raw HTTP call with a bearer token, answering status, headers and parsed body. */
export async function raw(
  url: string,
  init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: {
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    redirect: "manual",
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body, text };
}
