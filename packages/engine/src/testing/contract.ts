/**
 * `@tandem/engine/testing/contract`: the Salesforce port contract as a Vitest suite, for every
 * implementation of `SalesforcePort` to run (the in-memory fake, the jsforce adapter against
 * the emulator, a port of your own).
 *
 * Invariant: this is the only entry of `@tandem/engine` that imports `vitest` (an optional peer
 * dependency); `@tandem/engine/testing` never reaches it, so the fakes load without vitest.
 */

export { describePortContract } from "./port-contract.js";
export type { ContractOrg, FieldAccess, PortContractHarness } from "./port-contract-harness.js";
