/**
 * Configuration of push (the org's change subscriber) and its start-up beside the sync
 * supervisor: the subscriber starts at server start when the integration user's grant is
 * stored, or at that user's first sign-in otherwise.
 *
 * Scaled out ({@link PushCluster}), exactly one instance runs the org's subscriber: the one
 * holding the lease `push:<orgId>` in the book leases, kept by a {@link LeaseKeeper} on every
 * instance, so a standby takes over within the lease's time to live (plus a renewal period)
 * of the holder's death. The replay id then lives in the shared store (`tandem_push_replay`,
 * written under the lease's fence), so the taker resumes after the last event the holder
 * handled. Each event's {@link ChangeNotice} is handed to this instance's supervisor and
 * published on the bus's {@link CLUSTER_CHANNEL}, which every instance joins at start whether
 * or not it has a room loaded; each instance triggers its own workers that hold their book's
 * lease. The bus delivers at most once: after it reconnects, every instance triggers all of its
 * lease-holding workers once (a notice may have been lost meanwhile).
 *
 * Invariants: no subscriber runs while this instance does not hold the push lease; a refused
 * replay-id write (the lease moved on) stops the subscriber; no event data is passed on, only
 * record ids, owner ids and "all".
 */
import type { TriggerConfig } from "@tandem/engine";
import type { OrgConfig } from "../auth/org-config.js";
import type { Logger } from "../obs/logger.js";
import { type ChangeNotice, CLUSTER_CHANNEL, type RoomBus } from "../relay/room-bus.js";
import { hasSharedReplayIds, type SharedReplayIds } from "../store/store.js";
import { ChangeSubscriber, type PushStatus, type ReplayStore } from "./change-subscriber.js";
import { LeaseKeeper, type WorkerLeases } from "./lease-keeper.js";
import type { SyncSupervisor, WorkerTokens } from "./sync-supervisor.js";

/** Options of push (`--cdc-user`). */
export interface PushOptions {
  /** The integration user's Salesforce id (View All Data); must have signed in once. */
  readonly userId: string;
  /** Where the replay id is kept on one instance (a file in the data directory, or memory); scaled out, the shared store is used instead. */
  readonly replay: ReplayStore;
  /** The workers' schedule while push is live (ms). Default 3 600 000 (60 min). */
  readonly safetyNetMs?: number | undefined;
  /** Resubscribe delay after a failure (ms). Default 5 000. */
  readonly retryMs?: number | undefined;
}

/** What push needs when instances share the books (scale-out). */
export interface PushCluster {
  /** The book leases; the org's subscriber runs under the lease `push:<orgId>`. */
  readonly leases: WorkerLeases;
  /** The bus every instance listens to, for the change notices. */
  readonly bus: RoomBus;
  /** The shared replay ids. */
  readonly replayIds: SharedReplayIds;
  /** How often the integration user's grant is looked for until found (ms). Default 10 000. */
  readonly rescanMs?: number | undefined;
}

/** Push, once its grant is there. */
export interface PushHandle {
  /** The subscriber while it runs on this instance. */
  readonly subscriber: () => ChangeSubscriber | undefined;
  /** What `/api/status` says: the holder's subscriber, `standby` on the others, `null` before the grant is known. */
  readonly status: () => PushStatus | null;
  /** Prometheus lines (`tandem_push_holder` always; live, events and lag on the holder). */
  readonly render: () => string;
  /** A user signed in: starts push when it is the integration user. */
  readonly onLogin: (orgId: string, userId: string) => void;
  /** Stops the subscriber and gives the push lease up. */
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
  /** Scaled out: the lease, the bus and the shared replay ids; absent for one instance. */
  readonly cluster?: PushCluster | undefined;
}

/** The name of the org's push lease in the book leases. */
export function pushLeaseOf(orgId: string): string {
  return `push:${orgId}`;
}

/** The workers' trigger configuration with push: the schedule becomes the safety net. */
export function safetyNetTrigger(
  trigger: Partial<TriggerConfig> | undefined,
  push: PushOptions,
): Partial<TriggerConfig> {
  return { ...trigger, scheduleMs: push.safetyNetMs ?? 3_600_000 };
}

/** Push as this server runs it: with {@link PushCluster} when scaled out. */
export interface PushSetup {
  readonly options: PushOptions;
  readonly cluster: PushCluster | undefined;
}

/**
 * How push runs on this server: on one instance with `push.replay`; scaled out (`leases`) under
 * the push lease, with the bus and the store's shared replay ids. Scaled out without a bus or
 * without shared replay ids, push is off (said once in the log): a notice could not reach the
 * other instances' books, or a taker could not resume.
 */
export function pushSetupOf(
  push: PushOptions | undefined,
  scale: { readonly leases?: WorkerLeases | undefined; readonly bus?: RoomBus | undefined; readonly store: object },
  logger: Logger,
): PushSetup | undefined {
  if (push === undefined) return undefined;
  if (scale.leases === undefined) return { options: push, cluster: undefined };
  if (scale.bus === undefined || !hasSharedReplayIds(scale.store)) {
    logger.log("warn", "push.off_without_bus_or_shared_store", {});
    return undefined;
  }
  return { options: push, cluster: { leases: scale.leases, bus: scale.bus, replayIds: scale.store } };
}

