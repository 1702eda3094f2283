/**
 * A room's awareness states, kept as the JSON text clients sent, with the ownership rules of
 * `y-protocols/awareness`: an entry changes only for a newer clock (or a removal at the same
 * clock); the connection that last changed an entry owns it and its entries are removed
 * when it leaves.
 *
 * Bounded: at most `maxPerOwner` live entries per connection (extra new client ids are
 * ignored) and `maxTombstones` remembered removals per room.
 */
import type { AwarenessEntry } from "./protocol.js";

interface Row<Owner> {
  clock: number;
  state: string;
  owner: Owner | undefined;
}

/** Awareness states of one room, keyed by Yjs client id. */
export class AwarenessTable<Owner> {
  private readonly rows = new Map<number, Row<Owner>>();
  private readonly owned = new Map<Owner, Set<number>>();
  private tombstones = 0;

  constructor(
    private readonly maxPerOwner: number,
    private readonly maxTombstones: number,
  ) {}

  /** Applies entries from `owner`; returns the entries that changed (to broadcast). */
  apply(entries: readonly AwarenessEntry[], owner: Owner): AwarenessEntry[] {
    const changed: AwarenessEntry[] = [];
    for (const e of entries) {
      const row = this.rows.get(e.clientId);
      const removal = e.state === "null";
      if (row === undefined) {
        if (removal) continue;
        const mine = this.owned.get(owner);
        if (mine && mine.size >= this.maxPerOwner) continue;
        this.rows.set(e.clientId, { clock: e.clock, state: e.state, owner });
        this.own(owner, e.clientId);
        changed.push(e);
        continue;
      }
      const newer = e.clock > row.clock || (e.clock === row.clock && removal && row.state !== "null");
      if (!newer) continue;
      if (row.state === "null" && !removal) this.tombstones--;
      if (row.owner !== undefined && row.owner !== owner) this.owned.get(row.owner)?.delete(e.clientId);
      row.clock = e.clock;
      row.state = e.state;
      if (removal) {
        if (row.owner !== undefined) this.owned.get(row.owner)?.delete(e.clientId);
        row.owner = undefined;
        this.tombstones++;
      } else {
        row.owner = owner;
        this.own(owner, e.clientId);
      }
      changed.push(e);
    }
    this.trimTombstones();
    return changed;
  }

  /** Removes every entry `owner` owns; returns the removal entries to broadcast. */
  dropOwner(owner: Owner): AwarenessEntry[] {
    const ids = this.owned.get(owner);
    this.owned.delete(owner);
    if (!ids) return [];
    const out: AwarenessEntry[] = [];
    for (const id of ids) {
      const row = this.rows.get(id);
      if (!row || row.state === "null") continue;
      row.clock++;
      row.state = "null";
      row.owner = undefined;
      this.tombstones++;
      out.push({ clientId: id, clock: row.clock, state: "null" });
    }
    this.trimTombstones();
    return out;
  }

  /** Every live entry (for a newcomer or a query). */
  live(): AwarenessEntry[] {
    const out: AwarenessEntry[] = [];
    for (const [clientId, row] of this.rows)
      if (row.state !== "null") out.push({ clientId, clock: row.clock, state: row.state });
    return out;
  }

  /** Number of rows, live and removed. */
  get size(): number {
    return this.rows.size;
  }

  private own(owner: Owner, id: number): void {
    let set = this.owned.get(owner);
    if (!set) {
      set = new Set();
      this.owned.set(owner, set);
    }
    set.add(id);
  }

  private trimTombstones(): void {
    if (this.tombstones <= this.maxTombstones) return;
    for (const [id, row] of this.rows) {
      if (this.tombstones <= this.maxTombstones) break;
      if (row.state === "null") {
        this.rows.delete(id);
        this.tombstones--;
      }
    }
  }
}
