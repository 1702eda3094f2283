/**
 * Server-to-client websocket framing (RFC 6455 §5.2) for broadcast: one unmasked binary
 * frame built once and written to every socket of a room, instead of letting `ws` frame the
 * same payload once per socket.
 */

/**
 * Encodes `prefix` followed by `payload` as one final, unmasked binary frame: one allocation
 * and one copy of each, so that a large update is copied once on its way to the sockets.
 */
export function encodeBinaryFrame(payload: Uint8Array, prefix?: Uint8Array): Buffer {
  const before = prefix?.length ?? 0;
  const len = before + payload.length;
  const headerLength = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + len);
  frame[0] = 0x82; // FIN + binary opcode
  if (len < 126) frame[1] = len;
  else if (len < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  if (prefix) frame.set(prefix, headerLength);
  frame.set(payload, headerLength + before);
  return frame;
}

/** The payload of a frame made by {@link encodeBinaryFrame} (a view, not a copy). */
export function framePayload(frame: Buffer): Buffer {
  const code = frame[1] ?? 0;
  return frame.subarray(code < 126 ? 2 : code === 126 ? 4 : 10);
}
