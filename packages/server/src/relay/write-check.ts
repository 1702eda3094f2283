/**
 * The relay's write check: whether an update from a device may enter a book room, judged
 * against the room's document before anything is applied, stored or forwarded.
 *
 * The rules (docs/protocol.md, "Who may write what"), for every struct the room has not seen:
 * - it is a map entry (one `any` or `json` value, or a deleted run) of a root map devices may write:
 *   `intents` or `interactions`; never a nested type, a text, a GC or skip run, a right origin;
 * - its client id is not one the server writes with (the room document's own, or any that
 *   wrote a map devices may not write);
 * - in `intents`: the key is new to the room and to the update, and the value is an object
 *   whose `id` is the key (intents are immutable: never overwritten or deleted by a device);
 * - in `interactions`: the value's `id` is the key, and an existing entry it replaces was
 *   written by a device;
 * - everything it depends on (its client's earlier clocks, its origin) is in the room or in
 *   the update: nothing is left pending.
 * Every delete-set range lies within clocks the room or the update holds, and deletes only
 * what is already deleted or a device-written interaction.
 *
 * The check is pure over (document, decoded update) except for the per-room cache of which
 * client ids are devices' ({@link WriteGuard}), which it fills as it goes. Its cost is
 * proportional to the update (plus a binary search per origin and delete range), not to the
 * room.
 */
import { BOOK_MAP_NAMES } from "@tandem/engine";
import * as Y from "yjs";
import { ContentRef, type DecodedDelete, type DecodedStruct, type DecodedUpdate } from "./validate-update.js";

/** The root maps a device may write, and the maps of a book (for log-safe names). */
const INTENTS = "intents";
const INTERACTIONS = "interactions";
const BOOK_MAPS: ReadonlySet<string> = new Set(BOOK_MAP_NAMES);

/** Why an update was refused: `forbidden` writes, or `missing` predecessors. `reason` is log-safe. */
export type WriteVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly kind: "forbidden" | "missing";
      readonly reason: string;
      /**
       * A `missing` refusal an honest device can cause, and that may pass once its earlier
       * updates come: a gap in a device's own clocks, or a deletion beyond them. (A stock
       * client sends an edit made as its socket opens before the sync step 2 that carries the
       * offline edits it follows.) The relay may hold such an update back a little while.
       */
      readonly holdable: boolean;
    };

const OK: WriteVerdict = { ok: true };

/** What the write guard needs of a shared type: whether it is nested (then it has an item). */
type SharedType = { readonly _item: Y.Item | null };

function forbidden(reason: string): WriteVerdict {
  return { ok: false, kind: "forbidden", reason, holdable: false };
}

function missing(reason: string, holdable = false): WriteVerdict {
  return { ok: false, kind: "missing", reason, holdable };
}

/**
 * Per room: which client ids write as the server and which as devices.
 * @remarks A client id is a device's when every item it wrote is in a map devices may write;
 * anything else (the mirror, receipts, meta, or nothing identifiable) makes it the server's.
 * Learned lazily from the document; the room document's own client id is always the server's.
 */
export class WriteGuard {
  private readonly owners = new Map<number, "device" | "server">();
  private roots: Map<SharedType, string> | undefined;

  constructor(private readonly doc: Y.Doc) {}

  /** Records that the server wrote with `client` (the room document's id at the time). */
  noteServerClient(client: number): void {
    this.owners.set(client, "server");
  }

  /** Whether `client` writes as the server. */
  isServer(client: number): boolean {
    if (client === this.doc.clientID) return true;
    let owner = this.owners.get(client);
    if (owner === undefined) {
      owner = this.scan(client);
      this.owners.set(client, owner);
    }
    return owner === "server";
  }

  /** Records that an accepted device update wrote with `client`. */
  noteDeviceClient(client: number): void {
    if (!this.owners.has(client)) this.owners.set(client, "device");
  }

