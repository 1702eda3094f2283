/**
 * Shared Activities through unmodified jsforce (issue 20 §4): TaskRelation/EventRelation rows
 * kept with an activity's WhoId/WhatId, extra contacts related by POST and unrelated by DELETE,
 * the parent's SystemModstamp bumped, rows deleted with their activity, the seeded shared
 * activities, and visibility that follows the parent activity.
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { caught, connectAs, loadJsforce } from "./helpers.js";

let sf: Emulator;
let maren: Connection;
let diego: Connection;
type Row = Record<string, unknown>;
const contacts: string[] = [];
let accountId = "";

beforeAll(async () => {
  const jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "shared-activities" });
  maren = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
  diego = connectAs(jsforce, sf, sf.users[1]?.username ?? "");
  const acc = await maren.sobject("Account").create({ Name: "Shared Co" });
  accountId = acc.id ?? "";
  for (const last of ["One", "Two", "Three"]) {
    contacts.push((await maren.sobject("Contact").create({ LastName: last, AccountId: accountId })).id ?? "");
  }
});
afterAll(async () => {
  await sf.close();
});

const relationsOf = async (conn: Connection, object: "TaskRelation" | "EventRelation", parent: string) =>
  (
    await conn.query<Row>(
      `SELECT Id, RelationId, IsWhat, AccountId FROM ${object} WHERE ${object === "TaskRelation" ? "TaskId" : "EventId"} = '${parent}' ORDER BY CreatedDate, Id`,
    )
  ).records;

describe("TaskRelation and EventRelation (issue 20 §4)", () => {
  it("a task's Who and What rows follow its WhoId and WhatId", async () => {
    const taskId =
      (await maren.sobject("Task").create({ Subject: "Group call", WhoId: contacts[0], WhatId: accountId })).id ?? "";
    const rows = await relationsOf(maren, "TaskRelation", taskId);
    expect(rows.map((r) => [r.RelationId, r.IsWhat, r.AccountId])).toEqual([
      [contacts[0], false, accountId],
      [accountId, true, accountId],
    ]);
    expect(String(rows[0]?.Id)).toMatch(/^0RT/);
    await maren.sobject("Task").update({ Id: taskId, WhoId: contacts[1] });
    const after = await relationsOf(maren, "TaskRelation", taskId);
    expect(after.map((r) => r.RelationId).sort()).toEqual([accountId, contacts[1]].sort());
  });

  it("POST relates another contact, bumps the task's SystemModstamp; DELETE unrelates it", async () => {
    const taskId = (await maren.sobject("Task").create({ Subject: "Shared", WhoId: contacts[0] })).id ?? "";
    const stamp = async () => String(((await maren.sobject("Task").retrieve(taskId)) as unknown as Row).SystemModstamp);
    const before = await stamp();
    sf.control.advanceClock(5000);
    const rel = await maren.sobject("TaskRelation").create({ TaskId: taskId, RelationId: contacts[2] });
    expect(rel.success).toBe(true);
    const bumped = await stamp();
    expect(bumped > before).toBe(true);
    const byRelation = await maren.query<Row>(
      `SELECT TaskId, IsWhat FROM TaskRelation WHERE RelationId IN ('${contacts[2]}') AND IsWhat = false AND SystemModstamp > ${before.replace(".000+0000", "Z")}`,
    );
    expect(byRelation.records.map((r) => r.TaskId)).toContain(taskId);
    const duplicate = await caught(maren.sobject("TaskRelation").create({ TaskId: taskId, RelationId: contacts[2] }));
    expect(duplicate.errorCode).toBe("DUPLICATE_VALUE");
    sf.control.advanceClock(5000);
    await maren.sobject("TaskRelation").destroy(rel.id ?? "");
    expect((await stamp()) > bumped).toBe(true);
    expect((await relationsOf(maren, "TaskRelation", taskId)).map((r) => r.RelationId)).toEqual([contacts[0]]);
  });

  it("events too; deleting the activity deletes its relations", async () => {
    const eventId =
      (
        await maren.sobject("Event").create({
          Subject: "Joint review",
          WhoId: contacts[0],
          StartDateTime: "2027-01-05T15:00:00.000Z",
          DurationInMinutes: 30,
        })
      ).id ?? "";
    await maren.sobject("EventRelation").create({ EventId: eventId, RelationId: contacts[1] });
    const rows = (
      await maren.query<Row>(
        `SELECT RelationId, IsWhat, IsParent, IsInvitee, Status FROM EventRelation WHERE EventId = '${eventId}'`,
      )
    ).records;
    expect(rows.map((r) => [r.RelationId, r.IsWhat, r.IsParent, r.IsInvitee])).toEqual([
      [contacts[0], false, true, false],
      [contacts[1], false, true, false],
    ]);
    await maren.sobject("Event").destroy(eventId);
    expect((await maren.query(`SELECT Id FROM EventRelation WHERE EventId = '${eventId}'`)).totalSize).toBe(0);
    expect(
      (await maren.query(`SELECT Id FROM EventRelation WHERE EventId = '${eventId}'`, { scanAll: true } as never))
        .totalSize,
    ).toBe(2);
  });

  it("a relation is visible exactly when its activity is", async () => {
    // Diego's private task on his own private contact: Maren sees neither the task nor its rows.
    const own = (await diego.sobject("Contact").create({ LastName: "Private" })).id ?? "";
    const taskId = (await diego.sobject("Task").create({ Subject: "Private", WhoId: own })).id ?? "";
    expect((await diego.query(`SELECT Id FROM TaskRelation WHERE TaskId = '${taskId}'`)).totalSize).toBe(1);
    expect((await maren.query(`SELECT Id FROM Task WHERE Id = '${taskId}'`)).totalSize).toBe(0);
    expect((await maren.query(`SELECT Id FROM TaskRelation WHERE TaskId = '${taskId}'`)).totalSize).toBe(0);
    expect((await maren.query(`SELECT Id FROM TaskRelation WHERE RelationId = '${own}'`)).totalSize).toBe(0);
    const denied = await caught(maren.sobject("TaskRelation").create({ TaskId: taskId, RelationId: contacts[0] }));
    expect(denied.errorCode).toMatch(/INSUFFICIENT_ACCESS/);
  });

  it("the seed has relations for every activity and shared activities per sales rep", async () => {
    const me = sf.users[0]?.id ?? "";
    const mine = (
      await maren.query<Row>(
        `SELECT Id, WhoId, (SELECT RelationId, IsWhat FROM TaskRelations) FROM Task WHERE OwnerId = '${me}' AND Subject LIKE 'Group call with %'`,
      )
    ).records;
    expect(mine).toHaveLength(3);
    for (const t of mine) {
      const rels = (t.TaskRelations as { records: Row[] }).records;
      const who = rels.filter((r) => r.IsWhat === false);
      expect(who.length).toBeGreaterThanOrEqual(2);
      expect(who.map((r) => r.RelationId)).toContain(t.WhoId);
    }
    const events = (
      await maren.query<Row>(
        `SELECT Id, StartDateTime FROM Event WHERE OwnerId = '${me}' AND Subject LIKE 'Joint review with %' ORDER BY StartDateTime`,
      )
    ).records;
    expect(events).toHaveLength(2);
    expect(String(events[1]?.StartDateTime) > new Date(sf.control.now()).toISOString().slice(0, 10)).toBe(true);
    const seededTask = (
      await maren.query<Row>(`SELECT Id, WhoId FROM Task WHERE OwnerId = '${me}' AND WhoId != null LIMIT 1`)
    ).records[0];
    const rels = await relationsOf(maren, "TaskRelation", String(seededTask?.Id));
    expect(rels.find((r) => r.IsWhat === false)?.RelationId).toBe(seededTask?.WhoId);
  });
});
