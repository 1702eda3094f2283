/**
 * jsforce conformance of the fields Tandem's book reads since issue 25: a Task's
 * `CreatedDate`, `CompletedDateTime` and `IsClosed` through SOQL (as the adapter selects them),
 * an Event's `CreatedDate`, and the active `OpportunityStage` rows in sales-process order
 * with `ApiName`, `IsClosed` and `IsWon`.
 */
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../src/index.js";
import { connectAs, loadJsforce } from "./helpers.js";

let sf: Emulator;
let conn: Connection;
type Row = Record<string, unknown>;
const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

beforeAll(async () => {
  const jsforce = await loadJsforce();
  sf = await createEmulator({ seed: "book-fields" });
  conn = connectAs(jsforce, sf, sf.users[0]?.username ?? "");
});
afterAll(async () => {
  await sf.close();
});

describe("fields the book reads (issue 25)", () => {
  it("a Task's times and IsClosed through SOQL: CreatedDate on create, CompletedDateTime once closed", async () => {
    const open =
      (await conn.sobject("Task").create({ Subject: "To do", Status: "Not Started", ActivityDate: "2027-01-01" })).id ??
      "";
    const done = (await conn.sobject("Task").create({ Subject: "Call", Status: "Completed" })).id ?? "";
    const rows = (
      await conn.query<Row>(
        `SELECT Id, Status, IsClosed, CompletedDateTime, CreatedDate FROM Task WHERE Id IN ('${open}', '${done}')`,
      )
    ).records;
    const byId = new Map(rows.map((r) => [String(r.Id), r]));
    expect(byId.get(open)).toMatchObject({ Status: "Not Started", IsClosed: false, CompletedDateTime: null });
    expect(byId.get(open)?.CreatedDate).toMatch(SF_DATETIME);
    expect(byId.get(done)).toMatchObject({ Status: "Completed", IsClosed: true });
    expect(byId.get(done)?.CompletedDateTime).toMatch(SF_DATETIME);
    // Completed at creation: the completion is the creation, to the second.
    expect(String(byId.get(done)?.CompletedDateTime).slice(0, 19)).toBe(
      String(byId.get(done)?.CreatedDate).slice(0, 19),
    );
  });

  it("an Event has CreatedDate", async () => {
    const id =
      (
        await conn
          .sobject("Event")
          .create({ Subject: "Demo", StartDateTime: "2026-12-01T15:00:00Z", DurationInMinutes: 30 })
      ).id ?? "";
    const [row] = (await conn.query<Row>(`SELECT Id, CreatedDate FROM Event WHERE Id = '${id}'`)).records;
    expect(row?.CreatedDate).toMatch(SF_DATETIME);
  });

  it("the active stages in sales-process order, with ApiName, IsClosed and IsWon", async () => {
    const rows = (
      await conn.query<Row>(
        "SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder",
      )
    ).records;
    const orders = rows.map((r) => Number(r.SortOrder));
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    expect(rows.slice(0, 2).map((r) => r.ApiName)).toEqual(["Prospecting", "Qualification"]);
    expect(rows.find((r) => r.ApiName === "Closed Won")).toMatchObject({ IsClosed: true, IsWon: true });
    expect(rows.find((r) => r.ApiName === "Closed Lost")).toMatchObject({ IsClosed: true, IsWon: false });
    expect(rows.every((r) => r.ApiName === r.MasterLabel)).toBe(true);
  });
});