  /** The name of a root type of the document, or undefined for a nested one. */
  rootName(type: SharedType): string | undefined {
    if (type._item !== null) return undefined;
    let name = this.roots?.get(type);
    if (name === undefined) {
      // Root types are few and created rarely; rebuild the reverse index when one is missing.
      this.roots = new Map();
      for (const [n, t] of this.doc.share) this.roots.set(t, n);
      name = this.roots.get(type);
    }
    return name;
  }

  private scan(client: number): "device" | "server" {
    const structs = this.doc.store.clients.get(client);
    if (structs === undefined) return "device";
    let items = 0;
    for (const s of structs) {
      if (!(s instanceof Y.Item)) continue;
      items++;
      const parent = s.parent;
      if (!(parent instanceof Y.AbstractType)) return "server";
      const name = this.rootName(parent);
      if (name !== INTENTS && name !== INTERACTIONS) return "server";
    }
    return items > 0 ? "device" : "server";
  }
}

/** Where a new struct writes: a root map's name and key. */
interface Target {
  readonly map: string;
  readonly key: string;
}

/**
 * Checks a decoded device update against the room document.
 * @remarks Call before `Y.applyUpdate`; on `ok`, apply the update, then {@link noteAccepted}.
 * @example
 * const verdict = checkDeviceUpdate(room.doc, room.guard, decodeUpdateV1(bytes));
 * if (!verdict.ok) conn.evict(CloseCode.writeForbidden, verdict.reason);
 */
export function checkDeviceUpdate(doc: Y.Doc, guard: WriteGuard, update: DecodedUpdate): WriteVerdict {
  const store = doc.store;
  const { structs } = update;
  // The update's new clock range per client: [room state, end of its last struct).
  const ranges = new Map<number, { start: number; end: number; first: number; last: number }>();
  for (let i = 0; i < structs.length; ) {
    const client = (structs[i] as DecodedStruct).client;
    if (ranges.has(client)) return forbidden("duplicate-client-group");
    let j = i;
    while (j + 1 < structs.length && (structs[j + 1] as DecodedStruct).client === client) j++;
    const first = structs[i] as DecodedStruct;
    const lastS = structs[j] as DecodedStruct;
    const state = Y.getState(store, client);
    if (first.clock > state) return missing("clock-gap", !guard.isServer(client));
    ranges.set(client, { start: state, end: Math.max(state, lastS.clock + lastS.length), first: i, last: j });
    i = j + 1;
  }

  const targets = new Map<number, Target | null>();
  const newIntentKeys = new Set<string>();
  const intents = doc.share.get(INTENTS);
  const interactions = doc.share.get(INTERACTIONS);
  for (let i = 0; i < structs.length; i++) {
    const s = structs[i] as DecodedStruct;
    const state = (ranges.get(s.client) as { start: number }).start;
    if (s.ref === ContentRef.gc || s.ref === ContentRef.skip) {
      if (s.clock + s.length <= state) continue;
    } else {
      // Yjs looks up every item's origins and parent, even of one it already holds and skips:
      // one it cannot find leaves the whole update pending.
      const refs = knownRefs(store, update, ranges, s);
      if (refs !== undefined) return refs;
      if (s.clock + s.length <= state) continue;
    }
    if (guard.isServer(s.client)) return forbidden("server-client-id");
    if (s.ref === ContentRef.skip) return missing("skip-run");
    if (s.ref === ContentRef.gc) return forbidden("gc-run");
    if (s.clock < state) return forbidden("straddles-room-state");
    // A map value is one `any` or `json` value (docs/protocol.md §1 rule 2); deleted values of
    // one key written in a row merge into one run.
    const isValue = (s.ref === ContentRef.any || s.ref === ContentRef.json) && s.length === 1;
    if (!(isValue || s.ref === ContentRef.deleted)) return forbidden("content-kind");
    if (s.rightClock !== -1) return forbidden("right-origin");
    const target = resolveTarget(doc, guard, update, ranges, targets, i, 0);
    if (typeof target === "string") return target === "missing" ? missing("unknown-origin") : forbidden(target);
    if (target.map === INTENTS) {
      if (!isValue) return forbidden("deletes-intent");
      if (!s.valueIsObject || s.valueId !== target.key) return forbidden("intent-id-mismatch");
      if (newIntentKeys.has(target.key)) return forbidden("intent-key-repeated");
      if (intents instanceof Y.AbstractType && intents._map.has(target.key)) return forbidden("intent-exists");
      newIntentKeys.add(target.key);
    } else if (target.map === INTERACTIONS) {
      if (isValue && (!s.valueIsObject || s.valueId !== target.key)) return forbidden("interaction-id-mismatch");
      const existing = interactions instanceof Y.AbstractType ? interactions._map.get(target.key) : undefined;
      if (existing !== undefined && !existing.deleted && guard.isServer(existing.id.client))
        return forbidden("overwrites-server-item");
    } else return forbidden(BOOK_MAPS.has(target.map) ? `map-not-writable:${target.map}` : "unknown-root");
  }

  // Sorted and merged per client first, so that no struct is visited twice however the
  // ranges of a forged delete set repeat or overlap.
  for (const d of mergeDeletes(update.deletes)) {
    const verdict = checkDelete(store, guard, update, ranges, targets, d.client, d.clock, d.length);
    if (!verdict.ok) return verdict;
  }
  return OK;
}

