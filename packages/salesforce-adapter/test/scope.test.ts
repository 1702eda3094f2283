/**
 * Scope and activity pulls against the emulator over HTTP: the initial sync of the `small` org
 * for each demo user equals the scope computed independently with plain jsforce as that user;
 * changes made by another user through the API arrive in the next cycle; an unchanged cycle
 * costs one API call.
 */
import type { ActivityRecord, SalesforceId } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { apiCalls, connectionFor, expectedScope, Mirror, portFor, queryAllRows, signIn, sorted } from "./harness.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);

describe("initial sync of the small org", () => {
  let sf: Emulator;
  beforeAll(async () => {
    sf = await createEmulator({ port: 0, dataset: "small", seed: "initial" });
  });
  afterAll(async () => {
    await sf.close();
  });

  it("gives each demo user exactly the scope the rules define, as independent SOQL run as that user sees it", async () => {
    // Three sales reps and (issue 20) an administrator.
    const reps = sf.users.filter((u) => sf.control.userSetup(u.id).profile?.name !== "System Administrator");
    expect(reps.length).toBe(3);
    for (const user of reps) {
      const tokens = await signIn(sf, user.username);
      const port = portFor(sf, tokens, { now: () => sf.control.now() });
      const mirror = new Mirror();
      const pull = await run(
        port.pullScope({ userId: tokens.userId as SalesforceId, watermarks: {}, mirrored: mirror.ids() }),
      );
      expect(pull.full).toBe(true);
      mirror.apply(pull);
      const expected = await expectedScope(connectionFor(tokens), tokens.userId);
      expect(expected.oppIds.size).toBeGreaterThan(0);
      expect(sorted(mirror.opportunities.keys())).toEqual(sorted(expected.oppIds));
      expect(sorted(mirror.accounts.keys())).toEqual(sorted(expected.accountIds));
      expect(sorted(mirror.contacts.keys())).toEqual(sorted(expected.contactIds));
      expect(sorted(mirror.contactRoles.keys())).toEqual(sorted(expected.roleIds));
      // No record twice.
      expect(pull.contacts.length).toBe(mirror.contacts.size);
      // Field values as Salesforce holds them.
      const rows = await queryAllRows(
        connectionFor(tokens),
        `SELECT Id, Name, StageName, Amount, CloseDate, AccountId, Account.Name FROM Opportunity WHERE OwnerId = '${tokens.userId}' AND IsClosed = false`,
      );
      for (const row of rows) {
        const opp = mirror.opportunities.get(String(row.Id));
        expect(opp).toMatchObject({
          Name: row.Name,
          StageName: row.StageName,
          Amount: row.Amount,
          CloseDate: row.CloseDate,
        });
        const account = row.Account as { Name: string } | null;
        if (account !== null)
          expect(mirror.accounts.get(String(row.AccountId))).toEqual({ Id: row.AccountId, Name: account.Name });
      }
      // The small book fits in one composite call.
      expect(port.usage().callsMade).toBe(1);
    }
  });
});

