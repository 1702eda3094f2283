/**
 * `@tandem/engine/testing`: the in-memory fake org and port, the fault-injecting wrapper, the
 * in-memory document network, a seeded book fixture and the harness types of the port
 * contract suite.
 *
 * Invariant: nothing reachable from here imports a test framework (`testing-entry.test.ts`
 * loads it in a plain Node process where `vitest` cannot resolve). The contract suite itself,
 * which imports `vitest`, is `@tandem/engine/testing/contract` (`contract.ts`).
 */

export { type BookFixture, createBookFixture, type SeededBook, seededRandom } from "./book-fixture.js";
export { createFakeHarness } from "./fake-harness.js";
export {
  FAKE_EXTRA_FIELDS,
  FAKE_STAGES,
  type FakeActivity,
  type FakeExtraField,
  FakeOrg,
  type FakeOrgOptions,
  type FakeRecordType,
  type FakeSObject,
} from "./fake-org.js";
export { createFakePort } from "./fake-port.js";
export { type FaultKind, type FaultyPort, type PortOperation, withFaults } from "./faulty-port.js";
export { createDocNetwork, type DocNetwork } from "./network.js";
export type { ContractOrg, FieldAccess, PortContractHarness } from "./port-contract-harness.js";
