/**
 * Configured extra fields and field-level security through this adapter against the emulator
 * (issue 20): pulls select the extra fields into `extra` with normalised values and leave
 * hidden shape fields out, in full and incremental scope pulls and in activity pulls; edits of
 * extra fields keep their precondition, and a field the user may not write or read fails that
 * write alone.
 */
import type { FieldSelection, SalesforceId, SalesforcePortError, WriteResult } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { connectionFor, Mirror, portFor, queryAllRows, signIn } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let admin: SignedInTokens;
let repConn: Connection;
let adminConn: Connection;
const seeded = { account: "", contact: "", opp: "", task: "" };

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);

async function create(conn: Connection, sobject: string, fields: Record<string, unknown>): Promise<string> {
  const result = (await conn.sobject(sobject).create(fields)) as { id?: string; success?: boolean };
  if (result.success !== true || result.id === undefined) throw new Error(`create ${sobject} failed`);
  return result.id;
}

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "extra-fields" });
  const setups = sf.users.map((u) => ({ user: u, profile: sf.control.userSetup(u.id).profile?.name }));
  const repUser = setups.find((s) => s.profile === "Standard User")?.user;
  const adminUser = setups.find((s) => s.profile === "System Administrator")?.user;
  if (repUser === undefined || adminUser === undefined) throw new Error("a rep and an administrator are needed");
  rep = await signIn(sf, repUser.username);
  admin = await signIn(sf, adminUser.username);
  repConn = connectionFor(rep);
  adminConn = connectionFor(admin);
  seeded.account = await create(repConn, "Account", { Name: "Extra Fields Inc" });
  seeded.contact = await create(repConn, "Contact", {
    AccountId: seeded.account,
    LastName: "Extra",
    LeadSource: "Web",
    Preferred_Channel__c: "Email",
  });
  seeded.opp = await create(repConn, "Opportunity", {
    Name: "Extra deal",
    AccountId: seeded.account,
    StageName: "Prospecting",
    CloseDate: "2026-12-31",
    Description: "internal notes",
    NextStep: "Send the proposal",
    Next_Step_Date__c: "2026-12-01",
  });
  await adminConn.sobject("Opportunity").update({ Id: seeded.opp, Budget_Confirmed__c: true });
  const now = sf.control.now();
  seeded.task = await create(repConn, "Task", {
    WhoId: seeded.contact,
    Subject: "Extra call",
    Status: "Completed",
    ActivityDate: now.toISOString().slice(0, 10),
    Outcome__c: "Positive",
    ReminderDateTime: "2026-11-26T08:30:00.000Z",
  });
});

afterAll(async () => {
  await sf.close();
});

const FIELDS: FieldSelection = {
  Opportunity: { extra: ["NextStep", "Next_Step_Date__c", "Competitor__c", "RecordTypeId"], hidden: ["Description"] },
  Contact: { extra: ["LeadSource", "Preferred_Channel__c"], hidden: [] },
};

