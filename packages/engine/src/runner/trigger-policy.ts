/**
 * When to run a sync cycle (docs/architecture.md, "The sync cycle", triggers): a pure state machine the server and embedding
 * apps share. New intents are debounced (~1 s); a device connecting after a quiet period syncs
 * at once; otherwise a schedule (5 min by default) runs, stretched while the org's API usage is
 * high; a failed cycle retries with growing delays, never later than the schedule.
 *
 * Invariants: pure (time is a parameter, state is a value); at most one cycle runs at a time;
 * `nextRunAt` never returns a time before the cycle in progress has finished.
 */

/** Configuration of the trigger policy. */
export interface TriggerConfig {
  /** Wait this long after the latest new intent (default 1,000 ms)… */
  readonly debounceMs: number;
  /** …but never longer than this after the first one (default 5,000 ms). */
  readonly maxDebounceMs: number;
  /** A device connecting after this long without any device syncs at once (default 60 s). */
  readonly quietMs: number;
  /** The regular schedule (default 5 min). */
  readonly scheduleMs: number;
  /** API usage share from which the schedule stretches (default 0.5), and to how much at 100 % (default 6×). */
  readonly highUsage: number;
  readonly maxStretch: number;
  /** First retry delay after a failed cycle (default 15 s), doubling per failure. */
  readonly retryMs: number;
}

/** The default trigger configuration. */
export const DEFAULT_TRIGGER_CONFIG: TriggerConfig = {
  debounceMs: 1_000,
  maxDebounceMs: 5_000,
  quietMs: 60_000,
  scheduleMs: 300_000,
  highUsage: 0.5,
  maxStretch: 6,
  retryMs: 15_000,
};

/** The policy's state. */
export interface TriggerState {
  readonly running: boolean;
  readonly lastCycleAt: number | null;
  readonly failures: number;
  /** First and latest new intent since the last cycle started. */
  readonly firstIntentAt: number | null;
  readonly lastIntentAt: number | null;
  /** A device connected after a quiet period: run as soon as possible. */
  readonly connectDue: boolean;
  readonly devicesConnected: number;
  readonly lastDeviceSeenAt: number | null;
  readonly usageRatio: number;
  /** The last cycle left pages of a first sync to read: run again as soon as possible. */
  readonly moreDue?: boolean | undefined;
}

/** Something that happened. */
export type TriggerEvent =
  | { readonly type: "intent"; readonly at: number }
  | { readonly type: "deviceConnected"; readonly at: number }
  | { readonly type: "deviceDisconnected"; readonly at: number }
  | { readonly type: "cycleStarted"; readonly at: number }
  | {
      readonly type: "cycleFinished";
      readonly at: number;
      readonly ok: boolean;
      readonly apiUsage?: { readonly used: number; readonly max: number } | undefined;
      /** The cycle's report said `more` (a first sync reading pages): the next one runs at once. */
      readonly more?: boolean | undefined;
    };

/** The state before anything happened: the first cycle is due at once. */
export const INITIAL_TRIGGER_STATE: TriggerState = {
  running: false,
  lastCycleAt: null,
  failures: 0,
  firstIntentAt: null,
  lastIntentAt: null,
  connectDue: false,
  devicesConnected: 0,
  lastDeviceSeenAt: null,
  usageRatio: 0,
};

/**
 * The next state after `event`.
 *
 * @example
 * ```ts
 * let s = INITIAL_TRIGGER_STATE;
 * s = reduceTrigger(s, { type: "intent", at: now }, DEFAULT_TRIGGER_CONFIG);
 * const wakeAt = nextRunAt(s, DEFAULT_TRIGGER_CONFIG); // now + 1 s
 * ```
 */
export function reduceTrigger(state: TriggerState, event: TriggerEvent, config: TriggerConfig): TriggerState {
  switch (event.type) {
    case "intent":
      return { ...state, firstIntentAt: state.firstIntentAt ?? event.at, lastIntentAt: event.at };
    case "deviceConnected": {
      const quiet =
        state.devicesConnected === 0 &&
        (state.lastDeviceSeenAt === null || event.at - state.lastDeviceSeenAt >= config.quietMs);
      return {
        ...state,
        connectDue: state.connectDue || quiet,
        devicesConnected: state.devicesConnected + 1,
        lastDeviceSeenAt: event.at,
      };
    }
    case "deviceDisconnected":
      return { ...state, devicesConnected: Math.max(0, state.devicesConnected - 1), lastDeviceSeenAt: event.at };
    case "cycleStarted":
      return { ...state, running: true, firstIntentAt: null, lastIntentAt: null, connectDue: false };
    case "cycleFinished": {
      const usage = event.apiUsage;
      return {
        ...state,
        running: false,
        lastCycleAt: event.at,
        failures: event.ok ? 0 : state.failures + 1,
        // A failed cycle keeps what it was doing; its retry backs off as usual.
        moreDue: event.ok ? event.more === true : state.moreDue,
        usageRatio: usage !== undefined && usage.max > 0 ? usage.used / usage.max : state.usageRatio,
      };
    }
  }
}

/** The schedule interval after stretching for API usage. */
export function scheduleInterval(state: TriggerState, config: TriggerConfig): number {
  if (state.usageRatio <= config.highUsage) return config.scheduleMs;
  const over = Math.min(1, (state.usageRatio - config.highUsage) / Math.max(1e-9, 1 - config.highUsage));
  return Math.round(config.scheduleMs * (1 + over * (config.maxStretch - 1)));
}

/**
 * When the next cycle should start (ms since epoch); `null` while one is running.
 *
 * @remarks A value at or before now means "run now". The earliest of: the debounced intents,
 * a device connect after quiet, a first sync with pages left, a retry after failure, the
 * (stretched) schedule.
 */
export function nextRunAt(state: TriggerState, config: TriggerConfig): number | null {
  if (state.running) return null;
  if (state.lastCycleAt === null) return 0;
  const candidates: number[] = [];
  if (state.firstIntentAt !== null && state.lastIntentAt !== null) {
    candidates.push(Math.min(state.lastIntentAt + config.debounceMs, state.firstIntentAt + config.maxDebounceMs));
  }
  if (state.connectDue) candidates.push(state.lastCycleAt);
  if (state.moreDue === true && state.failures === 0) candidates.push(state.lastCycleAt);
  const interval = scheduleInterval(state, config);
  if (state.failures > 0) {
    candidates.push(state.lastCycleAt + Math.min(interval, config.retryMs * 2 ** (state.failures - 1)));
  }
  candidates.push(state.lastCycleAt + interval);
  return Math.min(...candidates);
}
