/**
 * The engine's port contract suite, run against this adapter over HTTP against the emulator
 * with the unmodified jsforce client. The org is shared between tests (the suite only looks at
 * records it creates); seeding goes through the API as the user who may make each change.
 */
import type { SalesforceId } from "@tandem/engine";
import { describePortContract, type FieldAccess, type PortContractHarness } from "@tandem/engine/testing/contract";
import { createEmulator, type Emulator } from "@tandem/salesforce-emulator";
import type { Connection } from "jsforce";
import { afterAll, beforeAll } from "vitest";
import type { SignedInTokens } from "../src/auth/oauth.js";
import { connectionFor, portFor, signIn } from "./harness.js";

let sf: Emulator;
const tokens = new Map<string, SignedInTokens>();
const conns = new Map<string, Connection>();
/** Each user's profile name, from the control API. */
const profiles = new Map<string, string>();

/** Calls the emulator's control API (packages/salesforce-emulator README), failing on an error answer. */
async function control(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sf.url}/_emulator${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

beforeAll(async () => {
  sf = await createEmulator({ port: 0, dataset: "small", seed: "contract" });
  for (const user of sf.users) {
    const t = await signIn(sf, user.username);
    tokens.set(t.userId, t);
    conns.set(t.userId, connectionFor(t));
    const setup = (await control("GET", `/users/${user.id}`)) as { profile: { name: string } | null };
    profiles.set(t.userId, setup.profile?.name ?? "");
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
  // Two sales reps of the same profile, and an administrator who sees everything for seeding.
  const ids = [...profiles.keys()] as SalesforceId[];
  const admin = ids.find((id) => profiles.get(id) === "System Administrator") ?? ids[ids.length - 1];
  const reps = ids.filter((id) => id !== admin && profiles.get(id) === profiles.get(ids[0] ?? ""));
  const [me, other] = reps;
  if (me === undefined || other === undefined || admin === undefined)
    throw new Error("the emulator needs two reps of one profile and an administrator");
  const repProfile = profiles.get(me) ?? "";
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
  const relations = { Task: ["TaskRelation", "TaskId"], Event: ["EventRelation", "EventId"] } as const;
  return {
    users: [me, other],
    port: (userId) => {
      const t = tokens.get(userId);
      if (t === undefined) throw new Error(`unknown user ${userId}`);
      return portFor(sf, t, { now: () => sf.control.now() });
    },
    org: {
      createAccount: (fields) => created(conn(admin).sobject("Account").create(fields)),
      // A private contact (no account) is visible to its owner only: the first rep owns it, so
      // their opportunity's role can name it.
      createContact: ({ AccountId, ...rest }) =>
        created(
          AccountId === null
            ? conn(me).sobject("Contact").create(rest)
            : conn(admin)
                .sobject("Contact")
                .create({ AccountId, ...rest }),
        ),
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
      createEvent: (fields) =>
        created(
          conn(fields.OwnerId)
            .sobject("Event")
            .create({
              ...fields,
              EndDateTime: new Date(Date.parse(fields.StartDateTime) + 3_600_000).toISOString(),
            }),
        ),
      relateContact: async (sobject, activityId, contactId) => {
        const [relation, idField] = relations[sobject];
        await created(
          conn(await ownerOf(sobject, activityId))
            .sobject(relation)
            .create({ [idField]: activityId, RelationId: contactId }),
        );
      },
      setFieldAccess: async (sobject, field, access) => {
        const query = new URLSearchParams({ profile: repProfile, object: sobject, field });
        const before = (await control("GET", `/field-permissions?${query}`)) as FieldAccess;
        await control("POST", "/field-permissions", { profile: repProfile, object: sobject, field, ...access });
        return { readable: before.readable, editable: before.editable };
      },
      setTimeZone: async (userId, timeZone) => {
        const before = (await control("GET", `/users/${userId}`)) as { timeZoneSidKey: string };
        await control("PATCH", `/users/${userId}`, { timeZoneSidKey: timeZone });
        return before.timeZoneSidKey;
      },
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
