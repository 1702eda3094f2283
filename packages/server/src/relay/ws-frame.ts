/**
 * Server-to-client websocket framing (RFC 6455 §5.2) for broadcast: one unmasked binary
 * frame built once and written to every socket of a room, instead of letting `ws` frame the
 * same payload once per socket.
 */

/** Encodes `payload` as one final, unmasked binary frame. */
export function encodeBinaryFrame(payload: Uint8Array): Buffer {
  const len = payload.length;
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
  frame.set(payload, headerLength);
  return frame;
}
