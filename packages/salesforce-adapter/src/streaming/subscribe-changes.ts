/**
 * An org-level Change Data Capture subscription over jsforce 3.10.16's streaming client (Faye,
 * CometD long-polling) with the replay extension.
 *
 * Invariants:
 * - events are handed to `onEvent` one at a time, in arrival order; `lastReplayId` moves only
 *   after `onEvent` resolved, so a caller persisting it never skips an unhandled event;
 * - the client's OAuth header is fixed when it is created: on `401::Authentication invalid` the
 *   tokens are refreshed (OAuth refresh grant, a rotated refresh token kept and reported through
 *   `onTokenRefresh`) and a new client resumes from the last handled replay id; an event seen
 *   twice across that seam (replay id not above the last one queued) is dropped;
 * - when the org forgot the client before any event arrived (Faye re-handshakes and the replay
 *   extension can only say -1), `onTransport(false)` then `(true)` report the possible gap;
 * - a failure the subscription cannot recover from (invalid replay id, revoked grant, missing
 *   permission) ends it and is reported once, as a {@link ChangeStreamError} with its `reason`.
 */
import { Connection, OAuth2 } from "jsforce";
import { StreamingExtension } from "jsforce/lib/api/streaming.js";
import type { OAuthClientConfig, SalesforceTokens } from "../auth/tokens.js";
import { trimUrl } from "../auth/tokens.js";
import { type ChangeEvent, readChangeEvent } from "./change-event.js";

/** Why a subscription ended: the caller falls back to polling (and, for `invalidReplayId`, to replay -1). */
export type ChangeStreamFailure = "invalidReplayId" | "revoked" | "forbidden" | "failed";

