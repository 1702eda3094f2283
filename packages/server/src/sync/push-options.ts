/**
 * Configuration of push (the org's change subscriber) and its start-up beside the sync
 * supervisor: the subscriber starts at server start when the integration user's grant is
 * stored, or at that user's first sign-in otherwise. Scaled out, push is off (the subscriber
 * has no lease of its own yet, and a trigger only reaches the workers of this instance).
 */
import type { TriggerConfig } from "@tandem/engine";
import type * as Y from "yjs";
import { roomOf } from "../auth/auth-service.js";
import type { OrgConfig } from "../auth/org-config.js";
import type { Logger } from "../obs/logger.js";
import { ChangeSubscriber, type ReplayStore } from "./change-subscriber.js";
import type { SyncSupervisor, WorkerTokens } from "./sync-supervisor.js";

/** Options of push (`--cdc-user`). */
export interface PushOptions {
  /** The integration user's Salesforce id (View All Data); must have signed in once. */
  readonly userId: string;
  /** Where the replay id is kept (a file in the data directory, or memory). */
  readonly replay: ReplayStore;
  /** The workers' schedule while push is live (ms). Default 3 600 000 (60 min). */
  readonly safetyNetMs?: number | undefined;
  /** Resubscribe delay after a failure (ms). Default 5 000. */
  readonly retryMs?: number | undefined;
}

/** Push, once its grant is there. */
export interface PushHandle {
  /** The subscriber once started. */
  readonly subscriber: () => ChangeSubscriber | undefined;
  /** A user signed in: starts the subscriber when it is the integration user. */
  readonly onLogin: (orgId: string, userId: string) => void;
  readonly close: () => Promise<void>;
}

/** What {@link startPush} needs from the server. */
export interface StartPushOptions {
  readonly options: PushOptions;
  readonly supervisor: SyncSupervisor;
  readonly tokens: WorkerTokens;
  readonly org: OrgConfig;
  readonly apiVersion?: string | undefined;
  readonly logger: Logger;
  /** The workers' normal schedule, kept by the subscriber while push is down. Default 300 000. */
  readonly fallbackScheduleMs?: number | undefined;
  readonly loadedDoc: (room: string) => Y.Doc | undefined;
}

/** The push options to run with: none when scaled out (said once in the log). */
export function pushOf(push: PushOptions | undefined, scaledOut: boolean, logger: Logger): PushOptions | undefined {
  if (push !== undefined && scaledOut) logger.log("warn", "push.off_when_scaled_out", {});
  return scaledOut ? undefined : push;
}

/** The workers' trigger configuration with push: the schedule becomes the safety net. */
export function safetyNetTrigger(
  trigger: Partial<TriggerConfig> | undefined,
  push: PushOptions,
): Partial<TriggerConfig> {
  return { ...trigger, scheduleMs: push.safetyNetMs ?? 3_600_000 };
}

/**
 * Starts push now if the integration user's grant is stored, else at their sign-in.
 *
 * @example
 * ```ts
 * const push = await startPush({ options, supervisor, tokens, org, logger, loadedDoc });
 * auth.onLogin(push.onLogin);
 * ```
 */
export async function startPush(o: StartPushOptions): Promise<PushHandle> {
  let subscriber: ChangeSubscriber | undefined;
  let closed = false;
  const begin = (orgId: string): void => {
    if (subscriber || closed) return;
    subscriber = new ChangeSubscriber({
      orgId,
      userId: o.options.userId,
      tokens: o.tokens,
      org: o.org,
      apiVersion: o.apiVersion,
      replay: o.options.replay,
      logger: o.logger,
      fallbackScheduleMs: o.fallbackScheduleMs,
      retryMs: o.options.retryMs,
      books: {
        rooms: () => o.supervisor.rooms(),
        roomOf,
        loadedDoc: o.loadedDoc,
        trigger: (room) => void o.supervisor.worker(room)?.syncNow(),
      },
    });
    void subscriber.start();
  };
  const stored = (await o.tokens.owners()).find((owner) => owner.userId === o.options.userId);
  if (stored) begin(stored.orgId);
  else o.logger.log("warn", "push.waiting_for_sign_in", {});
  return {
    subscriber: () => subscriber,
    onLogin: (orgId, userId) => {
      if (userId === o.options.userId) begin(orgId);
    },
    close: async () => {
      closed = true;
      await subscriber?.close();
    },
  };
}
