/**
 * Role-linked contacts through this adapter against the emulator (issue 20): a contact named
 * by a role of an in-scope opportunity is in scope wherever it works (another account, or
 * none), stays while a role brings it, and leaves — reported in `removed.contactIds` — when a
 * role moves to another contact, is deleted, or leaves with its opportunity.
 */
import type { SalesforceId, SalesforcePortError } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { connectionFor, Mirror, portFor, signIn } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let conn: Connection;

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);

async function create(sobject: string, fields: Record<string, unknown>): Promise<SalesforceId> {
  const result = (await conn.sobject(sobject).create(fields)) as { id?: string; success?: boolean };
  if (result.success !== true || result.id === undefined) throw new Error(`create ${sobject} failed`);
  return result.id as SalesforceId;
}

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "role-contacts" });
  const user = sf.users.find((u) => sf.control.userSetup(u.id).profile?.name === "Standard User");
  if (user === undefined) throw new Error("a rep is needed");
  rep = await signIn(sf, user.username);
  conn = connectionFor(rep);
});

afterAll(async () => {
  await sf.close();
});

describe("contacts brought in by a role (issue 20)", () => {
  it("are pulled wherever they work, and leave when the role moves, goes or leaves with its opportunity", async () => {
    const home = await create("Account", { Name: "Home Inc" });
    const partner = await create("Account", { Name: "Partner Inc" });
    const local = await create("Contact", { AccountId: home, LastName: "Local" });
    const consultant = await create("Contact", { AccountId: partner, LastName: "Consultant" });
    const freelancer = await create("Contact", { LastName: "Freelancer" });
    const opp = await create("Opportunity", {
      Name: "Role deal",
      AccountId: home,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
    });
    const role = await create("OpportunityContactRole", {
      OpportunityId: opp,
      ContactId: consultant,
      Role: "Influencer",
    });

    const port = portFor(sf, rep, { now: () => sf.control.now() });
    const userId = rep.userId as SalesforceId;
    const mirror = new Mirror();
    const pull = async () => {
      const pulled = await run(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
      mirror.apply(pulled);
      return pulled;
    };
    const first = await pull();
    expect(mirror.contacts.has(consultant)).toBe(true);
    expect(mirror.contacts.has(local)).toBe(true);
    expect(mirror.accounts.has(partner)).toBe(false);
    expect(first.contacts.filter((x) => x.Id === consultant)).toHaveLength(1);

    // An unchanged role-linked contact stays through a quiet poll and an edit elsewhere.
    sf.control.advanceClock(1_000);
    await conn.sobject("Opportunity").update({ Id: opp, NextStep: "Call" });
    const quiet = await pull();
    expect(quiet.removed.contactIds).toEqual([]);
    expect(quiet.contacts).toEqual([]);

    // The role moves to the freelancer (no account): they come in, the consultant leaves.
    sf.control.advanceClock(1_000);
    await conn.sobject("OpportunityContactRole").update({ Id: role, ContactId: freelancer });
    const moved = await pull();
    expect(moved.contacts.map((x) => [x.Id, x.AccountId])).toEqual([[freelancer, null]]);
    expect(moved.removed.contactIds).toEqual([consultant]);

    // A second role, then the opportunity closes: everyone it brought leaves with it.
    sf.control.advanceClock(1_000);
    await create("OpportunityContactRole", { OpportunityId: opp, ContactId: consultant });
    const back = await pull();
    expect(back.contacts.map((x) => x.Id)).toEqual([consultant]);
    sf.control.advanceClock(1_000);
    await conn.sobject("Opportunity").update({ Id: opp, StageName: "Closed Lost" });
    const closed = await pull();
    expect(closed.removed.opportunityIds).toEqual([opp]);
    expect([...closed.removed.contactIds].sort()).toEqual(
      expect.arrayContaining([local, consultant, freelancer].sort()),
    );
    expect(mirror.contacts.has(freelancer) || mirror.contacts.has(consultant) || mirror.contacts.has(local)).toBe(
      false,
    );
  });
});
