/**
 * A Bayeux 1.0 server for the Streaming API's long-polling transport, transport-free: `handle`
 * takes one POST's messages and the request's user and answers the reply messages. Clients
 * handshake, subscribe to change event channels (with the replay extension), and hold
 * `/meta/connect` open until an event arrives or `connectTimeoutMs` passes.
 *
 * Invariants: a client's events are delivered in replay-id order, each once per subscribed
 * channel, in the response of its next `/meta/connect`; a client that neither holds nor sends a
 * connect for `clientTimeoutMs` is forgotten (its next call gets `403::Unknown client` with advice
 * to handshake again); only users with View All Data receive events (channels.ts).
 */
import { randomBytes } from "node:crypto";
import type { Org } from "../store/org.js";
import { BAYEUX_ERRORS, type BayeuxMessage, type BAYEUX_ERRORS as Errors } from "./bayeux-types.js";
import { type ChannelScope, canSeeAllData, readChannel } from "./channels.js";
import type { ChangeEventLog, LoggedEvent } from "./event-log.js";

/** Timing of the long-polling transport. */
export interface BayeuxTimings {
  /** How long a `/meta/connect` is held without events (Salesforce: 110 s). */
  readonly connectTimeoutMs: number;
  /** How long a client may go without connecting before it is forgotten (Salesforce: ~40 s). */
  readonly clientTimeoutMs: number;
}

/** The request's authentication, as the route resolved it. */
export type BayeuxAuth =
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "invalid" }
  | { readonly kind: "missing" };

/** Streaming request counts for the control API's stats (not API usage). */
export interface StreamingStats {
  readonly requests: number;
  readonly byChannel: Readonly<Record<string, number>>;
  readonly eventsPublished: number;
  readonly eventsDelivered: number;
  readonly clients: number;
}

interface Client {
  readonly id: string;
  readonly userId: string;
  readonly channels: Map<string, { scope: ChannelScope; allData: boolean }>;
  readonly queue: Reply[];
  wake: (() => void) | undefined;
  connected: boolean;
  lastSeenMs: number;
  ended: "disconnected" | "dropped" | undefined;
}

type Reply = Record<string, unknown>;

/** The Bayeux server of one org. */
export class BayeuxServer {
  readonly #org: Org;
  readonly #log: ChangeEventLog;
  readonly #timings: BayeuxTimings;
  readonly #now: () => number;
  readonly #clients = new Map<string, Client>();
  readonly #byChannel = new Map<string, number>();
  #requests = 0;
  #published = 0;
  #delivered = 0;

  constructor(org: Org, log: ChangeEventLog, timings: BayeuxTimings, now: () => number = Date.now) {
    this.#org = org;
    this.#log = log;
    this.#timings = timings;
    this.#now = now;
  }

