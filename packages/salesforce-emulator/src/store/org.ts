/**
 * The emulated org: its identity, schema, records, users, clock, id generator and sharing
 * settings — everything a request handler needs, in one place passed explicitly.
 */
import type { IdGenerator } from "../ids/salesforce-id.js";
import { ALL_STAGES, type StageDef, TASK_STATUSES } from "../schema/default-values.js";
import type { OrgSchema } from "../schema/objects.js";
import type { SharingLevel } from "../schema/schema-types.js";
import type { Clock } from "../util/time.js";
import type { OrgStore } from "./org-store.js";

/** A user who can sign in. */
export interface OrgUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

/** Organization-wide defaults (reference §4). */
export interface SharingDefaults {
  readonly Account: Exclude<SharingLevel, "ControlledByParent">;
  readonly Opportunity: Exclude<SharingLevel, "ControlledByParent">;
  readonly Contact: SharingLevel;
  /** Task and Event. */
  readonly Activity: "Private" | "ControlledByParent";
}

/** The defaults of a new org: Account Public Read/Write, Contact Controlled by Parent, Opportunity Public Read Only, Activity Private. */
export const TYPICAL_SHARING: SharingDefaults = {
  Account: "ReadWrite",
  Opportunity: "Read",
  Contact: "ControlledByParent",
  Activity: "Private",
};

/** The org a server serves. */
export interface Org {
  readonly orgId: string;
  /** Two base-62 characters every id of this org carries after its key prefix. */
  readonly pod: string;
  readonly schema: OrgSchema;
  readonly store: OrgStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly users: readonly OrgUser[];
  readonly sharing: SharingDefaults;
  readonly seed: string;
  readonly dataset: string;
}

/** The stage named `name` (case-insensitive), if any. */
export function findStage(name: string): StageDef | undefined {
  const lower = name.toLowerCase();
  return ALL_STAGES.find((s) => s.label.toLowerCase() === lower);
}

/** The task status named `name` (case-insensitive), if any. */
export function findTaskStatus(name: string): (typeof TASK_STATUSES)[number] | undefined {
  const lower = name.toLowerCase();
  return TASK_STATUSES.find((s) => s.label.toLowerCase() === lower);
}
