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
  const headerLength = frameHeaderLength(len);
  const frame = Buffer.allocUnsafe(headerLength + len);
  writeFrameHeader(frame, len);
  if (prefix) frame.set(prefix, headerLength);
  frame.set(payload, headerLength + before);
  return frame;
}

/**
 * The start of a binary frame whose payload is `prefix` followed by `length` more bytes: the
 * frame header and `prefix`, so that the rest can be written to the socket after it uncopied.
 */
export function binaryFrameStart(prefix: Uint8Array, length: number): Buffer {
  const len = prefix.length + length;
  const headerLength = frameHeaderLength(len);
  const start = Buffer.allocUnsafe(headerLength + prefix.length);
  writeFrameHeader(start, len);
  start.set(prefix, headerLength);
  return start;
}

function frameHeaderLength(len: number): number {
  return len < 126 ? 2 : len < 65536 ? 4 : 10;
}

function writeFrameHeader(frame: Buffer, len: number): void {
  frame[0] = 0x82; // FIN + binary opcode
  if (len < 126) frame[1] = len;
  else if (len < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
}

/** The payload of a frame made by {@link encodeBinaryFrame} (a view, not a copy). */
export function framePayload(frame: Buffer): Buffer {
  const code = frame[1] ?? 0;
  return frame.subarray(code < 126 ? 2 : code === 126 ? 4 : 10);
}
