/**
 * The layout of a book document, protocol v1 (docs/protocol.md §1–§2): the nine top-level Y.Maps,
 * their value types, the meta keys and the origin the worker writes with.
 *
 * Invariants: every value is a plain JSON value (never a nested Y type); each key has one
 * writer role (devices write `intents` and `interactions`, the worker everything else).
 */
import type * as Y from "yjs";
import type {
  AccountRecord,
  ActivityRecord,
  ContactRecord,
  ContactRoleRecord,
  OpportunityRecord,
} from "../model/records.js";
import type { Intent, Interaction, Receipt } from "../model/schemas.js";

/** The protocol version this engine writes and fully understands. */
export const SCHEMA_VERSION = 1;

/** The transaction origin of every worker write; changes with it never produce outbound writes. */
export const SALESFORCE_ORIGIN = "salesforce";

/** Names of the top-level maps, in protocol order. */
export const BOOK_MAP_NAMES = [
  "opportunities",
  "accounts",
  "contacts",
  "contactRoles",
  "activities",
  "intents",
  "receipts",
  "interactions",
  "meta",
] as const;

/** The name of a top-level map. */
export type BookMapName = (typeof BOOK_MAP_NAMES)[number];

/** The maps the worker mirrors from Salesforce (their values are Salesforce records). */
export const MIRROR_MAP_NAMES = ["opportunities", "accounts", "contacts", "contactRoles", "activities"] as const;

/** The name of a map the worker mirrors from Salesforce. */
export type MirrorMapName = (typeof MIRROR_MAP_NAMES)[number];

/** Keys of `meta`. */
export type MetaKey = "schemaVersion" | "orgId" | "userId" | "watermarks" | "sync" | "org" | "scopeContinuation";

/** The typed top-level maps of a book document. */
export interface BookMaps {
  readonly opportunities: Y.Map<OpportunityRecord>;
  readonly accounts: Y.Map<AccountRecord>;
  readonly contacts: Y.Map<ContactRecord>;
  readonly contactRoles: Y.Map<ContactRoleRecord>;
  readonly activities: Y.Map<ActivityRecord>;
  readonly intents: Y.Map<Intent>;
  readonly receipts: Y.Map<Receipt>;
  readonly interactions: Y.Map<Interaction>;
  readonly meta: Y.Map<unknown>;
}

/**
 * The top-level maps of a book document (created on first access, as Yjs does).
 *
 * @example
 * ```ts
 * const { opportunities } = bookMaps(doc);
 * opportunities.get(id)?.StageName;
 * ```
 */
export function bookMaps(doc: Y.Doc): BookMaps {
  return {
    opportunities: doc.getMap<OpportunityRecord>("opportunities"),
    accounts: doc.getMap<AccountRecord>("accounts"),
    contacts: doc.getMap<ContactRecord>("contacts"),
    contactRoles: doc.getMap<ContactRoleRecord>("contactRoles"),
    activities: doc.getMap<ActivityRecord>("activities"),
    intents: doc.getMap<Intent>("intents"),
    receipts: doc.getMap<Receipt>("receipts"),
    interactions: doc.getMap<Interaction>("interactions"),
    meta: doc.getMap<unknown>("meta"),
  };
}

/** The room name of a book: `book:<orgId>:<userId>`. */
export function bookRoomName(orgId: string, userId: string): string {
  return `book:${orgId}:${userId}`;
}