/** What a standby instance says about push: it runs elsewhere, so its liveness is unknown here. */
const STANDBY: PushStatus = {
  role: "standby",
  live: null,
  eventsHandled: 0,
  lastCommitAt: null,
  lagMs: null,
  lastError: null,
};

/**
 * Starts push now if the integration user's grant is stored, else at their sign-in (scaled
 * out, also when another instance stored it: looked for every `rescanMs`).
 *
 * @example
 * ```ts
 * const push = await startPush({ options, supervisor, tokens, org, logger });
 * auth.onLogin(push.onLogin);
 * ```
 */
export async function startPush(o: StartPushOptions): Promise<PushHandle> {
  let subscriber: ChangeSubscriber | undefined;
  let keeper: LeaseKeeper | undefined;
  let begun = false;
  let closed = false;
  let rescan: ReturnType<typeof setInterval> | undefined;
  const cluster = o.cluster;
  const notify = (notice: ChangeNotice): void => {
    o.supervisor.triggerChanges(notice);
    cluster?.bus.publish(CLUSTER_CHANNEL, {
      kind: "changes",
      from: cluster.bus.instanceId,
      sentAt: Date.now(),
      changes: notice,
    });
  };
  if (cluster) await listenCluster(cluster.bus, o.supervisor, o.logger);

  const run = (orgId: string, replay: ReplayStore): void => {
    if (subscriber || closed) return;
    subscriber = new ChangeSubscriber({
      orgId,
      userId: o.options.userId,
      tokens: o.tokens,
      org: o.org,
      apiVersion: o.apiVersion,
      replay,
      logger: o.logger,
      fallbackScheduleMs: o.fallbackScheduleMs,
      retryMs: o.options.retryMs,
      books: { notify },
    });
    void subscriber.start();
  };
  const halt = (): Promise<void> => {
    const s = subscriber;
    subscriber = undefined;
    return s?.close() ?? Promise.resolve();
  };
  const begin = (orgId: string): void => {
    if (begun || closed) return;
    begun = true;
    if (rescan) clearInterval(rescan);
    if (!cluster) {
      run(orgId, o.options.replay);
      return;
    }
    const lease = pushLeaseOf(orgId);
    const k = new LeaseKeeper(lease, cluster.leases, o.logger, (held) => {
      if (!held) {
        o.logger.log("info", "push.standby", {});
        void halt();
        return;
      }
      o.logger.log("info", "push.holder", {});
      run(orgId, sharedReplay(cluster.replayIds, orgId, lease, k, o.logger));
    });
    keeper = k;
    k.start();
  };

  const owner = async (): Promise<string | undefined> =>
    (await o.tokens.owners()).find((x) => x.userId === o.options.userId)?.orgId;
  const stored = await owner();
  if (stored !== undefined) begin(stored);
  else {
    o.logger.log("warn", "push.waiting_for_sign_in", {});
    // Scaled out, the integration user may sign in through another instance.
    if (cluster) {
      rescan = setInterval(() => {
        owner().then(
          (orgId) => {
            if (orgId !== undefined) begin(orgId);
          },
          () => undefined,
        );
      }, cluster.rescanMs ?? 10_000);
      rescan.unref?.();
    }
  }
  const status = (): PushStatus | null => subscriber?.status() ?? (keeper ? STANDBY : null);
  return {
    subscriber: () => subscriber,
    status,
    render: () => subscriber?.render() ?? (keeper ? "# TYPE tandem_push_holder gauge\ntandem_push_holder 0\n" : ""),
    onLogin: (orgId, userId) => {
      if (userId === o.options.userId) begin(orgId);
    },
    close: async () => {
      closed = true;
      if (rescan) clearInterval(rescan);
      await keeper?.stop();
      await halt();
      await cluster?.bus.leave(CLUSTER_CHANNEL).catch(() => undefined);
    },
  };
}

/**
 * Joins the cluster channel: other instances' change notices trigger this instance's workers;
 * after a reconnect of the bus (notices may be lost), every lease-holding worker runs once.
 */
async function listenCluster(bus: RoomBus, supervisor: SyncSupervisor, logger: Logger): Promise<void> {
  await bus.join(CLUSTER_CHANNEL, (m) => {
    if (m.kind !== "changes" || m.from === bus.instanceId) return;
    supervisor.triggerChanges(m.changes);
  });
  bus.onReconnect(() => {
    const orgs = supervisor.orgs();
    logger.log("info", "push.bus_reconnected", { orgs: orgs.length });
    for (const orgId of orgs) supervisor.triggerChanges({ orgId, recordIds: [], ownerIds: [], all: true });
  });
}

/** The replay id in the shared store, written under the push lease's fence. */
function sharedReplay(
  ids: SharedReplayIds,
  orgId: string,
  lease: string,
  keeper: LeaseKeeper,
  logger: Logger,
): ReplayStore {
  return {
    read: () => ids.readReplayId(orgId),
    async write(replayId) {
      const fence = keeper.fence;
      const written = fence !== undefined && (await ids.writeReplayId(orgId, replayId, lease, fence));
      if (written) return;
      // The lease moved on: the new holder resumes from what it finds; this one stops.
      logger.log("warn", "push.replay_write_refused", {});
      keeper.lost();
      throw new Error("the push lease moved to another instance");
    },
  };
}
