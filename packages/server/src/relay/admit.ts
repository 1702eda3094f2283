/**
 * The relay's admission port: before a socket joins a room, the relay asks an {@link Admit}
 * callback, which the composition root builds from auth (`auth/admission.ts`). The relay knows
 * nothing of tickets, sessions or hashes; auth depends on the relay's port, never the reverse.
 */

/** The outcome of an admission: who is on the socket, or the close code that refuses it. */
export type Admission =
  | { readonly ok: true; readonly orgId: string; readonly userId: string; readonly room: string }
  | {
      readonly ok: false;
      /** A close code of `close-codes.ts`. */
      readonly code: number;
      readonly orgId?: string | undefined;
      readonly userId?: string | undefined;
    };

/** Decides whether `ticket` (null when the URL had none) admits a socket to `room`. */
export type Admit = (room: string, ticket: string | null) => Promise<Admission>;
