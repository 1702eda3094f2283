import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { describePortContract } from "./contract.js";
import { createFakeHarness } from "./fake-harness.js";
import { withFaults } from "./faulty-port.js";

describePortContract("in-memory fake", async () => createFakeHarness());

describe("fault-injecting wrapper", () => {
  it("a lost response commits the write, then reports OutcomeUnknown; other faults write nothing", async () => {
    const h = createFakeHarness();
    const [me] = h.users;
    const account = h.fakeOrg.createAccount({ Name: "A" });
    const contact = h.fakeOrg.createContact({ AccountId: account, LastName: "L" });
    const port = withFaults(h.port(me));
    const write = (key: string) =>
      ({
        kind: "createTask",
        intentId: key,
        key,
        fields: {
          WhoId: contact,
          WhatId: null,
          Subject: "s",
          Description: null,
          ActivityDate: "2026-01-02",
          Status: "Completed",
          TaskSubtype: "Task",
        },
      }) as never;
    port.inject("push", "lost-response");
    port.inject("push", "row-locked");
    const lost = await Effect.runPromise(Effect.flip(port.push([write("k1")])));
    expect(lost._tag).toBe("OutcomeUnknown");
    expect(h.fakeOrg.findByKey("k1")).toBeDefined();
    const locked = await Effect.runPromise(Effect.flip(port.push([write("k2")])));
    expect(locked._tag).toBe("RowLocked");
    expect(h.fakeOrg.findByKey("k2")).toBeUndefined();
    expect(port.pending()).toBe(0);
    const ok = await Effect.runPromise(port.push([write("k3")]));
    expect(ok[0]?.outcome).toBe("applied");
  });

  it("a revoked user gets Revoked from every call", async () => {
    const h = createFakeHarness();
    const [me] = h.users;
    h.fakeOrg.revoke(me);
    const error = await Effect.runPromise(Effect.flip(h.port(me).lookup([])));
    expect(error._tag).toBe("Revoked");
  });
});
