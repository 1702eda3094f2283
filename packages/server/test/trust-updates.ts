/**
 * Hand-made Yjs v1 updates for the relay's trust-boundary tests: an encoder that lays out
 * exactly the groups, structs and delete set it is given (origins, parents and counts Yjs
 * itself would never write), deeply nested values as JSON text and as lib0 `writeAny` bytes,
 * and `capture`, the update a stock client would send for a write.
 */
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/** Content of a hand-made item. */
export type CraftContent =
  | { readonly ref: "json"; readonly texts: readonly string[] }
  | { readonly ref: "any"; readonly values: readonly unknown[] }
  /** One `any` value given as raw lib0 `writeAny` bytes (e.g. nesting lib0 cannot write). */
  | { readonly ref: "anyBytes"; readonly bytes: Uint8Array }
  | { readonly ref: "deleted"; readonly length: number }
  | { readonly ref: "string"; readonly text: string }
  | { readonly ref: "type"; readonly typeRef: number };

/** A hand-made struct. */
export type CraftStruct =
  | {
      readonly kind: "item";
      readonly origin?: readonly [number, number] | undefined;
      readonly right?: readonly [number, number] | undefined;
      /** A root type's name, or a nested type's id; only written without origins. */
      readonly parent?: string | readonly [number, number] | undefined;
      readonly key?: string | undefined;
      readonly content: CraftContent;
    }
  | { readonly kind: "gc" | "skip"; readonly length: number };

/** A hand-made update: client groups in the given order, and a delete set. */
export interface CraftUpdate {
  readonly groups: readonly {
    readonly client: number;
    readonly clock: number;
    readonly structs: readonly CraftStruct[];
  }[];
  readonly deletes?: readonly { readonly client: number; readonly ranges: readonly (readonly [number, number])[] }[];
}

const CONTENT_REF = { json: 2, any: 8, anyBytes: 8, deleted: 1, string: 4, type: 7 } as const;

/** Encodes `u` exactly as Yjs lays out a v1 update. */
export function craftUpdate(u: CraftUpdate): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, u.groups.length);
  for (const g of u.groups) {
    encoding.writeVarUint(e, g.structs.length);
    encoding.writeVarUint(e, g.client);
    encoding.writeVarUint(e, g.clock);
    for (const s of g.structs) {
      if (s.kind !== "item") {
        encoding.writeUint8(e, s.kind === "gc" ? 0 : 10);
        encoding.writeVarUint(e, s.length);
        continue;
      }
      const c = s.content;
      const info =
        CONTENT_REF[c.ref] |
        (s.origin ? 0x80 : 0) |
        (s.right ? 0x40 : 0) |
        (s.key !== undefined && !s.origin && !s.right ? 0x20 : 0);
      encoding.writeUint8(e, info);
      if (s.origin) {
        encoding.writeVarUint(e, s.origin[0]);
        encoding.writeVarUint(e, s.origin[1]);
      }
      if (s.right) {
        encoding.writeVarUint(e, s.right[0]);
        encoding.writeVarUint(e, s.right[1]);
      }
      if (!s.origin && !s.right) {
        if (typeof s.parent === "string" || s.parent === undefined) {
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, s.parent ?? "");
        } else {
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, s.parent[0]);
          encoding.writeVarUint(e, s.parent[1]);
        }
        if (s.key !== undefined) encoding.writeVarString(e, s.key);
      }
      switch (c.ref) {
        case "json":
          encoding.writeVarUint(e, c.texts.length);
          for (const t of c.texts) encoding.writeVarString(e, t);
          break;
        case "any":
          encoding.writeVarUint(e, c.values.length);
          for (const v of c.values) encoding.writeAny(e, v as encoding.AnyEncodable);
          break;
        case "anyBytes":
          encoding.writeVarUint(e, 1);
          encoding.writeUint8Array(e, c.bytes);
          break;
        case "deleted":
          encoding.writeVarUint(e, c.length);
          break;
        case "string":
          encoding.writeVarString(e, c.text);
          break;
        case "type":
          encoding.writeVarUint(e, c.typeRef);
          break;
      }
    }
  }
  const deletes = u.deletes ?? [];
  encoding.writeVarUint(e, deletes.length);
  for (const d of deletes) {
    encoding.writeVarUint(e, d.client);
    encoding.writeVarUint(e, d.ranges.length);
    for (const [clock, len] of d.ranges) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, len);
    }
  }
  return encoding.toUint8Array(e);
}

/** `{"id": id, "deep": [[…[0]…]]}` as JSON text, nested `depth` arrays deep. */
export function deepJsonText(id: string, depth: number): string {
  return `{"id":${JSON.stringify(id)},"deep":${"[".repeat(depth)}0${"]".repeat(depth)}}`;
}

/** The lib0 `writeAny` bytes of `{id, deep: [[…[0]…]]}`, nested `depth` arrays deep. */
export function deepAnyBytes(id: string, depth: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 118); // object
  encoding.writeVarUint(e, 2);
  encoding.writeVarString(e, "id");
  encoding.writeUint8(e, 119); // string
  encoding.writeVarString(e, id);
  encoding.writeVarString(e, "deep");
  for (let i = 0; i < depth; i++) {
    encoding.writeUint8(e, 117); // array of one
    encoding.writeVarUint(e, 1);
  }
  encoding.writeUint8(e, 125); // integer 0
  encoding.writeVarInt(e, 0);
  return encoding.toUint8Array(e);
}

/**
 * What `write` adds to `doc`, as the update a stock client sends for it (the update of each
 * transaction, merged); `undefined` when it changed nothing.
 */
export function capture(doc: Y.Doc, write: () => void): Uint8Array;
export function capture(doc: Y.Doc, write: () => void, allowEmpty: true): Uint8Array | undefined;
export function capture(doc: Y.Doc, write: () => void, allowEmpty?: true): Uint8Array | undefined {
  const updates: Uint8Array[] = [];
  const onUpdate = (u: Uint8Array): void => {
    updates.push(u);
  };
  doc.on("update", onUpdate);
  try {
    write();
  } finally {
    doc.off("update", onUpdate);
  }
  if (updates.length === 0) {
    if (allowEmpty) return undefined;
    throw new Error("the write changed nothing");
  }
  return updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates);
}