describe("incremental sync of changes made by another user", () => {
  let sf: Emulator;
  let me: SignedInTokens;
  let other: SignedInTokens;
  beforeAll(async () => {
    // Opportunities Public Read/Write so a colleague may edit, close and reassign them.
    sf = await createEmulator({
      port: 0,
      dataset: "small",
      seed: "incremental",
      sharing: { Opportunity: "ReadWrite" },
    });
    const [a, b] = sf.users;
    if (a === undefined || b === undefined) throw new Error("two users needed");
    me = await signIn(sf, a.username);
    other = await signIn(sf, b.username);
  });
  afterAll(async () => {
    await sf.close();
  });

  it("stage change, new contact role, reassigned / closed opportunity and deleted contact arrive in the next cycle", async () => {
    const port = portFor(sf, me, { now: () => sf.control.now() });
    const userId = me.userId as SalesforceId;
    const mirror = new Mirror();
    const cycle = async () => {
      const pull = await run(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
      mirror.apply(pull);
      const expected = await expectedScope(connectionFor(me), me.userId);
      expect(sorted(mirror.opportunities.keys())).toEqual(sorted(expected.oppIds));
      expect(sorted(mirror.accounts.keys())).toEqual(sorted(expected.accountIds));
      expect(sorted(mirror.contacts.keys())).toEqual(sorted(expected.contactIds));
      expect(sorted(mirror.contactRoles.keys())).toEqual(sorted(expected.roleIds));
      return pull;
    };
    await cycle();
    const colleague = connectionFor(other);
    const tick = () => sf.control.advanceClock(2_000);

    // An unchanged cycle: one API call (as the org counts it and as the port counts it), nothing new.
    const before = await apiCalls(sf.url);
    const portBefore = port.usage().callsMade;
    const quiet = await run(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
    expect((await apiCalls(sf.url)) - before).toBe(1);
    expect(port.usage().callsMade - portBefore).toBe(1);
    expect(quiet.opportunities).toEqual([]);
    expect(quiet.contacts).toEqual([]);

    // Pick opportunities at accounts where I have exactly one open opportunity (so exits cascade).
    const perAccount = new Map<string, string[]>();
    for (const opp of mirror.opportunities.values()) {
      const list = perAccount.get(String(opp.AccountId)) ?? [];
      list.push(String(opp.Id));
      perAccount.set(String(opp.AccountId), list);
    }
    const lone = [...perAccount.entries()]
      .filter(([, opps]) => opps.length === 1)
      .map(([account, opps]) => ({ account, opp: opps[0] as string }));
    expect(lone.length).toBeGreaterThanOrEqual(2);
    const [toReassign, toClose] = lone as [{ account: string; opp: string }, { account: string; opp: string }];
    const staged = [...mirror.opportunities.values()].find((o) => o.Id !== toReassign.opp && o.Id !== toClose.opp);
    if (staged === undefined) throw new Error("no opportunity to change");

    // Stage change.
    tick();
    const newStage = staged.StageName === "Negotiation/Review" ? "Qualification" : "Negotiation/Review";
    await colleague.sobject("Opportunity").update({ Id: String(staged.Id), StageName: newStage });
    const afterStage = await cycle();
    expect(afterStage.opportunities.map((o) => o.Id)).toEqual([staged.Id]);
    expect(mirror.opportunities.get(String(staged.Id))?.StageName).toBe(newStage);

    // A new contact role on one of my opportunities.
    tick();
    const stagedAccount = String(staged.AccountId);
    const contactAtAccount = [...mirror.contacts.values()].find((c) => c.AccountId === stagedAccount);
    if (contactAtAccount === undefined) throw new Error("no contact at the account");
    const role = (await colleague
      .sobject("OpportunityContactRole")
      .create({ OpportunityId: String(staged.Id), ContactId: String(contactAtAccount.Id), Role: "Influencer" })) as {
      id: string;
    };
    const afterRole = await cycle();
    expect(afterRole.contactRoles.map((r) => r.Id)).toContain(role.id);

    // Reassigned and closed opportunities leave, with their accounts' contacts and their roles.
    tick();
    const leavingContacts = [...mirror.contacts.values()].filter(
      (c) => c.AccountId === toReassign.account || c.AccountId === toClose.account,
    );
    expect(leavingContacts.length).toBeGreaterThan(0);
    await colleague.sobject("Opportunity").update({ Id: toReassign.opp, OwnerId: other.userId });
    await colleague.sobject("Opportunity").update({ Id: toClose.opp, StageName: "Closed Lost" });
    const afterExit = await cycle();
    expect(sorted(afterExit.removed.opportunityIds)).toEqual(sorted([toReassign.opp, toClose.opp]));
    expect(sorted(afterExit.removed.accountIds)).toEqual(sorted([toReassign.account, toClose.account]));
    expect(sorted(afterExit.removed.contactIds)).toEqual(sorted(leavingContacts.map((c) => String(c.Id))));

    // A contact deleted by its owner leaves.
    tick();
    const created = (await colleague
      .sobject("Contact")
      .create({ AccountId: stagedAccount, LastName: "Temporary" })) as { id: string };
    const afterCreate = await cycle();
    expect(afterCreate.contacts.map((c) => c.Id)).toContain(created.id);
    tick();
    await colleague.sobject("Contact").destroy(created.id);
    const afterDelete = await cycle();
    expect(afterDelete.removed.contactIds).toEqual([created.id]);

    // The reassigned opportunity comes back to me: it cascades in again, whatever its contacts' age.
    tick();
    await colleague.sobject("Opportunity").update({ Id: toReassign.opp, OwnerId: me.userId });
    const afterReturn = await cycle();
    expect(afterReturn.opportunities.map((o) => o.Id)).toContain(toReassign.opp);
    expect(sorted(afterReturn.contacts.filter((c) => c.AccountId === toReassign.account).map((c) => c.Id))).toEqual(
      sorted(leavingContacts.filter((c) => c.AccountId === toReassign.account).map((c) => String(c.Id))),
    );
  });
});

describe("activity pull", () => {
  let sf: Emulator;
  let me: SignedInTokens;
  beforeAll(async () => {
    sf = await createEmulator({ port: 0, dataset: "small", seed: "activities" });
    const [a] = sf.users;
    if (a === undefined) throw new Error("a user needed");
    me = await signIn(sf, a.username);
  });
  afterAll(async () => {
    await sf.close();
  });

  /** Independently: the visible Tasks/Events of `whoIds` in the window plus the latest per contact. */
  const expectedActivities = async (whoIds: ReadonlyArray<string>, windowStart: string) => {
    const conn = connectionFor(me);
    const who = new Set(whoIds);
    const tasks = (await queryAllRows(conn, "SELECT Id, WhoId, ActivityDate FROM Task")).filter((t) =>
      who.has(String(t.WhoId)),
    );
    const events = (await queryAllRows(conn, "SELECT Id, WhoId, StartDateTime FROM Event")).filter((e) =>
      who.has(String(e.WhoId)),
    );
    const when = (row: Record<string, unknown>) =>
      typeof row.StartDateTime === "string"
        ? new Date(Date.parse(row.StartDateTime.replace("+0000", "Z"))).toISOString()
        : typeof row.ActivityDate === "string"
          ? `${row.ActivityDate}T00:00:00.000Z`
          : "";
    const ids = new Set<string>();
    const latest = new Map<string, { id: string; at: string }>();
    for (const row of [...tasks, ...events]) {
      const at = when(row);
      const inWindow =
        typeof row.StartDateTime === "string" ? at >= windowStart : at.slice(0, 10) >= windowStart.slice(0, 10);
      if (inWindow) ids.add(String(row.Id));
      const prev = latest.get(String(row.WhoId));
      if (at !== "" && (prev === undefined || at > prev.at)) latest.set(String(row.WhoId), { id: String(row.Id), at });
    }
    for (const l of latest.values()) ids.add(l.id);
    return ids;
  };

  it("returns the Key contacts' activities in the window plus the latest per contact; a promoted contact's activities join", async () => {
    const port = portFor(sf, me, { now: () => sf.control.now() });
    const userId = me.userId as SalesforceId;
    const mirror = new Mirror();
    mirror.apply(await run(port.pullScope({ userId, watermarks: {}, mirrored: mirror.ids() })));
    const roleContacts = [...new Set([...mirror.contactRoles.values()].map((r) => String(r.ContactId)))];
    const key = roleContacts.slice(0, 10) as SalesforceId[];
    const promoted = [...mirror.contacts.keys()].find((id) => !roleContacts.includes(id)) as SalesforceId;
    const windowStart = new Date(sf.control.now().getTime() - 90 * 86_400_000).toISOString();

    const first = await run(port.pullActivities({ whoIds: key, windowStart, watermarks: {}, mirroredIds: new Set() }));
    const expected = await expectedActivities(key, windowStart);
    expect(expected.size).toBeGreaterThan(0);
    expect(sorted(first.activities.map((a) => a.Id))).toEqual(sorted(expected));
    for (const a of first.activities) expect(key).toContain(a.WhoId);

    // Unchanged: one call, nothing returned, nothing removed.
    const mirrored = new Set(first.activities.map((a) => a.Id));
    const before = port.usage().callsMade;
    const again = await run(
      port.pullActivities({ whoIds: key, windowStart, watermarks: first.watermarks, mirroredIds: mirrored }),
    );
    expect(port.usage().callsMade - before).toBe(1);
    expect(again.removedIds).toEqual([]);

    // An email match promotes a contact: its activities join.
    const withPromoted = [...key, promoted];
    const joined = await run(
      port.pullActivities({ whoIds: withPromoted, windowStart, watermarks: first.watermarks, mirroredIds: mirrored }),
    );
    const promotedExpected = await expectedActivities([promoted], windowStart);
    const joinedIds = new Set(joined.activities.map((a: ActivityRecord) => a.Id));
    for (const id of promotedExpected) expect(joinedIds.has(id as SalesforceId)).toBe(true);
    expect(sorted([...mirrored, ...joinedIds])).toEqual(sorted(await expectedActivities(withPromoted, windowStart)));

    // A deleted activity is reported removed.
    const victim = first.activities.find((a) => a.OwnerId === me.userId);
    expect(victim).toBeDefined();
    if (victim === undefined) return;
    await connectionFor(me).sobject(victim.Type).destroy(victim.Id);
    const afterDelete = await run(
      port.pullActivities({ whoIds: key, windowStart, watermarks: first.watermarks, mirroredIds: mirrored }),
    );
    expect(afterDelete.removedIds).toContain(victim.Id);
  });
});

describe("an exit the user can no longer see", () => {
  let sf: Emulator;
  beforeAll(async () => {
    sf = await createEmulator({ port: 0, dataset: "small", seed: "private", sharing: { Opportunity: "Private" } });
  });
  afterAll(async () => {
    await sf.close();
  });

  it("an opportunity handed to a colleague under a Private sharing model still leaves the book", async () => {
    const [a, b] = sf.users;
    if (a === undefined || b === undefined) throw new Error("two users needed");
    const me = await signIn(sf, a.username);
    const port = portFor(sf, me, { now: () => sf.control.now() });
    const userId = me.userId as SalesforceId;
    const mirror = new Mirror();
    mirror.apply(await run(port.pullScope({ userId, watermarks: {}, mirrored: mirror.ids() })));
    const [opp] = [...mirror.opportunities.keys()];
    if (opp === undefined) throw new Error("empty book");
    sf.control.advanceClock(2_000);
    // I hand it over myself; afterwards I cannot see it at all.
    await connectionFor(me).sobject("Opportunity").update({ Id: opp, OwnerId: b.id });
    const visible = await queryAllRows(connectionFor(me), `SELECT Id FROM Opportunity WHERE Id = '${opp}'`);
    expect(visible).toEqual([]);
    const pull = await run(port.pullScope({ userId, watermarks: mirror.watermarks, mirrored: mirror.ids() }));
    expect(pull.removed.opportunityIds).toEqual([opp]);
    mirror.apply(pull);
    const expected = await expectedScope(connectionFor(me), me.userId);
    expect(sorted(mirror.opportunities.keys())).toEqual(sorted(expected.oppIds));
    expect(sorted(mirror.contacts.keys())).toEqual(sorted(expected.contactIds));
    expect(sorted(mirror.contactRoles.keys())).toEqual(sorted(expected.roleIds));
  });
});
