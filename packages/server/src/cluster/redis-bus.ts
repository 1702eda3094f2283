/**
 * The {@link RoomBus} on Redis pub/sub (node-redis): one channel per room, `tandem:room:<room>`,
 * one connection to publish and one to subscribe.
 *
 * Redis pub/sub delivers at most once: a message sent while a connection is down is gone. So
 * publishing never queues (`disableOfflineQueue`; a refused publish is counted as lost), and
 * after a reconnect of the subscriber the bus calls its reconnect listeners, which catch every
 * room up from the shared store. node-redis subscribes to the rooms' channels again on its own.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import type { BusMetrics } from "../obs/bus-metrics.js";
import type { Logger } from "../obs/logger.js";
import { type BusMessage, decodeBusMessage, encodeBusMessage, type RoomBus } from "../relay/room-bus.js";

/** Options of {@link openRedisBus}. */
export interface RedisBusOptions {
  /** A `redis://` URL. */
  readonly url: string;
  /** This instance's id on the bus. Default: a random UUID. */
  readonly instanceId?: string | undefined;
  readonly logger: Logger;
  readonly metrics: BusMetrics;
}

/** Longest wait between reconnect attempts (ms). */
const MAX_RECONNECT_WAIT_MS = 1000;

function channelOf(room: string): string {
  return `tandem:room:${room}`;
}

/**
 * Connects to Redis; resolves once both connections are up.
 * @example
 * const bus = await openRedisBus({ url: "redis://127.0.0.1:6379", logger, metrics: new BusMetrics() });
 */
export async function openRedisBus(o: RedisBusOptions): Promise<RoomBus> {
  const socket = {
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 5), MAX_RECONNECT_WAIT_MS),
  };
  const pub = createClient({ url: o.url, socket, disableOfflineQueue: true });
  const sub = createClient({ url: o.url, socket });
  const reconnectListeners: (() => void)[] = [];
  let warned = false;
  for (const [role, client] of [
    ["publish", pub],
    ["subscribe", sub],
  ] as const) {
    // Without an error listener, node-redis's errors would crash the process.
    client.on("error", (err: unknown) => {
      if (warned) return;
      warned = true;
      o.logger.log("warn", "bus.connection_error", { role, error: err instanceof Error ? err.name : String(err) });
    });
  }
  let subscribedOnce = false;
  sub.on("ready", () => {
    warned = false;
    // The first ready is the connect below; every later one is a reconnect.
    if (subscribedOnce) {
      o.logger.log("info", "bus.reconnected", {});
      for (const l of reconnectListeners) l();
    }
    subscribedOnce = true;
  });
  await Promise.all([pub.connect(), sub.connect()]);
  const instanceId = o.instanceId ?? randomUUID();
  return {
    instanceId,
    async join(room, onMessage) {
      await sub.subscribe(
        channelOf(room),
        (message: Buffer) => {
          const m = decodeBusMessage(message);
          if (m) onMessage(m);
        },
        true,
      );
    },
    async leave(room) {
      if (sub.isOpen) await sub.unsubscribe(channelOf(room));
    },
    publish(room: string, message: BusMessage) {
      if (!pub.isReady) {
        o.metrics.publishFailed++;
        return;
      }
      pub.publish(channelOf(room), encodeBusMessage(message)).then(
        () => {
          o.metrics.published++;
        },
        () => {
          o.metrics.publishFailed++;
        },
      );
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    async ping() {
      await pub.ping();
    },
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}
