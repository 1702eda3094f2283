/**
 * The contract harness over a fresh {@link FakeOrg}: how the fake port runs
 * `describePortContract`, and a ready-made org for other tests.
 *
 * Invariant: each harness owns a new org, so tests never see each other's records.
 */
import type { SalesforceId } from "../model/salesforce-id.js";
import { FakeOrg } from "./fake-org.js";
import { createFakePort } from "./fake-port.js";
import type { PortContractHarness } from "./port-contract-harness.js";

/** A contract harness over a fresh in-memory org with two users. */
export function createFakeHarness(org: FakeOrg = new FakeOrg()): PortContractHarness & { readonly fakeOrg: FakeOrg } {
  const users: readonly [SalesforceId, SalesforceId] = [org.addUser("Ada Admin"), org.addUser("Otto Other")];
  return {
    fakeOrg: org,
    users,
    port: (userId) => createFakePort(org, userId),
    org: {
      createAccount: async (f) => org.createAccount(f),
      createContact: async (f) => org.createContact(f),
      createOpportunity: async (f) => org.createOpportunity(f),
      createContactRole: async (f) => org.createContactRole(f),
      createTask: async (f) => org.createActivity({ ...f, Type: "Task" }),
      createEvent: async (f) => org.createActivity({ ...f, Type: "Event", ActivityDate: f.StartDateTime.slice(0, 10) }),
      relateContact: async (_sobject, activityId, contactId) => org.relateContact(activityId, contactId),
      setFieldAccess: async (sobject, field, access) => {
        const key = `${sobject}.${field}`;
        const before = org.fieldAccess.get(key) ?? { readable: true, editable: true };
        org.fieldAccess.set(key, access);
        return before;
      },
      setTimeZone: async (userId, timeZone) => {
        const before = org.timeZones.get(userId) ?? "UTC";
        org.timeZones.set(userId, timeZone);
        return before;
      },
      updateRecord: async (sobject, id, fields) => org.updateRecord(sobject, id, fields),
      deleteRecord: async (sobject, id) => org.deleteRecord(sobject, id),
      tick: async () => org.advance(1000),
    },
  };
}