  /** Answers one HTTP request's messages: HTTP status and reply messages. */
  async handle(input: unknown, auth: BayeuxAuth): Promise<{ status: number; body: Reply[] }> {
    this.#requests++;
    this.#sweep();
    const messages = (Array.isArray(input) ? input : [input]).filter(
      (m): m is BayeuxMessage =>
        typeof m === "object" && m !== null && typeof (m as BayeuxMessage).channel === "string",
    );
    for (const m of messages) this.#byChannel.set(m.channel, (this.#byChannel.get(m.channel) ?? 0) + 1);
    if (messages.length === 0) {
      return { status: 400, body: [{ channel: "/meta/unknown", successful: false, error: "400::Invalid message" }] };
    }
    if (auth.kind !== "user") return { status: 401, body: messages.map((m) => authFailure(m, auth.kind)) };
    const replies: Reply[] = [];
    const connects: BayeuxMessage[] = [];
    for (const m of messages) {
      if (m.channel === "/meta/connect") connects.push(m);
      else replies.push(...this.#handleOne(m, auth.userId));
    }
    for (const m of connects) replies.push(...(await this.#connect(m)));
    return { status: 200, body: replies };
  }

  /** Queues an event for every client subscribed to a channel it belongs to, and wakes them. */
  deliver(event: LoggedEvent): void {
    this.#published++;
    for (const client of this.#clients.values()) {
      for (const [channel, sub] of client.channels) this.#offer(client, channel, sub, event);
      if (client.queue.length > 0) client.wake?.();
    }
  }

  /** Forgets every client (as a server restart or network loss would); answers how many. */
  dropAll(): number {
    const n = this.#clients.size;
    for (const client of [...this.#clients.values()]) this.#end(client, "dropped");
    return n;
  }

  /** Ends every held connect (the emulator is closing). */
  close(): void {
    this.dropAll();
  }

  /** Request and event counts since start. */
  stats(): StreamingStats {
    return {
      requests: this.#requests,
      byChannel: Object.fromEntries(this.#byChannel),
      eventsPublished: this.#published,
      eventsDelivered: this.#delivered,
      clients: this.#clients.size,
    };
  }

  #offer(client: Client, channel: string, sub: { scope: ChannelScope; allData: boolean }, event: LoggedEvent): void {
    const matches = sub.scope.kind === "all" ? sub.allData : sub.scope.object === event.entityName;
    if (!matches) return;
    client.queue.push({ channel, data: event.data });
  }

  #handleOne(m: BayeuxMessage, userId: string): Reply[] {
    if (m.channel === "/meta/handshake") return [this.#handshake(m, userId)];
    const client = typeof m.clientId === "string" ? this.#clients.get(m.clientId) : undefined;
    if (!client) return [unknownClient(m)];
    client.lastSeenMs = this.#now();
    const base = { channel: m.channel, id: m.id, clientId: client.id };
    switch (m.channel) {
      case "/meta/subscribe":
        return [this.#subscribe(m, client)];
      case "/meta/unsubscribe":
        if (typeof m.subscription !== "string") return [{ ...base, successful: false, error: BAYEUX_ERRORS.noChannel }];
        client.channels.delete(m.subscription);
        return [{ ...base, subscription: m.subscription, successful: true }];
      case "/meta/disconnect":
        this.#end(client, "disconnected");
        return [{ ...base, successful: true }];
      default:
        return [{ ...base, successful: false, error: BAYEUX_ERRORS.publishDenied }];
    }
  }

  #handshake(m: BayeuxMessage, userId: string): Reply {
    const types = Array.isArray(m.supportedConnectionTypes) ? m.supportedConnectionTypes : [];
    if (!types.includes("long-polling")) {
      return {
        channel: m.channel,
        id: m.id,
        successful: false,
        error: BAYEUX_ERRORS.connectionType(String(types[0] ?? "")),
        advice: { reconnect: "none" },
      };
    }
    const id = randomBytes(17)
      .toString("base64url")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "0");
    this.#clients.set(id, {
      id,
      userId,
      channels: new Map(),
      queue: [],
      wake: undefined,
      connected: false,
      lastSeenMs: this.#now(),
      ended: undefined,
    });
    return {
      ext: { replay: true, "payload.format": true },
      minimumVersion: "1.0",
      clientId: id,
      supportedConnectionTypes: ["long-polling"],
      advice: this.#advice(),
      channel: m.channel,
      id: m.id,
      version: "1.0",
      successful: true,
    };
  }

  #subscribe(m: BayeuxMessage, client: Client): Reply {
    const channel = m.subscription;
    const base = { channel: m.channel, id: m.id, clientId: client.id, subscription: channel };
    const fail = (error: string): Reply => ({ ...base, successful: false, error });
    if (typeof channel !== "string" || channel === "") return fail(BAYEUX_ERRORS.noChannel);
    if (!channel.startsWith("/")) return fail(BAYEUX_ERRORS.leadingSlash);
    const scope = readChannel(channel);
    if (!scope) return fail(BAYEUX_ERRORS.noSuchChannel(channel));
    const allData = canSeeAllData(this.#org, client.userId);
    if (scope.kind === "object" && !allData) return fail(BAYEUX_ERRORS.insufficientPermissions(channel));
    const replayMap = m.ext?.replay;
    const replayId =
      typeof replayMap === "object" && replayMap !== null ? (replayMap as Record<string, unknown>)[channel] : undefined;
    const start = this.#log.replayFrom(replayId);
    if (start.kind === "invalid") return fail(BAYEUX_ERRORS.invalidReplayId(start.replayId));
    const sub = { scope, allData };
    client.channels.set(channel, sub);
    for (const event of start.events) this.#offer(client, channel, sub, event);
    if (client.queue.length > 0) client.wake?.();
    return { ...base, successful: true };
  }

  async #connect(m: BayeuxMessage): Promise<Reply[]> {
    const client = typeof m.clientId === "string" ? this.#clients.get(m.clientId) : undefined;
    if (!client) return [unknownClient(m)];
    if (m.connectionType !== "long-polling") {
      return [
        {
          channel: m.channel,
          id: m.id,
          clientId: client.id,
          successful: false,
          error: BAYEUX_ERRORS.connectionType(String(m.connectionType)),
        },
      ];
    }
    // The first connect after a handshake answers at once (it carries the advice).
    if (client.connected && client.queue.length === 0) await this.#hold(client);
    client.connected = true;
    client.lastSeenMs = this.#now();
    if (client.ended === "dropped") return [unknownClient(m)];
    const events = client.queue.splice(0);
    this.#delivered += events.length;
    const advice = client.ended === "disconnected" ? { reconnect: "none", interval: 0 } : this.#advice();
    return [...events, { channel: m.channel, id: m.id, clientId: client.id, successful: true, advice }];
  }

  #hold(client: Client): Promise<void> {
    client.wake?.();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (client.wake === done) client.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#timings.connectTimeoutMs);
      client.wake = done;
    });
  }

  #end(client: Client, how: "disconnected" | "dropped"): void {
    client.ended = how;
    this.#clients.delete(client.id);
    client.wake?.();
  }

  #sweep(): void {
    const cutoff = this.#now() - this.#timings.clientTimeoutMs;
    for (const client of [...this.#clients.values()]) {
      if (!client.wake && client.lastSeenMs < cutoff) this.#end(client, "dropped");
    }
  }

  #advice(): Reply {
    return { reconnect: "retry", interval: 0, timeout: this.#timings.connectTimeoutMs };
  }
}

function unknownClient(m: BayeuxMessage): Reply {
  return {
    channel: m.channel,
    id: m.id,
    clientId: m.clientId,
    successful: false,
    error: BAYEUX_ERRORS.unknownClient,
    advice: { reconnect: "handshake", interval: 0 },
  };
}

function authFailure(m: BayeuxMessage, kind: "invalid" | "missing"): Reply {
  const reason: (typeof Errors)["authInvalid" | "authRequired"] =
    kind === "missing" ? BAYEUX_ERRORS.authRequired : BAYEUX_ERRORS.authInvalid;
  if (m.channel === "/meta/handshake") {
    return {
      ext: { sfdc: { failureReason: reason }, replay: true },
      advice: { reconnect: "none" },
      channel: m.channel,
      id: m.id,
      error: BAYEUX_ERRORS.handshakeDenied,
      successful: false,
    };
  }
  return {
    clientId: m.clientId,
    advice: { reconnect: "none", interval: 0 },
    channel: m.channel,
    id: m.id,
    error: reason,
    successful: false,
  };
}
