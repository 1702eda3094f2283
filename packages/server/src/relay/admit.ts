/**
 * The relay's admission port: before a socket joins a room, the relay asks an {@link Admit}
 * callback, which the composition root builds from auth (`auth/admission.ts`). The relay knows
 * nothing of tickets, sessions or hashes; auth depends on the relay's port, never the reverse.
 */

/** The outcome of an admission: who is on the socket, or the close code that refuses it. */
export type Admission =
  | {
      readonly ok: true;
      readonly orgId: string;
      readonly userId: string;
      readonly room: string;
      /** The session the ticket was issued from, if any: the socket lives only as long as it. */
      readonly sessionId?: string | undefined;
    }
  | {
      readonly ok: false;
      /** A close code of `close-codes.ts`. */
      readonly code: number;
      readonly orgId?: string | undefined;
      readonly userId?: string | undefined;
    };

/** Decides whether `ticket` (null when the URL had none) admits a socket to `room`. */
export type Admit = (room: string, ticket: string | null) => Promise<Admission>;

/**
 * Which of `sessionIds` still exist. The relay asks it now and then, and closes the sockets
 * whose session is gone: a user revoked on another instance, should that instance's signal be
 * lost on the way (scale-out).
 */
export type LiveSessions = (sessionIds: readonly string[]) => Promise<ReadonlySet<string>>;
