/**
 * The shapes the views hand to a UI. All are derived from the document, never stored, and
 * immutable: a UI can compare them by identity (a changed opportunity gets a new object, an
 * unchanged one keeps its old object).
 */
import type { ContactRecord, OpportunityRecord } from "../model/records.js";
import type {
  FieldInfo,
  FieldNote,
  Intent,
  Receipt,
  ReceiptStatus,
  RecordTypeInfo,
  StageInfo,
  SyncStatus,
} from "../model/schemas.js";

/** Why a contact is Key for an opportunity. */
export type KeyEvidence =
  | {
      readonly kind: "role";
      readonly contactRoleId: string;
      readonly role: string | null;
      readonly isPrimary: boolean;
    }
  | {
      readonly kind: "interaction";
      readonly interactionId: string;
      readonly interaction: "email" | "meeting";
      readonly at: string;
      readonly source: string;
    }
  | { readonly kind: "override"; readonly intentId: string; readonly at: string };

/** Where a last interaction came from. */
export type InteractionSource = "activity" | "logged" | "interaction";

/** The latest touch with a contact or an opportunity, and where it came from. */
export interface LastInteraction {
  /** ISO date or datetime, as recorded; compared as instants (a bare date as the end of its local day in the user's time zone). */
  readonly at: string;
  /** A synced activity, one logged on a device and not yet in Salesforce, or an email/calendar interaction. */
  readonly source: InteractionSource;
  /** `call`/`email`/`meeting`/`note` for logged ones, `Task`/`Event` for synced, `email`/`meeting` for interactions. */
  readonly kind: string;
  /** The contact it was with, when known. */
  readonly contactId: string | null;
  /** Its subject, when it has one. */
  readonly subject: string | null;
  /** The activity id, intent id or interaction id. */
  readonly refId: string;
  /** For interactions, the importer or device that saw it. */
  readonly origin: string | null;
}

/** A meeting still to come: a mirrored Event that starts after the view's clock. */
export interface NextMeeting {
  /** The Event's start, an ISO datetime after the view's `now`. */
  readonly at: string;
  /** The Event's Salesforce id. */
  readonly activityId: string;
  /** The Event's subject. */
  readonly subject: string | null;
  /**
   * The Event's contact: for a contact's own next meeting, that contact (one of a shared
   * Event's `WhoIds`); for an opportunity's, the first Key contact by name it was found through,
   * else the Event's `WhoId`.
   */
  readonly contactId: string | null;
  /** That contact's name as the book shows it, when the contact is in the book. */
  readonly contactName: string | null;
}

/** A contact as one opportunity shows it. */
export interface ContactView {
  /** The contact with its pending edits overlaid (an extra field's edit in `contact.extra`). */
  readonly contact: ContactRecord;
  /** Key or Other for this opportunity, the user's override included. */
  readonly tier: "key" | "other";
  /** Why the contact is Key (empty for Other contacts without evidence). */
  readonly evidence: ReadonlyArray<KeyEvidence>;
  /** The user's override, if any; it wins over the rule. */
  readonly override: "key" | "other" | null;
  /** The fields with an edit not yet final. */
  readonly pendingFields: ReadonlyArray<string>;
  /** The latest past touch with the contact (never one after the view's clock). */
  readonly lastInteraction: LastInteraction | null;
  /** The soonest Event with the contact that starts after the view's clock. */
  readonly nextMeeting: NextMeeting | null;
}

/** Delivery status of an activity as the UI shows it. */
export type ActivityStatus = "queued" | "sending" | "in-salesforce" | "failed";

