import { describe, expect, it } from "vitest";
import type { PipelineRow } from "../view-model/view-model.js";
import {
  decodeViewSnapshot,
  readViewSnapshot,
  VIEW_SNAPSHOT_VERSION,
  type ViewSnapshot,
  writeViewSnapshot,
} from "./view-snapshot.js";

const OWNER = { room: "book:00D000000000001:005000000000001", userId: "005000000000001" };

const ROW: PipelineRow = {
  id: "006000000000001AAA",
  name: "Acme renewal",
  accountId: "001000000000001AAA",
  accountName: "Acme",
  amount: 1000,
  stage: "Prospecting",
  closeDate: "2026-12-31",
  probability: 10,
  forecastCategory: "Pipeline",
  description: null,
  pendingFields: ["Amount"],
  closing: false,
  stageRank: 1,
};

const SNAPSHOT: ViewSnapshot = {
  version: VIEW_SNAPSHOT_VERSION,
  room: OWNER.room,
  userId: OWNER.userId,
  savedAt: "2026-12-07T10:00:00.000Z",
  rows: [ROW],
  cards: {
    top: [
      {
        id: "close-date-passed:006000000000001AAA",
        kind: "close-date-passed",
        severity: "high",
        opportunityId: ROW.id,
        opportunityName: ROW.name,
        title: "Close date Dec 1, 2026 has passed",
        hint: "Move the close date, or update the stage.",
        nextMeeting: null,
        fixes: [
          { fix: "move-close-date", label: "Move to Dec 21, 2026" },
          { fix: "log-call", label: "Log a call" },
        ],
      },
    ],
    total: 3,
  },
};

const roundTrip = (value: unknown) => decodeViewSnapshot(JSON.stringify(value), OWNER);

describe("view snapshot codec", () => {
  it("reads back what it wrote", () => {
    expect(decodeViewSnapshot(writeViewSnapshot(SNAPSHOT), OWNER)).toEqual(SNAPSHOT);
  });

  it("ignores a snapshot of another format version (an old one is never trusted)", () => {
    expect(roundTrip({ ...SNAPSHOT, version: 0 })).toBeNull();
    expect(roundTrip({ ...SNAPSHOT, version: VIEW_SNAPSHOT_VERSION + 1 })).toBeNull();
    const { version: _dropped, ...unversioned } = SNAPSHOT;
    expect(roundTrip(unversioned)).toBeNull();
  });

  it("ignores another user's or another book's snapshot", () => {
    expect(roundTrip({ ...SNAPSHOT, userId: "005000000000002" })).toBeNull();
    expect(roundTrip({ ...SNAPSHOT, room: "book:other" })).toBeNull();
  });

  it("ignores text that is not JSON, and values that are not text", () => {
    expect(decodeViewSnapshot("{not json", OWNER)).toBeNull();
    expect(decodeViewSnapshot(undefined, OWNER)).toBeNull();
    expect(decodeViewSnapshot(SNAPSHOT, OWNER)).toBeNull();
    expect(readViewSnapshot([SNAPSHOT], OWNER)).toBeNull();
  });

  it("ignores a snapshot with one malformed row, rather than painting part of it", () => {
    const bad = [
      { ...ROW, amount: "1000" },
      { ...ROW, name: null },
      { ...ROW, pendingFields: [1] },
      { ...ROW, closing: "no" },
      { ...ROW, amount: Number.NaN },
    ];
    for (const row of bad) expect(readViewSnapshot({ ...SNAPSHOT, rows: [ROW, row] }, OWNER)).toBeNull();
  });

  it("ignores malformed cards: unknown kinds and fixes, and a total below the cards shown", () => {
    const card = SNAPSHOT.cards.top[0];
    expect(card).toBeDefined();
    const withCard = (c: unknown, total = 3) => ({ ...SNAPSHOT, cards: { top: [c], total } });
    expect(readViewSnapshot(withCard({ ...card, kind: "made-up" }), OWNER)).toBeNull();
    expect(readViewSnapshot(withCard({ ...card, fixes: [{ fix: "delete-all", label: "x" }] }), OWNER)).toBeNull();
    expect(readViewSnapshot(withCard(card, 0), OWNER)).toBeNull();
    expect(readViewSnapshot(withCard(card, 1.5), OWNER)).toBeNull();
    expect(readViewSnapshot({ ...SNAPSHOT, savedAt: "yesterday" }, OWNER)).toBeNull();
    expect(readViewSnapshot(withCard(card, 1), OWNER)).not.toBeNull();
  });
});