function mergeDeletes(deletes: readonly DecodedDelete[]): DecodedDelete[] {
  if (deletes.length <= 1) return deletes.filter((d) => d.length > 0);
  const sorted = deletes.filter((d) => d.length > 0).sort((a, b) => a.client - b.client || a.clock - b.clock);
  const out: DecodedDelete[] = [];
  for (const d of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.client === d.client && d.clock <= last.clock + last.length) {
      const end = Math.max(last.clock + last.length, d.clock + d.length);
      out[out.length - 1] = { client: last.client, clock: last.clock, length: end - last.clock };
    } else out.push(d);
  }
  return out;
}

/**
 * Whether the origin, right origin and parent id of item `s` exist, as Yjs requires before it
 * integrates or skips the item: in the room, or in the update (for another client's id, which
 * Yjs integrates first), or earlier in the item's own client. A refusal, or undefined.
 */
function knownRefs(
  store: Y.Doc["store"],
  update: DecodedUpdate,
  ranges: Ranges,
  s: DecodedStruct,
): WriteVerdict | undefined {
  const refs: [number, number][] = [];
  if (s.originClock !== -1) refs.push([s.originClient, s.originClock]);
  if (s.rightClock !== -1) refs.push([s.rightClient, s.rightClock]);
  if (s.parentIsId) refs.push([s.parentClient, s.parentClock]);
  for (const [client, clock] of refs) {
    if (client === s.client) {
      // Yjs counts its own client's earlier clocks as present without looking.
      if (clock >= s.clock) return forbidden("bad-origin");
      continue;
    }
    if (clock < Y.getState(store, client)) continue;
    if (findInUpdate(update, ranges, client, clock) === -1) return missing("unknown-origin");
  }
  return undefined;
}

/** After an accepted update was applied: its clients are devices' from now on. */
export function noteAccepted(guard: WriteGuard, update: DecodedUpdate): void {
  let last = -1;
  for (const s of update.structs) {
    if (s.client === last) continue;
    last = s.client;
    guard.noteDeviceClient(s.client);
  }
}

type Ranges = ReadonlyMap<number, { start: number; end: number; first: number; last: number }>;

/**
 * The map and key struct `i` of the update writes, as Yjs will resolve it: its own parent and
 * key when written, else its origin's. A string is a refusal reason (`"missing"`: the origin
 * is nowhere).
 */
