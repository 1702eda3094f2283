/**
 * The clock service: every time-dependent part of the server (sessions, tickets, rate
 * limits) reads time through it, so tests can move time without sleeping.
 */

/** Milliseconds since the epoch. */
export interface Clock {
  /** The current time, in milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