/** One row of an activity list: mirrored from Salesforce, or logged on a device. */
export interface ActivityItem {
  /** The Salesforce id, or the intent id for a logged activity not yet mirrored. */
  readonly key: string;
  /** Mirrored from Salesforce, or logged on a device and not yet mirrored. */
  readonly source: "salesforce" | "logged";
  /** `in-salesforce` for a mirrored one; a logged one's delivery status. */
  readonly status: ActivityStatus;
  /**
   * When it happened: an ISO datetime when the time is known (an Event's start, a Task's
   * completion or creation, a logged activity's `occurredAt`), else a `YYYY-MM-DD` date. For an
   * open to-do, its due date (`ActivityDate`; a to-do without one is not listed).
   */
  readonly at: string;
  /** `true` for an open Task: a to-do, not something that happened. */
  readonly open: boolean;
  /** `true` for an open to-do whose due date's local day (the user's time zone) ended before the view's clock. */
  readonly overdue: boolean;
  /** A mirrored Task's Salesforce status (e.g. "Not Started"); `null` for Events and logged ones. */
  readonly taskStatus: string | null;
  /** `call`/`email`/`meeting`/`note` for a logged one; `Event`, or the Task's subtype (e.g. `Call`, `Email`, `Task`). */
  readonly type: string;
  /** The subject, when it has one. */
  readonly subject: string | null;
  /** The description or note, when it has one. */
  readonly description: string | null;
  /** The contact (`WhoId`). */
  readonly contactId: string | null;
  /** The opportunity (`WhatId`). */
  readonly opportunityId: string | null;
  /** The Salesforce id, once there is one. */
  readonly activityId: string | null;
  /** The `logActivity` intent it was logged by, when it was logged on a device. */
  readonly intentId: string | null;
  /** Why delivery failed (the receipt's error); `null` unless it did. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A field with an edit not yet final. */
export interface PendingField {
  /** The edited value. */
  readonly value: unknown;
  /** The value the device saw when it made the edit. */
  readonly base: unknown;
  /** The `editField` intent. */
  readonly intentId: string;
  /** The intent's receipt status. */
  readonly status: ReceiptStatus;
}

/** One opportunity of the book, everything a UI needs to render it. */
export interface OpportunityView {
  /** The opportunity's Salesforce id. */
  readonly id: string;
  /** The opportunity with pending edits overlaid (an extra field's edit in `record.extra`). */
  readonly record: OpportunityRecord;
  /** The opportunity as Salesforce last sent it. */
  readonly mirror: OpportunityRecord;
  /** Its account's name, when the account is in the book. */
  readonly accountName: string | null;
  /** The fields with an edit not yet final, by API name. */
  readonly pendingFields: Readonly<Record<string, PendingField>>;
  /** Key contacts by name: at its account or linked by a role (a role-linked one at another account, or at none, is Key by its role). */
  readonly keyContacts: ReadonlyArray<ContactView>;
  /**
   * Every other contact at its account, by name. Immutable; opportunities that show the same
   * Other contacts share one array, and a contact shown the same way in several opportunities
   * is one `ContactView` object in all of them.
   */
  readonly otherContacts: ReadonlyArray<ContactView>;
  /** The latest past touch (never an Event or Task dated after the view's clock). */
  readonly lastInteraction: LastInteraction | null;
  /**
   * The soonest Event still to come on the opportunity or with one of its Key contacts, with
   * its contact; `null` when none is scheduled.
   */
  readonly nextMeeting: NextMeeting | null;
  /** What happened (done Tasks, Events, logged activities), newest first. */
  readonly activities: ReadonlyArray<ActivityItem>;
  /** Open to-dos (open Tasks), soonest due first; never an interaction. */
  readonly openTasks: ReadonlyArray<ActivityItem>;
}

/** An intent with its receipt. */
export interface IntentView {
  /** The intent as the device wrote it. */
  readonly intent: Intent;
  /** Its receipt's status, `pending` when it has none yet. */
  readonly status: ReceiptStatus;
  /** The worker's receipt, once there is one. */
  readonly receipt: Receipt | null;
}

/** Sync status for the UI: the worker's `meta.sync` plus counts derived from receipts. */
export interface SyncView {
  /** The worker's state; `unknown` until it has written one. */
  readonly state: SyncStatus["state"] | "unknown";
  /** When the last cycle succeeded (ISO datetime). */
  readonly lastSuccessAt: string | null;
  /** The last cycle's error, if it failed. */
  readonly lastError: SyncStatus["lastError"];
  /** The org's API usage as the worker last saw it. */
  readonly apiUsage: SyncStatus["apiUsage"] | null;
  /** Records mirrored at the last status the worker wrote. */
  readonly records: NonNullable<SyncStatus["records"]> | null;
  /** Open intents not being sent yet. */
  readonly queued: number;
  /** Open intents being sent. */
  readonly sending: number;
  /** Intents that failed. */
  readonly failed: number;
  /** Edits in conflict that the user has not resolved. */
  readonly conflicts: number;
  /** The doc's `meta.schemaVersion`, when it has one. */
  readonly schemaVersion: number | null;
}

/** What the book knows of the org (`meta.org`); empty until the worker has written it. */
export interface OrgView {
  /** The org's instance URL, for a link to a record (`<instanceUrl>/<Id>`). */
  readonly instanceUrl: string | null;
  /** The org's active stages in sales-process order. */
  readonly stages: ReadonlyArray<StageInfo>;
  /** The user's time zone (IANA name; `"UTC"` when Salesforce has not said). */
  readonly timeZone: string;
  /** Per synced object, the fields the user can read, with whether they can edit them. */
  readonly fields: Readonly<Record<string, ReadonlyArray<FieldInfo>>>;
  /** Per object with record types, those available to the user with their picklist values. */
  readonly recordTypes: Readonly<Record<string, ReadonlyArray<RecordTypeInfo>>>;
  /** Configured fields the sync leaves out, with the reason to show. */
  readonly fieldNotes: ReadonlyArray<FieldNote>;
}

/** An immutable snapshot of the whole book. */
export interface BookSnapshot {
  /** Increases with every change the view saw. */
  readonly version: number;
  /** Open opportunities, by close date then name. */
  readonly opportunities: ReadonlyArray<OpportunityView>;
  /** Intents not final yet (queued or sending), oldest first. */
  readonly pending: ReadonlyArray<IntentView>;
  /** Edits in conflict that the user has not resolved. */
  readonly conflicts: ReadonlyArray<IntentView>;
  /** Intents that failed, newest first. */
  readonly failed: ReadonlyArray<IntentView>;
  /** The sync status. */
  readonly sync: SyncView;
  /** What the book knows of the org. */
  readonly org: OrgView;
}
