/**
 * The relay's trust boundary, issue 18's relay bullet 3, against the real server in a child
 * process (file store, restartable; `trust-suite.ts`): ~2 MB of updates whose predecessors
 * never arrive are refused with 4412 while /healthz and another book stay responsive, and
 * none of them reaches an honest device or the stored log, or is left pending there.
 *
 * Last, two write-check bugs these tests found (a struct the room holds re-sent with an
 * origin it never saw; a stock client editing while its first sync is in flight), fixed in
 * the relay and kept as regression tests.
 *
 * The other bullets: trust-boundary-deep.test.ts (1) and trust-boundary-writes.test.ts (2, 4, 5).
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { connectProvider } from "./helpers.js";
import { Code, freshBook, openRaw, sendOnce, updateFrame, waitUntil } from "./trust-clients.js";
import { hasPending, validInteraction } from "./trust-fixtures.js";
import { useTrustSuite } from "./trust-suite.js";
import { capture, craftUpdate } from "./trust-updates.js";

const suite = useTrustSuite();
const { device, workerBook, barrier, otherBookSyncs, healthz, storedDoc } = suite;

describe("bullet 3: updates that can never integrate cannot freeze the server", () => {
  it("refuses ~2 MB of updates whose first part is withheld with 4412 while /healthz and another book stay responsive", async () => {
    const { book, honest, writer } = await workerBook();
    const other = freshBook("O");
    const o1 = await device(other);
    const o2 = await device(other);
    // A device whose first write never reaches the relay; each later write depends on it. Many
    // small updates: a relay that holds them pending re-merges the growing pending set with each.
    const d = new Y.Doc();
    capture(d, () => d.getMap("interactions").set("p-0", validInteraction("p-0")));
    const updates: Uint8Array[] = [];
    d.on("update", (u: Uint8Array) => updates.push(u));
    const padding = "x".repeat(120);
    for (let k = 1; k <= 10_000; k++) {
      const key = `p-${k}`;
      d.getMap("interactions").set(key, { ...validInteraction(key), subject: padding });
    }
    const bytes = updates.reduce((n, u) => n + u.length, 0);
    expect(bytes).toBeGreaterThan(2_000_000);

    let attacking = true;
    let healthMax = 0;
    let syncMax = 0;
    let probes = 0;
    let frozen: unknown;
    const probe = (async () => {
      try {
        while (attacking) {
          const t0 = performance.now();
          expect(await healthz()).toBe(200);
          healthMax = Math.max(healthMax, performance.now() - t0);
          syncMax = Math.max(syncMax, await otherBookSyncs(o1, o2));
          probes++;
        }
      } catch (e) {
        frozen = e;
      }
    })();
    const outcomes = new Map<string, number>();
    try {
      // 500 updates per socket (within the per-connection burst): a relay that refuses closes
      // the socket after the first, so the rest never reach it.
      for (let i = 0; i < updates.length && frozen === undefined; i += 500) {
        const raw = await openRaw(suite.relay, book);
        const out = await Promise.race([
          raw.send(...updates.slice(i, i + 500).map(updateFrame)),
          probe.then(() => ({ frozen: true }) as const),
        ]);
        const label = "closed" in out ? String(out.closed) : "accepted" in out ? "accepted" : "frozen";
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        raw.close();
      }
    } finally {
      attacking = false;
    }
    await probe;
    console.log(
      `bullet 3: ${bytes} bytes in ${updates.length} updates; /healthz max ${healthMax.toFixed(1)} ms, ` +
        `other book round trip max ${syncMax.toFixed(1)} ms over ${probes} probes; outcomes per socket ${JSON.stringify([...outcomes])}`,
    );
    if (frozen !== undefined) {
      // Frozen: leave the next test a fresh server rather than one still grinding.
      suite.relay.child.kill("SIGKILL");
      throw new Error(`the server froze under the attack: ${String(frozen)}`);
    }
    expect(probes).toBeGreaterThan(0);
    expect(suite.relay.alive()).toBe(true);
    await barrier(writer, [honest]);
    const pKeys = (doc: Y.Doc): string[] => [...doc.getMap("interactions").keys()].filter((k) => k.startsWith("p-"));
    expect(pKeys(honest.doc)).toEqual([]);
    expect(hasPending(honest.doc)).toBe(false);
    const stored = await storedDoc(book);
    expect(pKeys(stored)).toEqual([]);
    expect(hasPending(stored)).toBe(false);
    expect([...outcomes]).toEqual([[String(Code.missingPredecessors), updates.length / 500]]);
    expect(honest.closeCodes).toEqual([]);
  });
});

/**
 * Write-check bugs found by these tests. Each test states the behaviour a user needs; they
 * were marked `.fails` while the bug stood, and the relay is fixed now.
 */
describe("found while testing: reported write-check bugs", () => {
  it("a struct the room holds, re-sent with an origin it never saw, is refused (4412) and reaches no device", async () => {
    const { book, honest, writer } = await workerBook();
    await barrier(writer, [honest]);
    // The writer's first struct (clock 0) is in the room; Yjs still resolves the origin of a
    // struct it already has before skipping it, so an unknown origin leaves the update pending.
    const frame = updateFrame(
      craftUpdate({
        groups: [
          {
            client: writer.doc.clientID,
            clock: 0,
            structs: [{ kind: "item", origin: [424_242, 7], content: { ref: "any", values: [{ id: "evil" }] } }],
          },
        ],
      }),
    );
    const storedBefore = (await suite.relay.stored(book.room)).length;
    const outcome = await sendOnce(suite.relay, book, frame);
    await barrier(writer, [honest]);
    expect(hasPending(honest.doc), "the honest device holds the update pending").toBe(false);
    expect((await suite.relay.stored(book.room)).length, "only the barrier was stored").toBe(storedBefore + 1);
    expect(outcome).toEqual({ closed: Code.missingPredecessors });
  });

  it("a stock client with offline edits that edits again while its first sync is in flight is not refused", async () => {
    const { book, honest } = await workerBook();
    const doc = new Y.Doc();
    doc.getMap("interactions").set("offline-1", validInteraction("offline-1"));
    const provider = connectProvider(
      suite.relay.url,
      book.room,
      doc,
      await suite.relay.ticket(book.orgId, book.userId),
    );
    const codes: number[] = [];
    provider.on("connection-close", (e) => {
      if (e) codes.push(e.code);
    });
    // The socket is open, the relay's sync step 1 not yet answered: the stock client sends the
    // new edit as an update whose clock follows the offline edits its step 2 will carry.
    provider.on("status", (e) => {
      if (e.status === "connected") doc.getMap("interactions").set("online-1", validInteraction("online-1"));
    });
    try {
      await waitUntil(
        () => honest.doc.getMap("interactions").has("online-1") || codes.length > 0,
        "the edits on the other device, or a close",
      );
      expect(codes, "close codes the honest stock client got").toEqual([]);
      await waitUntil(() => honest.doc.getMap("interactions").has("offline-1"), "the offline edit on the other device");
    } finally {
      provider.destroy();
    }
  });
});
