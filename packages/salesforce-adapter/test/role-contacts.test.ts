/**
 * Role-linked contacts through this adapter against the emulator (issue 20): a contact named
 * by a role of an in-scope opportunity is in scope wherever it works (another account, or
 * none), stays while a role brings it, and leaves — reported in `removed.contactIds` — when a
 * role moves to another contact, is deleted, or leaves with its opportunity.
 */
import type { SalesforceId, SalesforcePortError } from "@tandem/engine";
import type { Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, Mirror, portFor, type RepOrg, startRepOrg } from "./harness.js";

let sf: Emulator;
let rep: SignedInTokens;
let conn: Connection;
let create: RepOrg["create"];

const run = <A>(effect: Effect.Effect<A, SalesforcePortError>) => Effect.runPromise(effect);

beforeAll(async () => {
  ({ sf, rep, conn, create } = await startRepOrg("role-contacts"));
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

  it("cost one call on an unchanged steady-state poll of a big book, and are listed only when a change needs them", async () => {
    const home = await create("Account", { Name: "Quiet Home" });
    const partner = await create("Account", { Name: "Quiet Partner" });
    const consultant = await create("Contact", { AccountId: partner, LastName: "Adviser" });
    const stranger = await create("Contact", { AccountId: partner, LastName: "Stranger" });
    const opp = await create("Opportunity", {
      Name: "Quiet deal",
      AccountId: home,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
    });
    const role = await create("OpportunityContactRole", { OpportunityId: opp, ContactId: consultant });
    // More roles than one page holds (2,000 rows): listing every role's contact would cost calls.
    const staff: SalesforceId[] = [];
    for (const n of [1, 2, 3]) staff.push(await create("Contact", { AccountId: home, LastName: `Staff ${n}` }));
    const extra = Array.from({ length: 2_050 }, (_, i) => ({ OpportunityId: opp, ContactId: staff[i % 3] }));
    for (let i = 0; i < extra.length; i += 200) {
      const results = (await conn.sobject("OpportunityContactRole").create(extra.slice(i, i + 200))) as Array<{
        success?: boolean;
      }>;
      expect(results.every((r) => r.success === true)).toBe(true);
    }

    const port = portFor(sf, rep, { now: () => sf.control.now() });
    const userId = rep.userId as SalesforceId;
    const mirror = new Mirror();
    const pull = async () => {
      const calls = { org: await apiCalls(sf.url), port: port.usage().callsMade };
      const pulled = await run(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
      mirror.apply(pulled);
      return { pulled, calls: (await apiCalls(sf.url)) - calls.org, portCalls: port.usage().callsMade - calls.port };
    };
    await pull();
    expect(mirror.contacts.has(consultant)).toBe(true);
    expect(mirror.contacts.has(stranger)).toBe(false);
    // A later role (of a contact at the opportunity's account) moves the role watermark past the
    // consultant's role, so the overlap no longer re-reads it.
    sf.control.advanceClock(10 * 60_000);
    const local = await create("Contact", { AccountId: home, LastName: "Local" });
    await create("OpportunityContactRole", { OpportunityId: opp, ContactId: local });
    await pull();

    // Steady state (past the overlap): one call, as the org and the port count it.
    sf.control.advanceClock(10 * 60_000);
    const quiet = await pull();
    expect([quiet.calls, quiet.portCalls]).toEqual([1, 1]);
    expect(quiet.pulled.contacts).toEqual([]);
    expect(quiet.pulled.removed.contactIds).toEqual([]);

    // A contact elsewhere that no role names changes: still one call, nothing comes in.
    sf.control.advanceClock(1_000);
    await conn.sobject("Contact").update({ Id: stranger, Title: "Buyer" });
    const elsewhere = await pull();
    expect(elsewhere.calls).toBe(1);
    expect(elsewhere.pulled.contacts).toEqual([]);
    expect(mirror.contacts.has(stranger)).toBe(false);

    // The role-linked contact changes away from the scope's accounts: the roles are listed, it stays.
    sf.control.advanceClock(1_000);
    await conn.sobject("Contact").update({ Id: consultant, Title: "Partner" });
    const edited = await pull();
    expect(edited.calls).toBe(3);
    expect(edited.pulled.contacts.map((x) => x.Id)).toEqual([consultant]);
    expect(edited.pulled.removed.contactIds).toEqual([]);

    // Its only role goes: it leaves.
    sf.control.advanceClock(1_000);
    await conn.sobject("OpportunityContactRole").destroy(role);
    const gone = await pull();
    expect(gone.pulled.removed.contactIds).toEqual([consultant]);
    expect(mirror.contacts.has(consultant)).toBe(false);
  });
});