/** A subscription that ended, with the reason (messages are Salesforce's, safe to log). */
export class ChangeStreamError extends Error {
  override readonly name = "ChangeStreamError";
  constructor(
    readonly reason: ChangeStreamFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link subscribeChanges}. */
export interface SubscribeChangesOptions {
  readonly tokens: SalesforceTokens;
  readonly oauth: OAuthClientConfig;
  /** Default `"60.0"`. */
  readonly apiVersion?: string | undefined;
  /** Default `/data/ChangeEvents`. */
  readonly channel?: string | undefined;
  /** -1 new events only, -2 every retained event, or the last replay id handled. */
  readonly replayId: number;
  /** Handles one event; the next waits for it. A rejection ends the subscription (`failed`). */
  readonly onEvent: (event: ChangeEvent) => void | Promise<void>;
  /** Called once when the subscription ended on its own. */
  readonly onError: (error: ChangeStreamError) => void;
  /** The CometD transport went down (`false`, Faye keeps retrying) or came back (`true`). */
  readonly onTransport?: ((up: boolean) => void) | undefined;
  /** Called with the new tokens after a refresh, so the caller can store them. */
  readonly onTokenRefresh?: ((tokens: SalesforceTokens) => void) | undefined;
}

/** A live subscription. */
export interface ChangeSubscription {
  /** Unsubscribes and disconnects; waits for the event being handled. Idempotent. */
  close(): Promise<void>;
  /** The replay id of the last event `onEvent` finished (the `replayId` given until then). */
  readonly lastReplayId: number;
  /** How many times the client was recreated after a token refresh. */
  readonly reconnects: number;
}

interface FayeMessage {
  readonly channel?: string;
  readonly successful?: boolean;
  readonly error?: string;
  readonly ext?: { readonly sfdc?: { readonly failureReason?: string } };
}

interface FayeClient {
  subscribe(channel: string, listener: (data: unknown) => void): PromiseLike<unknown>;
  addExtension(ext: { incoming?: (m: FayeMessage, cb: (m: FayeMessage) => void) => void }): void;
  on(event: "transport:up" | "transport:down", listener: () => void): void;
  disconnect(): PromiseLike<unknown> | undefined;
}

const isAuthFailure = (m: FayeMessage): boolean =>
  (m.error ?? "").startsWith("401") || (m.ext?.sfdc?.failureReason ?? "").startsWith("401");

function classify(message: string): ChangeStreamFailure {
  if (message.includes("replayId")) return "invalidReplayId";
  if (message.startsWith("403")) return "forbidden";
  return "failed";
}

/**
 * Subscribes to change events; resolves once the first subscribe was acknowledged.
 *
 * @remarks Rejects with a {@link ChangeStreamError} when that first subscribe fails (an invalid
 * replay id answers reason `invalidReplayId`). The subscriber needs View All Data.
 * @example
 * ```ts
 * const sub = await subscribeChanges({ tokens, oauth, replayId: -1, onEvent, onError });
 * await sub.close();
 * ```
 */
export async function subscribeChanges(options: SubscribeChangesOptions): Promise<ChangeSubscription> {
  const channel = options.channel ?? "/data/ChangeEvents";
  const version = options.apiVersion ?? "60.0";
  let tokens = options.tokens;
  let lastHandled = options.replayId;
  let lastQueued = options.replayId;
  let queue: Promise<void> = Promise.resolve();
  let client: FayeClient | undefined;
  let closed = false;
  let reconnects = 0;
  let renewing = false;

  const end = (error: ChangeStreamError): void => {
    if (closed) return;
    void close();
    options.onError(error);
  };

  const enqueue = (data: unknown): void => {
    const event = readChangeEvent(data);
    if (event === null || closed) return;
    // Replay ids grow within a channel: one at or below the last queued is a redelivery.
    if (lastQueued >= 0 && event.replayId <= lastQueued) return;
    lastQueued = event.replayId;
    queue = queue.then(async () => {
      if (closed) return;
      try {
        await options.onEvent(event);
        lastHandled = event.replayId;
      } catch (err) {
        end(new ChangeStreamError("failed", err instanceof Error ? err.message : String(err)));
      }
    });
  };

  const open = async (): Promise<void> => {
    const conn = new Connection({ instanceUrl: trimUrl(tokens.instanceUrl), accessToken: tokens.accessToken, version });
    // Faye hands every incoming message to extensions: a 401 means the access token expired.
    // Only the current client's failures count (a replaced one's disconnect answers 401 too).
    let handshakes = 0;
    const incoming = (message: FayeMessage, callback: (m: FayeMessage) => void): void => {
      if (message.successful === false && isAuthFailure(message) && !closed && client === created) void renew();
      // Faye handshakes again by itself when the org forgot the client; the replay extension then
      // resubscribes after the last event seen, but with none seen yet it sends -1 again and
      // events in between are lost: say so (transport down, then up) so the caller catches up.
      if (message.channel === "/meta/handshake" && message.successful === true && ++handshakes > 1) {
        if (lastQueued === -1 && client === created) {
          options.onTransport?.(false);
          options.onTransport?.(true);
        }
      }
      callback(message);
    };
    const created = conn.streaming.createClient([
      { incoming },
      new StreamingExtension.Replay(channel, lastHandled),
    ]) as unknown as FayeClient;
    created.on("transport:down", () => options.onTransport?.(false));
    created.on("transport:up", () => options.onTransport?.(true));
    client = created;
    try {
      await created.subscribe(channel, enqueue);
    } catch (err) {
      const message = (err as { message?: unknown } | undefined)?.message;
      const text = typeof message === "string" ? message : String(err);
      if (client === created) client = undefined;
      void created.disconnect();
      throw new ChangeStreamError(classify(text), text);
    }
  };

  const renew = async (): Promise<void> => {
    if (renewing) return;
    renewing = true;
    const old = client;
    client = undefined;
    void old?.disconnect();
    try {
      const oauth2 = new OAuth2({
        loginUrl: trimUrl(options.oauth.loginUrl),
        clientId: options.oauth.clientId,
        ...(options.oauth.clientSecret !== undefined ? { clientSecret: options.oauth.clientSecret } : {}),
      });
      const response = await oauth2.refreshToken(tokens.refreshToken).catch((err: unknown) => {
        const name = err instanceof Error ? err.name : "";
        throw new ChangeStreamError(name === "invalid_grant" ? "revoked" : "failed", "token refresh failed");
      });
      tokens = {
        instanceUrl: typeof response.instance_url === "string" ? response.instance_url : tokens.instanceUrl,
        accessToken: response.access_token,
        refreshToken:
          typeof response.refresh_token === "string" && response.refresh_token !== ""
            ? response.refresh_token
            : tokens.refreshToken,
      };
      options.onTokenRefresh?.(tokens);
      // Events already queued are handled before the new client replays after them.
      await queue;
      if (closed) return;
      reconnects++;
      await open();
    } catch (err) {
      end(err instanceof ChangeStreamError ? err : new ChangeStreamError("failed", String(err)));
    } finally {
      renewing = false;
    }
  };

  const close = async (): Promise<void> => {
    closed = true;
    const current = client;
    client = undefined;
    const done = current?.disconnect();
    if (done !== undefined) {
      await Promise.race([Promise.resolve(done), new Promise((resolve) => setTimeout(resolve, 2000).unref?.())]);
    }
    await queue;
  };

  await open();
  return {
    close,
    get lastReplayId() {
      return lastHandled;
    },
    get reconnects() {
      return reconnects;
    },
  };
}
