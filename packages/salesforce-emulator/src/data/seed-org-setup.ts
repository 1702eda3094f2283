/**
 * The org's setup in the seed (issue 20): the "System Administrator" (View/Modify All Data) and
 * "Standard User" profiles with the permission sets they own, the Standard User's field-level security
 * (Opportunity.Budget_Confirmed__c hidden, Opportunity.Competitor__c read-only), a "Sales
 * Insights" permission set that grants both back (assigned to nobody), an administrator user,
 * and the "New Business" and "Renewal" Opportunity record types.
 *
 * Invariant: runs after the main seed steps and draws only from its own PRNG, so the records
 * the earlier steps made are the same as before it existed.
 */

import type { OrgUser } from "../store/org.js";
import type { OrgStore, SfRecord, SfValue } from "../store/org-store.js";
import type { Prng } from "../util/prng.js";
import { type SeedContext, setSystemFields } from "./seed-context.js";

/** What the setup made. */
export interface OrgSetup {
  readonly admin: OrgUser;
  readonly adminProfileId: string;
  readonly standardProfileId: string;
  /** Opportunity record type ids by developer name. */
  readonly recordTypes: Readonly<Record<"New_Business" | "Renewal", string>>;
}

/** Time zones of the seeded sales reps, in user order (the first is the demo user's). */
export const REP_TIME_ZONES: readonly string[] = ["America/Los_Angeles", "America/Chicago", "America/New_York"];

function put(ctx: SeedContext, object: string, fields: Record<string, SfValue>, by: string): string {
  const id = ctx.ids.next(ctx.store.schema.object(object)?.keyPrefix ?? "");
  const rec: Record<string, SfValue> = { ...ctx.template(object), Id: id, ...fields };
  setSystemFields(rec, ctx.orgBirth, ctx.orgBirth, by);
  if (!("IsDeleted" in ctx.template(object))) delete rec.IsDeleted;
  ctx.store.put(object, rec);
  return id;
}

/** Creates a profile and the permission set it owns; answers both ids. */
function createProfile(
  ctx: SeedContext,
  name: string,
  allData: boolean,
  by: string,
): { profileId: string; permissionSetId: string } {
  const profileId = put(
    ctx,
    "Profile",
    { Name: name, PermissionsViewAllData: allData, PermissionsModifyAllData: allData },
    by,
  );
  const permissionSetId = put(
    ctx,
    "PermissionSet",
    { Name: `X${profileId.slice(0, 15)}`, Label: name, IsOwnedByProfile: true, ProfileId: profileId },
    by,
  );
  return { profileId, permissionSetId };
}

/** Stores one field permission row of a permission set. */
export function putFieldPermission(
  ctx: SeedContext,
  permissionSetId: string,
  field: string,
  readable: boolean,
  editable: boolean,
  by: string,
): string {
  return put(
    ctx,
    "FieldPermissions",
    {
      ParentId: permissionSetId,
      SobjectType: field.split(".")[0] ?? "",
      Field: field,
      PermissionsRead: readable,
      PermissionsEdit: editable,
    },
    by,
  );
}

function adminUser(ctx: SeedContext, prng: Prng, profileId: string): OrgUser {
  const [first, last] = ["Jordan", "Whitfield"];
  const username = `${first}.${last}@tandem-demo.example`.toLowerCase();
  const password = `${last}-${prng.int(1000, 9999)}`;
  const id = ctx.ids.next("005");
  const rec: Record<string, SfValue> = { ...ctx.template("User"), Id: id, Username: username };
  Object.assign(rec, {
    FirstName: first,
    LastName: last,
    Name: `${first} ${last}`,
    Alias: "jwhit",
    Email: username,
    Title: "Salesforce Administrator",
    IsActive: true,
    TimeZoneSidKey: "Europe/London",
    ProfileId: profileId,
  });
  setSystemFields(rec, ctx.orgBirth, ctx.orgBirth, id);
  delete rec.IsDeleted;
  ctx.store.put("User", rec);
  return { id, username, password, name: `${first} ${last}` };
}

function assignProfile(store: OrgStore, userId: string, profileId: string): void {
  const rec: SfRecord | undefined = store.get("User", userId);
  if (rec) store.put("User", { ...rec, ProfileId: profileId });
}

/** Seeds the profiles, field-level security, the admin user and the record types. */
export function seedOrgSetup(ctx: SeedContext, prng: Prng, reps: readonly OrgUser[]): OrgSetup {
  const by = reps[0]?.id ?? "";
  const admin = createProfile(ctx, "System Administrator", true, by);
  const standard = createProfile(ctx, "Standard User", false, by);
  const adminUserRec = adminUser(ctx, prng, admin.profileId);
  for (const rep of reps) assignProfile(ctx.store, rep.id, standard.profileId);
  putFieldPermission(ctx, standard.permissionSetId, "Opportunity.Budget_Confirmed__c", false, false, adminUserRec.id);
  putFieldPermission(ctx, standard.permissionSetId, "Opportunity.Competitor__c", true, false, adminUserRec.id);
  const insights = put(
    ctx,
    "PermissionSet",
    { Name: "Sales_Insights", Label: "Sales Insights", IsOwnedByProfile: false, ProfileId: null },
    adminUserRec.id,
  );
  putFieldPermission(ctx, insights, "Opportunity.Budget_Confirmed__c", true, true, adminUserRec.id);
  putFieldPermission(ctx, insights, "Opportunity.Competitor__c", true, true, adminUserRec.id);
  const recordType = (name: string, developerName: string, description: string) =>
    put(
      ctx,
      "RecordType",
      {
        Name: name,
        DeveloperName: developerName,
        Description: description,
        SobjectType: "Opportunity",
        IsActive: true,
      },
      adminUserRec.id,
    );
  const recordTypes = {
    New_Business: recordType("New Business", "New_Business", "Deals with new customers"),
    Renewal: recordType("Renewal", "Renewal", "Renewals of existing contracts"),
  };
  return {
    admin: adminUserRec,
    adminProfileId: admin.profileId,
    standardProfileId: standard.profileId,
    recordTypes,
  };
}
