import { describe, expect, it } from "vitest";
import * as wsModule from "ws";
import { encodeBinaryFrame, framePayload } from "./ws-frame.js";

/** `ws` exports its frame parser at runtime, but its typings do not declare it. */
interface FrameReceiver {
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  write(chunk: Uint8Array): void;
}
const { Receiver } = wsModule as unknown as {
  Receiver: new (o: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** Decodes frames with the `ws` library's own receiver (client side: unmasked frames allowed). */
function roundTrip(payload: Uint8Array, prefix?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const r = new Receiver({ isServer: false, maxPayload: 0 });
    r.on("message", (data: Buffer, isBinary: boolean) => (isBinary ? resolve(data) : reject(new Error("not binary"))));
    r.on("error", reject);
    r.write(encodeBinaryFrame(payload, prefix));
  });
}

describe("encodeBinaryFrame", () => {
  it("produces frames the ws receiver decodes, for each length encoding", async () => {
    for (const len of [0, 1, 125, 126, 65535, 65536, 200_000]) {
      const payload = new Uint8Array(len).map((_, i) => i % 251);
      const out = await roundTrip(payload);
      expect(out.length).toBe(len);
      expect(Buffer.compare(out, Buffer.from(payload))).toBe(0);
      expect(Buffer.compare(framePayload(encodeBinaryFrame(payload)), Buffer.from(payload))).toBe(0);
    }
  });

  it("frames a prefix and a payload as one message, across the length encodings", async () => {
    const prefix = new Uint8Array([0, 2, 7]);
    for (const len of [0, 122, 123, 65532, 65533, 200_000]) {
      const payload = new Uint8Array(len).map((_, i) => i % 253);
      const whole = Buffer.concat([prefix, payload]);
      expect(Buffer.compare(await roundTrip(payload, prefix), whole)).toBe(0);
      expect(Buffer.compare(framePayload(encodeBinaryFrame(payload, prefix)), whole)).toBe(0);
    }
  });
});
