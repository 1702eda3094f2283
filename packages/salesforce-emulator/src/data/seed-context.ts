/**
 * What every step of seeding shares: the seeded PRNG, the dataset's shape, the store being
 * filled, the id generator, the anchor day, record templates, and the helpers that set system
 * fields and make phone numbers.
 *
 * Invariant: every random choice goes through `prng`, in the order the steps run, so the same
 * seed, dataset and anchor day give the same org.
 */
import type { IdGenerator } from "../ids/salesforce-id.js";
import type { OrgStore, SfValue } from "../store/org-store.js";
import type { Prng } from "../util/prng.js";
import { formatDateTime } from "../util/time.js";

/** How many records of each kind a dataset has. */
export interface DatasetShape {
  readonly accounts: number;
  readonly contactsPerAccount: number;
  readonly openOpps: number;
  readonly closedOpps: number;
  /** Share of open opportunities owned by the first user (the rest spread over all users). */
  readonly firstUserOpenShare: number;
  readonly tasks: number;
  readonly events: number;
}

/** The state the seeding steps share. */
export interface SeedContext {
  readonly prng: Prng;
  readonly shape: DatasetShape;
  readonly store: OrgStore;
  readonly ids: IdGenerator;
  /** Start of the current day: every seeded date is relative to it. */
  readonly anchor: number;
  /** When the org was created: three years before the anchor. */
  readonly orgBirth: number;
  /** A record of `name` with every field null, in schema order. */
  template(name: string): Record<string, SfValue>;
}

/** Who owns seeded records: the first user (the admin) and every user. */
export interface SeedOwners {
  readonly admin: string;
  readonly userIds: readonly string[];
}

/** A seeded account and what later steps attach to it. */
export interface AccountInfo {
  id: string;
  name: string;
  domain: string;
  owner: string;
  contacts: string[];
  contactNames: string[];
  opps: string[];
}

/** Sets the audit fields of a seeded record. */
export function setSystemFields(rec: Record<string, SfValue>, createdMs: number, modifiedMs: number, by: string): void {
  rec.IsDeleted = false;
  rec.CreatedDate = formatDateTime(createdMs);
  rec.CreatedById = by;
  rec.LastModifiedDate = formatDateTime(modifiedMs);
  rec.LastModifiedById = by;
  rec.SystemModstamp = rec.LastModifiedDate;
}

/** A US-style 555 phone number. */
export function phone(prng: Prng): string {
  return `(${prng.int(201, 989)}) 555-${String(prng.int(100, 9999)).padStart(4, "0")}`;
}