function resolveTarget(
  doc: Y.Doc,
  guard: WriteGuard,
  update: DecodedUpdate,
  ranges: Ranges,
  memo: Map<number, Target | null>,
  i: number,
  depth: number,
): Target | string {
  const cached = memo.get(i);
  if (cached === null) return "origin-cycle";
  if (cached !== undefined) return cached;
  const s = update.structs[i] as DecodedStruct;
  let result: Target | string;
  if (s.parentIsId) result = "nested-type";
  else if (s.parentRoot !== null)
    result = s.parentSub === null ? "not-a-map-entry" : { map: s.parentRoot, key: s.parentSub };
  else if (s.originClock === -1) result = "no-parent";
  else if (depth > 64) result = "origin-chain-too-long";
  else {
    memo.set(i, null);
    result = resolveOrigin(doc, guard, update, ranges, memo, s.originClient, s.originClock, depth);
  }
  if (typeof result !== "string") memo.set(i, result);
  else memo.delete(i);
  return result;
}

function resolveOrigin(
  doc: Y.Doc,
  guard: WriteGuard,
  update: DecodedUpdate,
  ranges: Ranges,
  memo: Map<number, Target | null>,
  client: number,
  clock: number,
  depth: number,
): Target | string {
  const store = doc.store;
  if (clock < Y.getState(store, client)) {
    const structs = store.clients.get(client) as (Y.GC | Y.Item)[];
    const found = structs[Y.findIndexSS(structs, clock)];
    if (!(found instanceof Y.Item)) return "origin-gc";
    const parent = found.parent;
    if (!(parent instanceof Y.AbstractType)) return "origin-gc";
    const name = guard.rootName(parent);
    if (name === undefined) return "nested-type";
    if (found.parentSub === null) return "not-a-map-entry";
    return { map: name, key: found.parentSub };
  }
  const j = findInUpdate(update, ranges, client, clock);
  if (j === -1) return "missing";
  return resolveTarget(doc, guard, update, ranges, memo, j, depth + 1);
}

/** The index of the update's struct that holds (client, clock), or -1. */
function findInUpdate(update: DecodedUpdate, ranges: Ranges, client: number, clock: number): number {
  const r = ranges.get(client);
  if (r === undefined || clock >= r.end) return -1;
  let lo = r.first;
  let hi = r.last;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = update.structs[mid] as DecodedStruct;
    if (clock < s.clock) hi = mid - 1;
    else if (clock >= s.clock + s.length) lo = mid + 1;
    else return s.ref === ContentRef.skip ? -1 : mid;
  }
  return -1;
}

function checkDelete(
  store: Y.Doc["store"],
  guard: WriteGuard,
  update: DecodedUpdate,
  ranges: Ranges,
  targets: Map<number, Target | null>,
  client: number,
  clock: number,
  length: number,
): WriteVerdict {
  if (length === 0) return OK;
  const end = clock + length;
  const state = Y.getState(store, client);
  const r = ranges.get(client);
  if (end > Math.max(state, r?.end ?? 0)) return missing("delete-beyond-clock", !guard.isServer(client));
  // Items of this update: a device may delete its own new interactions, never an intent.
  if (r !== undefined && end > r.start) {
    for (let i = r.first; i <= r.last; i++) {
      const s = update.structs[i] as DecodedStruct;
      if (s.clock + s.length <= Math.max(clock, r.start) || s.clock >= end) continue;
      const t = targets.get(i);
      if (t != null && t.map === INTENTS) return forbidden("deletes-intent");
    }
  }
  // Items of the room: already deleted, or a device's interaction.
  const roomEnd = Math.min(end, state);
  if (clock >= roomEnd) return OK;
  const structs = store.clients.get(client) as (Y.GC | Y.Item)[];
  // A GC run is deleted too; most structs a device's delete set covers are.
  for (let i = Y.findIndexSS(structs, clock), n = structs.length; i < n; i++) {
    const s = structs[i] as Y.GC | Y.Item;
    if (s.deleted) {
      if (s.id.clock + s.length >= roomEnd) break;
      continue;
    }
    if (s.id.clock >= roomEnd) break;
    if (!(s instanceof Y.Item)) continue;
    const parent = s.parent;
    const name = parent instanceof Y.AbstractType ? guard.rootName(parent) : undefined;
    if (name === INTENTS) return forbidden("deletes-intent");
    if (name !== INTERACTIONS || guard.isServer(client)) return forbidden("deletes-server-item");
  }
  return OK;
}
