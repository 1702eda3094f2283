/**
 * Step 1 of a sync cycle (docs/architecture.md, "The sync cycle"): pull the scope, work out
 * the Key contacts from the mirror as that pull leaves it, then pull their activities.
 *
 * Invariants: the Key contacts are computed over the mirror overlaid with the scope pull
 * (closed opportunities and removed records left out), so the activity pull already follows
 * this cycle's scope; both pulls are reads, retried on every retryable error.
 */

import { Effect } from "effect";
import type { SalesforceId } from "../model/salesforce-id.js";
import { fieldSelection } from "../port/field-selection.js";
import type { ActivityPull, MirroredIds, SalesforcePortError, ScopePull } from "../port/salesforce-port.js";
import { keyContactIds } from "../reconcile/key-contacts.js";
import { type BookState, overlayTable } from "../reconcile/state.js";
import type { CycleContext } from "./cycle-context.js";

const DAY = 86_400_000;

/** What one cycle pulled. */
export interface CyclePull {
  readonly scope: ScopePull;
  readonly activities: ActivityPull;
  /** The Key contacts after the scope pull, whose activities were pulled. */
  readonly keyContactIds: ReadonlySet<string>;
  /** Ids of the scope records Salesforce reported removed. */
  readonly removedScope: ReadonlySet<string>;
}

function mirroredIdsOf(s: BookState): MirroredIds {
  return {
    opportunityIds: new Set(s.opportunities.keys()) as Set<SalesforceId>,
    accountIds: new Set(s.accounts.keys()) as Set<SalesforceId>,
    contactIds: new Set(s.contacts.keys()) as Set<SalesforceId>,
    contactRoleIds: new Set(s.contactRoles.keys()) as Set<SalesforceId>,
  };
}

/** The activity window: days back from now, and days ahead. */
export interface ActivityWindow {
  readonly windowDays: number;
  readonly horizonDays: number;
}

/**
 * Pulls the scope, then the Key contacts' activities in the window, with the fields the
 * user's describe (`meta.org`) selects.
 */
export function pullCycle(
  ctx: CycleContext,
  userId: SalesforceId,
  window: ActivityWindow,
): Effect.Effect<CyclePull, SalesforcePortError> {
  const { port, retry, now } = ctx;
  return Effect.gen(function* () {
    const before = ctx.state();
    const fields = fieldSelection(before.meta.org);
    const scope = yield* retry.retrying(
      port.pullScope({
        userId,
        watermarks: before.meta.watermarks,
        mirrored: mirroredIdsOf(before),
        fields,
        continuation: before.meta.scopeContinuation ?? undefined,
      }),
    );
    const removedScope = new Set<string>([
      ...scope.removed.opportunityIds,
      ...scope.removed.accountIds,
      ...scope.removed.contactIds,
      ...scope.removed.contactRoleIds,
    ]);
    const overlay = <V extends { readonly Id: string }>(
      table: Parameters<typeof overlayTable<V>>[0],
      records: ReadonlyArray<V>,
    ) => overlayTable(table, new Map(records.map((r) => [r.Id as string, r])), removedScope);
    const keys = keyContactIds(
      {
        opportunities: overlay(
          before.opportunities,
          scope.opportunities.filter((o) => !o.IsClosed),
        ),
        contacts: overlay(before.contacts, scope.contacts),
        contactRoles: overlay(before.contactRoles, scope.contactRoles),
        interactions: before.interactions,
        intents: before.intents,
        receipts: before.receipts,
      },
      // The interaction window is judged by the cycle's clock, as the views judge it by theirs.
      { now: now() },
    );
    const windowStart = new Date(now().getTime() - window.windowDays * DAY).toISOString();
    const windowEnd = new Date(now().getTime() + window.horizonDays * DAY).toISOString();
    const activities = yield* retry.retrying(
      port.pullActivities({
        whoIds: [...keys] as SalesforceId[],
        windowStart,
        windowEnd,
        now: now().toISOString(),
        fields,
        watermarks: before.meta.watermarks,
        mirroredIds: new Set(before.activities.keys()) as Set<SalesforceId>,
      }),
    );
    return { scope, activities, keyContactIds: keys, removedScope };
  });
}
