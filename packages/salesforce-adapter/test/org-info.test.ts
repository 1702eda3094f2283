/**
 * `pullOrgInfo` against the emulator over HTTP with jsforce (issue 20): the user's time zone,
 * the synced objects' fields as their describe lists them under field-level security, notes
 * for configured fields left out, record types with their picklist values, and how many API
 * calls it costs.
 */
import type { OrgInfo, SalesforceId } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, connectionFor, portFor, signIn } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let admin: SignedInTokens;

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "org-info" });
  const setups = sf.users.map((u) => ({ user: u, setup: sf.control.userSetup(u.id) }));
  const repUser = setups.find((s) => s.setup.profile?.name === "Standard User")?.user;
  const adminUser = setups.find((s) => s.setup.profile?.name === "System Administrator")?.user;
  if (repUser === undefined || adminUser === undefined) throw new Error("a rep and an administrator are needed");
  rep = await signIn(sf, repUser.username);
  admin = await signIn(sf, adminUser.username);
});

afterAll(async () => {
  await sf.close();
});

const EXTRA = {
  Opportunity: ["NextStep", "Competitor__c", "Budget_Confirmed__c", "Next_Step_Date__c"],
  Contact: ["LeadSource", "Preferred_Channel__c"],
  Task: ["Outcome__c"],
};

function orgInfo(tokens: SignedInTokens, withRequest = true, useComposite = true): Promise<OrgInfo> {
  const port = portFor(sf, tokens, { useComposite });
  const pull = port.pullOrgInfo;
  if (pull === undefined) throw new Error("the adapter has pullOrgInfo");
  return Effect.runPromise(withRequest ? pull({ userId: tokens.userId as SalesforceId, extraFields: EXTRA }) : pull());
}

describe("pullOrgInfo with a request (issue 20)", () => {
  it("costs one call without a request, and one composite plus one UI API call per record type with one", async () => {
    let before = await apiCalls(sf.url);
    const plain = await orgInfo(rep, false);
    expect((await apiCalls(sf.url)) - before).toBe(1);
    expect(Object.keys(plain).sort()).toEqual(["instanceUrl", "stages"]);

    before = await apiCalls(sf.url);
    const info = await orgInfo(rep);
    const recordTypes = info.recordTypes?.Opportunity ?? [];
    expect(recordTypes.length).toBe(2);
    expect((await apiCalls(sf.url)) - before).toBe(1 + recordTypes.length);
    expect(info.stages).toEqual(plain.stages);
    expect(info).not.toHaveProperty("fetchedAt");
  });

  it("gives the rep's time zone, fields as their describe shows them, and a note for what they cannot see", async () => {
    const info = await orgInfo(rep);
    expect(info.timeZone).toBe(sf.control.userSetup(rep.userId).timeZoneSidKey);
    const opp = new Map((info.fields?.Opportunity ?? []).map((f) => [f.name, f]));
    expect(opp.get("StageName")).toMatchObject({ extra: false, type: "picklist", updateable: true });
    expect(opp.get("Name")).toMatchObject({ extra: false, type: "string", length: 120 });
    expect(opp.get("NextStep")).toMatchObject({ extra: true, updateable: true });
    // The seed makes Competitor__c read-only and Budget_Confirmed__c hidden for Standard Users.
    expect(opp.get("Competitor__c")).toMatchObject({ extra: true, updateable: false, type: "picklist" });
    expect(opp.get("Next_Step_Date__c")).toMatchObject({ extra: true, type: "date", length: null });
    expect(opp.has("Budget_Confirmed__c")).toBe(false);
    expect(opp.get("RecordTypeId")).toMatchObject({ extra: true });
    expect(info.fields?.Contact?.find((f) => f.name === "Preferred_Channel__c")?.picklist?.length).toBeGreaterThan(0);
    expect(info.fields?.Task?.some((f) => f.name === "Outcome__c" && f.extra)).toBe(true);
    expect(info.fields?.Event?.some((f) => f.name === "StartDateTime" && !f.extra)).toBe(true);
    expect(info.fieldNotes).toEqual([
      {
        sobject: "Opportunity",
        field: "Budget_Confirmed__c",
        reason: "hidden",
        message:
          "Budget Confirmed (Budget_Confirmed__c) on Opportunity is not visible to you in Salesforce, so it is not synced.",
      },
    ]);
    // The administrator sees it, and may edit Competitor__c.
    const adminInfo = await orgInfo(admin);
    expect(adminInfo.fieldNotes).toEqual([]);
    expect(adminInfo.fields?.Opportunity?.find((f) => f.name === "Competitor__c")?.updateable).toBe(true);
  });

  it("lists the record types with the stages each allows, as the UI API gives them", async () => {
    const info = await orgInfo(rep);
    const conn = connectionFor(rep);
    const types = info.recordTypes?.Opportunity ?? [];
    expect(types.filter((t) => t.isDefault)).toHaveLength(1);
    expect(types.map((t) => t.developerName).sort()).toEqual(["New_Business", "Renewal"]);
    for (const type of types) {
      const body = (await conn.request(
        `/services/data/v60.0/ui-api/object-info/Opportunity/picklist-values/${type.id}`,
      )) as { picklistFieldValues: Record<string, { values: Array<{ value: string }> }> };
      expect(type.picklists.StageName).toEqual(body.picklistFieldValues.StageName?.values.map((v) => v.value));
      expect(type.picklists).toHaveProperty("Competitor__c");
    }
    // The two sales processes differ.
    expect(types[0]?.picklists.StageName).not.toEqual(types[1]?.picklists.StageName);
    expect(info.recordTypes?.Contact).toBeUndefined();
  });

  it("follows a change of time zone and of field access on the next read", async () => {
    const profile = sf.control.userSetup(rep.userId).profile?.name ?? "";
    const zone = sf.control.userSetup(rep.userId).timeZoneSidKey;
    sf.control.updateUserSetup(rep.userId, { timeZoneSidKey: "Europe/Paris" });
    sf.control.setFieldPermission({
      profile,
      object: "Opportunity",
      field: "NextStep",
      readable: false,
      editable: false,
    });
    try {
      const info = await orgInfo(rep, true, false);
      expect(info.timeZone).toBe("Europe/Paris");
      expect(info.fields?.Opportunity?.some((f) => f.name === "NextStep")).toBe(false);
      expect(info.fieldNotes?.map((n) => n.field)).toEqual(["NextStep", "Budget_Confirmed__c"]);
    } finally {
      sf.control.updateUserSetup(rep.userId, { timeZoneSidKey: zone });
      sf.control.setFieldPermission({
        profile,
        object: "Opportunity",
        field: "NextStep",
        readable: true,
        editable: true,
      });
    }
  });
});
