/**
 * `@tandem/engine/testing`: the in-memory fake org and port, the fault-injecting wrapper and
 * the port contract suite (which imports `vitest`, a peer dependency of this entry).
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
export {
  type ContractOrg,
  describePortContract,
  type FieldAccess,
  type PortContractHarness,
} from "./port-contract.js";
