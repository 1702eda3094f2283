/**
 * Record visibility for one user (reference §4): View/Modify All Data of the user's profile,
 * ownership, organization-wide defaults,
 * implicit parent access (owning an opportunity or contact gives read access to its account),
 * child access for an account's owner, contacts controlled by their account, contact roles
 * following their opportunity, activity relation rows following their activity, and activities visible to whoever can read a related record.
 *
 * Invariant: an access level is memoized per stored record object (records are immutable, an
 * update stores a new object) and only for the lifetime of one checker, which lives for one
 * request.
 */
import type { Org } from "../store/org.js";
import type { SfRecord } from "../store/org-store.js";

/** 0 = no access, 1 = read, 2 = read and edit. */
export type AccessLevel = 0 | 1 | 2;

/** Answers what one user may do with records. */
export interface AccessChecker {
  readonly userId: string;
  level(object: string, record: SfRecord): AccessLevel;
  canRead(object: string, record: SfRecord): boolean;
  canEdit(object: string, record: SfRecord): boolean;
}

const WHO_OBJECTS: readonly string[] = ["Contact"];
const SETUP_OBJECTS: ReadonlySet<string> = new Set([
  "User",
  "OpportunityStage",
  "TaskStatus",
  "Profile",
  "PermissionSet",
  "FieldPermissions",
  "PermissionSetAssignment",
  "RecordType",
]);
const WHAT_OBJECTS: readonly string[] = ["Account", "Opportunity"];

/** Creates the checker for one user (one request's worth of memo). */
export function createAccessChecker(org: Org, userId: string): AccessChecker {
  const memo = new WeakMap<SfRecord, AccessLevel>();
  const inProgress = new Set<unknown>();
  const { store, sharing } = org;
  // "Modify All Data" (the System Administrator profile) edits every record, "View All Data"
  // reads every record; setup objects stay read-only.
  const profileId = store.get("User", userId)?.ProfileId;
  const profile = typeof profileId === "string" ? store.get("Profile", profileId) : undefined;
  const allData: AccessLevel =
    profile?.PermissionsModifyAllData === true ? 2 : profile?.PermissionsViewAllData === true ? 1 : 0;

  const byId = (objects: readonly string[], id: unknown): AccessLevel => {
    if (typeof id !== "string") return 0;
    const found = store.find(objects, id);
    return found ? level(found.object, found.record) : 0;
  };

  const ownsChild = (childObject: string, field: string, parentId: string): boolean => {
    for (const childId of store.children(childObject, field, parentId)) {
      const child = store.get(childObject, childId);
      if (child && child.OwnerId === userId && child.IsDeleted !== true) return true;
    }
    return false;
  };

  const compute = (object: string, rec: SfRecord): AccessLevel => {
    const owner = rec.OwnerId === userId;
    switch (object) {
      case "User":
      case "OpportunityStage":
      case "TaskStatus":
      case "Profile":
      case "PermissionSet":
      case "FieldPermissions":
      case "PermissionSetAssignment":
      case "RecordType":
        return 1;
      case "Account": {
        if (owner || sharing.Account === "ReadWrite") return 2;
        if (sharing.Account === "Read") return 1;
        const id = String(rec.Id);
        if (ownsChild("Opportunity", "AccountId", id)) return 1;
        if (sharing.Contact !== "ControlledByParent" && ownsChild("Contact", "AccountId", id)) return 1;
        return 0;
      }
      case "Opportunity": {
        if (owner || sharing.Opportunity === "ReadWrite") return 2;
        if (sharing.Opportunity === "Read") return 1;
        return accountOwner(rec) ? 1 : 0;
      }
      case "Contact": {
        if (sharing.Contact === "ControlledByParent") {
          if (typeof rec.AccountId === "string") return byId(["Account"], rec.AccountId);
          return owner ? 2 : 0;
        }
        if (owner || sharing.Contact === "ReadWrite") return 2;
        if (sharing.Contact === "Read") return 1;
        return accountOwner(rec) ? 2 : 0;
      }
      case "OpportunityContactRole":
        return byId(["Opportunity"], rec.OpportunityId);
      // A shared-activity row is visible and editable exactly as its activity is.
      case "TaskRelation":
        return byId(["Task"], rec.TaskId);
      case "EventRelation":
        return byId(["Event"], rec.EventId);
      case "Task":
      case "Event": {
        if (owner) return 2;
        const who = typeof rec.WhoId === "string" ? rec.WhoId : undefined;
        const what = typeof rec.WhatId === "string" ? rec.WhatId : undefined;
        if (sharing.Activity === "Private") {
          // Anyone who can read a related record can read the activity.
          if (who !== undefined && byId(WHO_OBJECTS, who) > 0) return 1;
          if (what !== undefined && byId(WHAT_OBJECTS, what) > 0) return 1;
          return 0;
        }
        if (who === undefined && what === undefined) return 0;
        const levels: AccessLevel[] = [];
        if (who !== undefined) levels.push(byId(WHO_OBJECTS, who));
        if (what !== undefined) levels.push(byId(WHAT_OBJECTS, what));
        return Math.min(...levels) as AccessLevel;
      }
      default:
        return owner ? 2 : 0;
    }
  };

  const accountOwner = (rec: SfRecord): boolean => {
    if (typeof rec.AccountId !== "string") return false;
    return store.get("Account", rec.AccountId)?.OwnerId === userId;
  };

  // Only parents are memoized: they are looked up again and again from their children, while
  // leaves (activities, contact roles) are visited once per query.
  const MEMOIZED = new Set(["Account", "Opportunity", "Contact"]);
  const level = (object: string, record: SfRecord): AccessLevel => {
    if (allData === 2 && !SETUP_OBJECTS.has(object)) return 2;
    if (allData === 1 && !SETUP_OBJECTS.has(object) && record.OwnerId !== userId) {
      return Math.max(1, compute(object, record)) as AccessLevel;
    }
    if (record.OwnerId === userId && object !== "Contact") return 2;
    if (!MEMOIZED.has(object)) return compute(object, record);
    const known = memo.get(record);
    if (known !== undefined) return known;
    if (inProgress.has(record.Id)) return 0; // a reference cycle grants nothing
    inProgress.add(record.Id);
    const result = compute(object, record);
    inProgress.delete(record.Id);
    memo.set(record, result);
    return result;
  };

  return {
    userId,
    level,
    canRead: (object, record) => level(object, record) >= 1,
    canEdit: (object, record) => level(object, record) >= 2,
  };
}