describe("extra fields in pulls (issue 20)", () => {
  it("carries the selected fields in extra, reads hidden shape fields as null, and adds nothing without a selection", async () => {
    const port = portFor(sf, rep, { now: () => sf.control.now() });
    const userId = rep.userId as SalesforceId;
    const mirror = new Mirror();
    const pulled = await run(port.pullScope({ userId, watermarks: {}, mirrored: mirror.ids(), fields: FIELDS }));
    const [row] = await queryAllRows(repConn, `SELECT RecordTypeId FROM Opportunity WHERE Id = '${seeded.opp}'`);
    const opp = pulled.opportunities.find((o) => o.Id === seeded.opp);
    expect(opp?.extra).toEqual({
      NextStep: "Send the proposal",
      Next_Step_Date__c: "2026-12-01",
      Competitor__c: null,
      RecordTypeId: row?.RecordTypeId,
    });
    expect(opp?.Description).toBeNull();
    expect(pulled.contacts.find((x) => x.Id === seeded.contact)?.extra).toEqual({
      LeadSource: "Web",
      Preferred_Channel__c: "Email",
    });
    mirror.apply(pulled);

    const plain = await run(port.pullScope({ userId, watermarks: {}, mirrored: new Mirror().ids() }));
    const plainOpp = plain.opportunities.find((o) => o.Id === seeded.opp);
    expect(plainOpp).not.toHaveProperty("extra");
    expect(plainOpp?.Description).toBe("internal notes");
    expect(plain.contacts.every((x) => !("extra" in x))).toBe(true);

    // Incremental: a changed extra field arrives with the next pull.
    sf.control.advanceClock(1_000);
    await repConn.sobject("Opportunity").update({ Id: seeded.opp, NextStep: "Book the demo" });
    const next = await run(
      port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids(), fields: FIELDS }),
    );
    expect(next.opportunities.map((o) => [o.Id, o.extra?.NextStep])).toEqual([[seeded.opp, "Book the demo"]]);
  });

  it("fails a pull that selects a field the user cannot read, as Salesforce refuses the query", async () => {
    const port = portFor(sf, rep);
    const refused = await Effect.runPromise(
      Effect.result(
        port.pullScope({
          userId: rep.userId as SalesforceId,
          watermarks: {},
          mirrored: new Mirror().ids(),
          fields: { Opportunity: { extra: ["Budget_Confirmed__c"], hidden: [] } },
        }),
      ),
    );
    expect(refused._tag).toBe("Failure");
    expect(refused._tag === "Failure" && refused.failure).toMatchObject({
      _tag: "ValidationFailed",
      code: "INVALID_FIELD",
    });
  });

  it("reads Task extras into the activity, datetimes as ISO UTC", async () => {
    const port = portFor(sf, rep);
    const now = sf.control.now();
    const pulled = await run(
      port.pullActivities({
        whoIds: [seeded.contact as SalesforceId],
        windowStart: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
        now: now.toISOString(),
        watermarks: {},
        mirroredIds: new Set(),
        fields: { Task: { extra: ["Outcome__c", "ReminderDateTime"], hidden: ["Description"] } },
      }),
    );
    const task = pulled.activities.find((a) => a.Id === seeded.task);
    expect(task?.extra).toEqual({ Outcome__c: "Positive", ReminderDateTime: "2026-11-26T08:30:00.000Z" });
  });
});

describe("edits of extra fields (issue 20)", () => {
  it("applies an editable extra field under its precondition; a read-only or unreadable one fails that write alone", async () => {
    const port = portFor(sf, rep);
    const [current] = await queryAllRows(repConn, `SELECT NextStep FROM Opportunity WHERE Id = '${seeded.opp}'`);
    const edit = (intentId: string, field: string, base: unknown, value: unknown) => ({
      kind: "updateField" as const,
      intentId,
      sobject: "Opportunity" as const,
      recordId: seeded.opp as SalesforceId,
      field,
      base,
      value,
    });
    const results: ReadonlyArray<WriteResult> = await run(
      port.push([
        edit("e1", "Budget_Confirmed__c", true, false),
        edit("e2", "NextStep", current?.NextStep ?? null, "Sign the contract"),
        edit("e3", "Competitor__c", null, "Globex"),
        edit("e4", "Next_Step_Date__c", "1999-01-01", "2027-01-15"),
      ]),
    );
    expect(results.map((r) => r.outcome)).toEqual(["failed", "applied", "failed", "conflict"]);
    expect(results[0]?.outcome === "failed" && results[0].error._tag).toBe("ValidationFailed");
    expect(results[2]?.outcome === "failed" && results[2].error).toMatchObject({
      _tag: "AccessDenied",
      code: "INVALID_FIELD_FOR_INSERT_UPDATE",
    });
    expect(results[3]?.outcome === "conflict" && results[3].theirs).toBe("2026-12-01");
    const [after] = await queryAllRows(
      adminConn,
      `SELECT NextStep, Competitor__c, Budget_Confirmed__c, Next_Step_Date__c FROM Opportunity WHERE Id = '${seeded.opp}'`,
    );
    expect(after).toMatchObject({
      NextStep: "Sign the contract",
      Competitor__c: null,
      Budget_Confirmed__c: true,
      Next_Step_Date__c: "2026-12-01",
    });
  });
});
