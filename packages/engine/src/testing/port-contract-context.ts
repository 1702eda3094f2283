/**
 * What every test of the port contract suite shares: the harness of the running test, the two
 * users and the port acting as the first, a seeded deal, and a caller-side mirror of pulls.
 *
 * Invariant: a test reads the harness only through {@link ContractContext}, which the suite
 * opens before each test and closes after it, so every test gets a fresh harness.
 */
import { Effect } from "effect";
import type { SalesforceId } from "../model/salesforce-id.js";
import type { MirroredIds, SalesforcePort, ScopePull, Watermarks } from "../port/salesforce-port.js";
import type { PortContractHarness } from "./port-contract-harness.js";

/** Runs a port call to its result (rejecting with its typed error). */
export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect);

const emptyMirror = (): MirroredIds => ({
  opportunityIds: new Set(),
  accountIds: new Set(),
  contactIds: new Set(),
  contactRoleIds: new Set(),
});

/** What a caller mirrors after applying pulls: the port's view of "mirrored". */
export class Mirror {
  /** The ids mirrored so far. */
  ids = emptyMirror();
  /** The watermarks of the last pull applied. */
  watermarks: Watermarks = {};
  /** Applies one pull: adds its records' ids, drops its removed ids, takes its watermarks. */
  apply(pull: ScopePull): void {
    const add = (
      set: ReadonlySet<SalesforceId>,
      ids: ReadonlyArray<SalesforceId>,
      removed: ReadonlyArray<SalesforceId>,
    ) => {
      const next = new Set(set);
      for (const id of ids) next.add(id);
      for (const id of removed) next.delete(id);
      return next;
    };
    this.ids = {
      opportunityIds: add(
        this.ids.opportunityIds,
        pull.opportunities.map((r) => r.Id),
        pull.removed.opportunityIds,
      ),
      accountIds: add(
        this.ids.accountIds,
        pull.accounts.map((r) => r.Id),
        pull.removed.accountIds,
      ),
      contactIds: add(
        this.ids.contactIds,
        pull.contacts.map((r) => r.Id),
        pull.removed.contactIds,
      ),
      contactRoleIds: add(
        this.ids.contactRoleIds,
        pull.contactRoles.map((r) => r.Id),
        pull.removed.contactRoleIds,
      ),
    };
    this.watermarks = pull.watermarks;
  }
}

/** An account with two contacts and an open opportunity with one role, as {@link ContractContext.seedDeal} seeds it. */
export interface SeededDeal {
  readonly account: SalesforceId;
  readonly ada: SalesforceId;
  readonly bob: SalesforceId;
  readonly opp: SalesforceId;
  readonly role: SalesforceId;
}

/** The running test's harness and what the tests build on it. */
export class ContractContext {
  private current: { readonly h: PortContractHarness; readonly port: SalesforcePort } | undefined;

  /** Makes the harness of the next test. */
  async open(makeHarness: () => Promise<PortContractHarness>): Promise<void> {
    const h = await makeHarness();
    this.current = { h, port: h.port(h.users[0]) };
  }

  /** Closes the harness of the test that ran. */
  async close(): Promise<void> {
    await this.current?.h.close?.();
  }

  /** The harness of the running test. */
  get h(): PortContractHarness {
    if (this.current === undefined) throw new Error("a port contract test ran before its harness was made");
    return this.current.h;
  }

  /** The user the port acts as. */
  get me(): SalesforceId {
    return this.h.users[0];
  }

  /** Another ordinary user of the org. */
  get other(): SalesforceId {
    return this.h.users[1];
  }

  /** The port acting as {@link ContractContext.me}. */
  get port(): SalesforcePort {
    if (this.current === undefined) throw new Error("a port contract test ran before its harness was made");
    return this.current.port;
  }

  /** An account with two contacts and an open opportunity owned by `owner`, with one role. */
  async seedDeal(owner: SalesforceId, tag: string): Promise<SeededDeal> {
    const { org } = this.h;
    const account = await org.createAccount({ Name: `Acme ${tag}` });
    const ada = await org.createContact({
      AccountId: account,
      FirstName: "Ada",
      LastName: `Lovelace ${tag}`,
      Email: `ada.${tag}@example.com`,
    });
    const bob = await org.createContact({ AccountId: account, FirstName: "Bob", LastName: `Babbage ${tag}` });
    const opp = await org.createOpportunity({
      Name: `Deal ${tag}`,
      AccountId: account,
      OwnerId: owner,
      StageName: "Prospecting",
      CloseDate: "2026-06-30",
      Amount: 1000,
    });
    const role = await org.createContactRole({ OpportunityId: opp, ContactId: ada, Role: "Decision Maker" });
    return { account, ada, bob, opp, role };
  }

  /** A scope pull as `me`, from where `mirror` is. */
  pull(mirror: Mirror): Promise<ScopePull> {
    return run(this.port.pullScope({ userId: this.me, watermarks: mirror.watermarks, mirrored: mirror.ids }));
  }
}
