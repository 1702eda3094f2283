/**
 * Answers to a device's sync step 1: from the live document once everything in it is durable,
 * or, for a device that has nothing in a large room, from the room's stored log.
 */
import type { Logger } from "../obs/logger.js";
import type { RoomStore } from "../store/store.js";
import { CloseCode } from "./close-codes.js";
import { answerSyncStep1, SyncType, updateMessageHeader } from "./protocol.js";
import type { Room, RoomPeer } from "./room.js";

/** Contains a failure of one room (the registry's `failRoom`). */
export type Fail = (room: Room, stage: string, err: unknown) => void;

/** Answers a client's sync step 1 from the live document, once everything in it is durable. */
export function answerFromDoc(room: Room, stateVector: Uint8Array, peer: RoomPeer, fail: Fail): void {
  const answer = (): void => {
    if (!room.peers.has(peer) || room.failed) return;
    let bytes: Uint8Array;
    try {
      bytes = answerSyncStep1(room.doc, stateVector);
    } catch (err) {
      fail(room, "encode", err);
      return;
    }
    peer.deliver(bytes);
  };
  if (room.hasUncommitted()) room.deferred.push(answer);
  else answer();
}

/**
 * Answers a device that has nothing in a large room with the room's stored log instead of
 * an encode of the live document, which would stall every room (about 3 s for a large
 * book): step 2 carries the log's first record (after a compaction, the snapshot or its
 * first piece), update messages the rest, each written to the socket uncopied. The log holds only what is
 * durable, as an answer must; what is committed after the store reads it reaches the device
 * as broadcasts, possibly before this answer (Yjs holds such updates until their
 * dependencies arrive).
 */
export function answerFromLog(room: Room, peer: RoomPeer, store: RoomStore, logger: Logger, fail: Fail): void {
  store.loadRoom(room.name).then(
    (log) => {
      if (!room.peers.has(peer)) return;
      let sub: number = SyncType.step2;
      for (const u of log.updates) {
        const head = updateMessageHeader(u.length, sub);
        if (peer.deliverParts) peer.deliverParts(head, u);
        else peer.deliver(Buffer.concat([head, u]));
        sub = SyncType.update;
      }
      // Nothing stored yet: the usual answer, from the document once it is durable.
      if (sub === SyncType.step2) answerFromDoc(room, new Uint8Array([0]), peer, fail);
    },
    (err: unknown) => {
      logger.log("error", "store.load_failed", { room: room.name, error: String(err) });
      peer.evict(CloseCode.storeFailure, "store failure");
    },
  );
}
