/**
 * The Change Data Capture channels the emulator serves and who may use them: `/data/ChangeEvents`
 * (every selected object) and `/data/<Object>ChangeEvent` for the six objects Tandem syncs.
 *
 * Permission rule (Salesforce's "Required Permissions for Change Event Subscribers", since
 * Summer '20): anyone may subscribe to `/data/ChangeEvents`, but events are delivered only for
 * objects the subscriber may see all records of; a single-object channel is refused at subscribe
 * time without that permission. The emulator has no per-object "View All Records", so the
 * permission is View All Data (or Modify All Data) on the user's profile — which Task and Event
 * require in Salesforce anyway.
 */
import type { Org } from "../store/org.js";

/** The objects with change events enabled, in the order Salesforce lists them. */
export const CDC_OBJECTS: readonly string[] = [
  "Account",
  "Contact",
  "Event",
  "Opportunity",
  "OpportunityContactRole",
  "Task",
];

/** The channel of every change event. */
export const ALL_CHANGE_EVENTS = "/data/ChangeEvents";

/** The single-object channel of `object`, e.g. `/data/OpportunityChangeEvent`. */
export function objectChannel(object: string): string {
  return `/data/${object}ChangeEvent`;
}

/** What a channel name selects: every object, one object, or nothing the emulator serves. */
export type ChannelScope = { readonly kind: "all" } | { readonly kind: "object"; readonly object: string };

/** Reads a subscription channel name; `undefined` when the emulator does not serve it. */
export function readChannel(channel: string): ChannelScope | undefined {
  if (channel === ALL_CHANGE_EVENTS) return { kind: "all" };
  const m = /^\/data\/(\w+)ChangeEvent$/.exec(channel);
  const object = m?.[1];
  if (object && CDC_OBJECTS.includes(object)) return { kind: "object", object };
  return undefined;
}

/** Whether `userId` may receive change events of every record (View All Data or Modify All Data). */
export function canSeeAllData(org: Org, userId: string): boolean {
  const profileId = org.store.get("User", userId)?.ProfileId;
  const profile = typeof profileId === "string" ? org.store.get("Profile", profileId) : undefined;
  return profile?.PermissionsViewAllData === true || profile?.PermissionsModifyAllData === true;
}
