/**
 * Exactly-once across a server crash (issue 7): the real CLI in a child process (file store)
 * is killed with SIGKILL while its push of a logged call is in flight; Salesforce commits the
 * Task after the server died. The restarted server resumes the book's worker from the stored
 * grant, resolves the `sending` receipt by looking its key up, and never writes a second Task.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookMaps, createDevice } from "@tandem/engine";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildServer, startChildServer } from "./child-server.js";
import { type Device, openDevice, orgSession, signIn, until } from "./sync-helpers.js";

let emu: Emulator;
let dir: string;
const children: ChildProcess[] = [];
const devices: Device[] = [];

beforeAll(async () => {
  emu = await createEmulator({ port: 0, dataset: "small" });
  dir = mkdtempSync(join(tmpdir(), "tandem-sync-restart-"));
});
afterAll(async () => {
  for (const d of devices) d.destroy();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startChild(): Promise<ChildServer> {
  const started = await startChildServer(join(dir, "data"), emu);
  children.push(started.child);
  return started;
}

describe("a server killed mid-push", () => {
  it("resumes on restart and resolves the in-flight call to exactly one Task", async () => {
    const user = emu.users[1];
    if (!user) throw new Error("the small dataset has a second user");
    const first = await startChild();
    const cookie = await signIn(first.url, user.username);
    const device = await openDevice(first.url, cookie);
    devices.push(device);
    const maps = bookMaps(device.doc);
    await until(() => maps.opportunities.size > 0, "the first sync", 60_000);

    // Hold the Task create in flight long enough to kill the server during it.
    emu.control.addFault({
      match: { method: "POST", path: "/composite/sobjects$" },
      kind: "latency",
      ms: 1500,
      count: 1,
    });
    const opp = [...maps.opportunities.values()].find((o) =>
      [...maps.contacts.values()].some((c) => c.AccountId === o.AccountId),
    );
    const contact = [...maps.contacts.values()].find((c) => c.AccountId === opp?.AccountId);
    if (!opp || !contact) throw new Error("the book has an opportunity with a contact");
    const dev = createDevice(device.doc, {
      deviceId: "device-a",
      now: () => new Date(),
      random: () => crypto.getRandomValues(new Uint8Array(16)),
    });
    const logged = dev.logActivity({ opportunityId: opp.Id, contactId: contact.Id, type: "call", description: "x" });
    dev.dispose();
    if (!logged.ok) throw new Error(logged.error.message);
    const intentId = logged.value.id;

    // The write-ahead `sending` receipt reaches the device before the call goes out.
    await until(() => maps.receipts.get(intentId)?.status === "sending", "the sending receipt", 30_000);
    await until(() => emu.control.faults().length === 0, "the push to reach the org", 30_000);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    // Salesforce commits the Task although nobody hears the answer.
    const asUser = await orgSession(emu, user.username, user.password);
    const count = async () =>
      (await asUser.query<{ Id: string }>(`SELECT Id FROM Task WHERE CallObject LIKE '%${intentId}%'`)).length;
    await until(async () => (await count()) === 1, "the org to commit the Task", 10_000);

    const second = await startChild();
    const again = await openDevice(second.url, cookie);
    devices.push(again);
    const after = bookMaps(again.doc);
    await until(() => after.receipts.get(intentId)?.status === "applied", "the applied receipt after restart", 60_000);
    expect(await count()).toBe(1);
    const [task] = await asUser.query<{ Id: string }>(`SELECT Id FROM Task WHERE CallObject LIKE '%${intentId}%'`);
    expect(after.receipts.get(intentId)?.salesforceId).toBe(task?.Id);
  });
});
