/**
 * The Salesforce port contract as a Vitest suite. Every implementation runs it: the in-memory
 * fake here, and `@tandem/salesforce-adapter` against the emulator over HTTP. The cases live in
 * `port-contract-scope.ts`, `port-contract-writes.ts`, `port-contract-org.ts` and
 * `port-contract-fields.ts`, grouped by what they cover, over the shared
 * {@link ContractContext} of `port-contract-context.ts`; the harness an implementation
 * provides is typed in `port-contract-harness.ts`. Published as `@tandem/engine/testing/contract`
 * (`contract.ts`), the one entry of this folder that imports `vitest`.
 *
 * Invariants: the suite only seeds and changes the org through the small, data-level
 * {@link PortContractHarness}, so a real org behind an API can implement it; assertions only
 * look at records the test itself created, so an org shared between tests works too.
 */
import { afterEach, beforeEach, describe } from "vitest";
import { ContractContext } from "./port-contract-context.js";
import { describeFieldsAndRelations } from "./port-contract-fields.js";
import type { PortContractHarness } from "./port-contract-harness.js";
import { describeOrgAndTimes } from "./port-contract-org.js";
import { describeScopePulls } from "./port-contract-scope.js";
import { describeActivitiesAndTasks, describeUpdatesAndUsage } from "./port-contract-writes.js";

/**
 * Registers the port contract suite.
 *
 * @remarks `makeHarness` is called before each test; `close` after it.
 * @example
 * ```ts
 * describePortContract("fake port", async () => fakeHarness());
 * ```
 */
export function describePortContract(name: string, makeHarness: () => Promise<PortContractHarness>): void {
  describe(`SalesforcePort contract: ${name}`, () => {
    const c = new ContractContext();
    beforeEach(async () => {
      await c.open(makeHarness);
    });
    afterEach(async () => {
      await c.close();
    });
    describeScopePulls(c);
    describeActivitiesAndTasks(c);
    describeUpdatesAndUsage(c);
    describeOrgAndTimes(c);
    describeFieldsAndRelations(c);
  });
}
