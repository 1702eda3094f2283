/**
 * The engine's port contract suite, run against this adapter over HTTP against the emulator
 * with the unmodified jsforce client. The org is shared between tests (the suite only looks at
 * records it creates); seeding goes through the API as the user who may make each change.
 */
import type { SalesforceId } from "@tandem/engine";
import { describePortContract, type PortContractHarness } from "@tandem/engine/testing";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import type { Connection } from "jsforce";
import { afterAll, beforeAll } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { connectionFor, portFor, signIn } from "./harness.js";

let sf: Emulator;
const tokens = new Map<string, SignedInTokens>();
const conns = new Map<string, Connection>();

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "contract" });
  for (const user of sf.users) {
    const t = await signIn(sf, user.username);
    tokens.set(t.userId, t);
    conns.set(t.userId, connectionFor(t));
  }
});

afterAll(async () => {
  await sf.close();
});

function conn(userId: string): Connection {
  const c = conns.get(userId);
  if (c === undefined) throw new Error(`no connection for ${userId}`);
  return c;
}

async function created(promise: Promise<unknown>): Promise<SalesforceId> {
  const result = (await promise) as { id?: unknown; success?: unknown; errors?: unknown };
  if (result.success !== true || typeof result.id !== "string")
    throw new Error(`create failed: ${JSON.stringify(result)}`);
  return result.id as SalesforceId;
}

function makeHarness(): PortContractHarness {
  const [me, other, admin] = sf.users.map((u) => u.id as SalesforceId);
  if (me === undefined || other === undefined || admin === undefined) throw new Error("the emulator needs three users");
  /** The user who may change a record: its owner (or the opportunity's owner for a role). */
  const ownerOf = async (sobject: string, id: SalesforceId): Promise<string> => {
    if (sobject === "OpportunityContactRole") {
      const rows = await conn(admin).query<{ Opportunity: { OwnerId: string } }>(
        `SELECT Opportunity.OwnerId FROM OpportunityContactRole WHERE Id = '${id}'`,
      );
      return rows.records[0]?.Opportunity.OwnerId ?? admin;
    }
    const rows = await conn(admin).query<{ OwnerId: string }>(`SELECT OwnerId FROM ${sobject} WHERE Id = '${id}'`);
    return rows.records[0]?.OwnerId ?? admin;
  };
  return {
    users: [me, other],
    port: (userId) => {
      const t = tokens.get(userId);
      if (t === undefined) throw new Error(`unknown user ${userId}`);
      return portFor(sf, t, { now: () => sf.control.now() });
    },
    org: {
      createAccount: (fields) => created(conn(admin).sobject("Account").create(fields)),
      createContact: (fields) => created(conn(admin).sobject("Contact").create(fields)),
      createOpportunity: (fields) => created(conn(fields.OwnerId).sobject("Opportunity").create(fields)),
      createContactRole: async (fields) =>
        created(
          conn(await ownerOf("Opportunity", fields.OpportunityId))
            .sobject("OpportunityContactRole")
            .create(fields),
        ),
      createTask: (fields) =>
        created(
          conn(fields.OwnerId)
            .sobject("Task")
            .create({ Status: "Completed", ...fields }),
        ),
      updateRecord: async (sobject, id, fields) => {
        await conn(await ownerOf(sobject, id))
          .sobject(sobject)
          .update({ Id: id, ...fields });
      },
      deleteRecord: async (sobject, id) => {
        await conn(await ownerOf(sobject, id))
          .sobject(sobject)
          .destroy(id);
      },
      tick: async () => {
        sf.control.advanceClock(1_000);
      },
    },
  };
}

describePortContract("salesforce-adapter against the emulator", async () => makeHarness());
