/**
 * A bounded reader for untrusted y-protocols bytes.
 *
 * lib0's decoder reads past the end of its array as `undefined` instead of failing, so a
 * crafted length can make Yjs loop for a very long time or allocate without bound (yjs #687).
 * This reader throws a {@link WireError} on every out-of-range read, on varints wider than
 * 53 bits and on counts that cannot fit in the bytes that remain; it never allocates more
 * than the input it was given.
 */

/** Why an untrusted frame was rejected. */
export class WireError extends Error {
  override readonly name = "WireError";
  /** A short, log-safe reason such as `truncated` or `varint-too-long`. */
  readonly reason: string;
  constructor(reason: string) {
    super(`malformed frame: ${reason}`);
    this.reason = reason;
  }
}

/** Sequential reader over one Uint8Array; every read is bounds-checked. */
export class WireReader {
  readonly bytes: Uint8Array;
  pos: number;
  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /** Bytes not read yet. */
  remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Reads one byte. */
  readUint8(): number {
    const b = this.bytes[this.pos];
    if (b === undefined) throw new WireError("truncated");
    this.pos++;
    return b;
  }

  /** Reads an unsigned LEB128 varint of at most 53 bits, as lib0 writes it. */
  readVarUint(): number {
    let num = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.readUint8();
      num += (b & 0x7f) * mult;
      if (b < 0x80) {
        if (num > Number.MAX_SAFE_INTEGER) throw new WireError("varint-out-of-range");
        return num;
      }
      mult *= 128;
    }
    throw new WireError("varint-too-long");
  }

  /** Reads a count and checks that `count * minBytesEach` bytes can still follow. */
  readCount(minBytesEach: number): number {
    const n = this.readVarUint();
    if (n * minBytesEach > this.remaining()) throw new WireError("count-exceeds-input");
    return n;
  }

  /** Skips a signed lib0 varint (sign in bit 6 of the first byte). */
  skipVarInt(): void {
    for (let i = 0; i < 8; i++) {
      if (this.readUint8() < 0x80) return;
    }
    throw new WireError("varint-too-long");
  }

  /** Reads a length-prefixed byte array as a view (no copy). */
  readVarBytes(): Uint8Array {
    const len = this.readVarUint();
    if (len > this.remaining()) throw new WireError("truncated");
    const view = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return view;
  }

  /** Reads a length-prefixed UTF-8 string. */
  readVarString(): string {
    return textDecoder.decode(this.readVarBytes());
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    if (n > this.remaining()) throw new WireError("truncated");
    this.pos += n;
  }

  /** Skips one lib0 `writeAny` value, with a nesting limit. */
  skipAny(depth = 0): void {
    if (depth > 64) throw new WireError("any-too-deep");
    const tag = this.readUint8();
    switch (tag) {
      case 127: // undefined
      case 126: // null
      case 121: // false
      case 120: // true
        return;
      case 125:
        this.skipVarInt();
        return;
      case 124:
        this.skip(4);
        return;
      case 123:
      case 122:
        this.skip(8);
        return;
      case 119:
      case 116:
        this.readVarBytes();
        return;
      case 118: {
        const n = this.readCount(2);
        for (let i = 0; i < n; i++) {
          this.readVarBytes();
          this.skipAny(depth + 1);
        }
        return;
      }
      case 117: {
        const n = this.readCount(1);
        for (let i = 0; i < n; i++) this.skipAny(depth + 1);
        return;
      }
      default:
        throw new WireError("unknown-any-tag");
    }
  }
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
