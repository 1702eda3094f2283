/**
 * Signing out without losing unsent work (issue 25, bug 1). Sign out deletes this device's copy
 * of the book, so while changes have not reached Salesforce it first asks, in a modal: wait and
 * sign out once they are sent (online in seconds; offline once the device is back online), keep
 * signing in, or — an explicit choice — delete them and sign out. While waiting, a banner says
 * so and can cancel.
 *
 * Invariant: a pending intent is deleted only after the user chose "Delete … and sign out" in
 * the warning; with nothing pending, sign out goes ahead at once.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { SignOutScope } from "../session/session-api.js";
import { pendingCount } from "../view-model/view-model.js";
import { useConnectionState, useSnapshot } from "./book-context.js";

/** A sign-out the user asked for while changes were pending. */
interface SignOutRequest {
  readonly scope: SignOutScope;
  /** True once the user chose to sign out when the changes are sent. */
  readonly waiting: boolean;
}

/** What the book screen needs to offer sign-out. */
export interface SignOutFlow {
  /** True once sign-out is under way (the buttons are disabled). */
  readonly busy: boolean;
  readonly request: SignOutRequest | null;
  readonly pending: number;
  readonly online: boolean;
  /** The user clicked a sign-out button. */
  ask(scope: SignOutScope): void;
  wait(): void;
  cancel(): void;
  /** Signs out now, deleting what is not sent yet (after the warning). */
  discard(): void;
}

/**
 * The sign-out flow of the open book: signs out at once with nothing pending, else holds a
 * request until the user chooses, and finishes a waiting request once nothing is pending.
 */
export function useSignOut(onSignOut: (scope: SignOutScope) => Promise<void>): SignOutFlow {
  const snapshot = useSnapshot();
  const { online } = useConnectionState();
  const pending = pendingCount(snapshot);
  const [request, setRequest] = useState<SignOutRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const finish = useCallback(
    (scope: SignOutScope) => {
      setBusy(true);
      setRequest(null);
      void onSignOut(scope);
    },
    [onSignOut],
  );
  useEffect(() => {
    // Receipts of the worker bring `pending` to 0 only once Salesforce has every change.
    if (request?.waiting === true && pending === 0 && online) finish(request.scope);
  }, [request, pending, online, finish]);
  return {
    busy,
    request,
    pending,
    online,
    ask: (scope) => {
      if (pending === 0) finish(scope);
      else setRequest({ scope, waiting: false });
    },
    wait: () => setRequest((r) => (r === null ? r : { ...r, waiting: true })),
    cancel: () => setRequest(null),
    discard: () => {
      if (request !== null) finish(request.scope);
    },
  };
}

function changes(n: number): string {
  return n === 1 ? "1 change has" : `${n} changes have`;
}

/** The warning shown when sign-out would delete changes not sent yet. */
export function SignOutDialog({ flow }: { flow: SignOutFlow }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  const { pending } = flow;
  const everywhere = flow.request?.scope === "everywhere";
  return (
    <dialog
      ref={ref}
      className="dialog"
      role="alertdialog"
      aria-labelledby="sign-out-title"
      aria-describedby="sign-out-text"
      onClose={() => {
        if (flow.request?.waiting !== true) flow.cancel();
      }}
      data-testid="sign-out-dialog"
    >
      <div className="stack">
        <h2 id="sign-out-title">{everywhere ? "Sign out everywhere?" : "Sign out?"}</h2>
        {pending === 0 ? (
          <AllSent flow={flow} onKeep={() => ref.current?.close()} />
        ) : (
          <Unsent flow={flow} onKeep={() => ref.current?.close()} />
        )}
      </div>
    </dialog>
  );
}

/** The warning's body once every change reached Salesforce while it was open. */
function AllSent({ flow, onKeep }: { flow: SignOutFlow; onKeep: () => void }) {
  return (
    <>
      <p id="sign-out-text">Your changes have reached Salesforce: signing out loses nothing.</p>
      <div className="row-actions">
        <button type="button" className="primary" onClick={flow.discard}>
          Sign out
        </button>
        <button type="button" onClick={onKeep}>
          Keep me signed in
        </button>
      </div>
    </>
  );
}

/** The warning's body while changes are not sent yet. */
function Unsent({ flow, onKeep }: { flow: SignOutFlow; onKeep: () => void }) {
  const { pending, online } = flow;
  const them = pending === 1 ? "it" : "them";
  return (
    <>
      <p id="sign-out-text">
        <strong>{changes(pending)} not reached Salesforce yet.</strong> Signing out deletes this device's copy of your
        book, so {them} would never be sent.
      </p>
      <p className="muted">
        {online
          ? `Tandem is sending ${them} now; that usually takes a few seconds.`
          : `You are offline: Tandem sends ${them} when you are back online.`}
      </p>
      <div className="row-actions">
        <button type="button" className="primary" onClick={flow.wait} data-testid="sign-out-wait">
          Sign out when sent
        </button>
        <button type="button" onClick={onKeep}>
          Keep me signed in
        </button>
        <button type="button" className="danger" onClick={flow.discard} data-testid="sign-out-discard">
          Delete {them} and sign out
        </button>
      </div>
    </>
  );
}

/** The banner shown while sign-out waits for changes to reach Salesforce. */
export function SignOutWaiting({ flow }: { flow: SignOutFlow }) {
  const { pending, online } = flow;
  return (
    <div className="sign-out-waiting" role="status" data-testid="sign-out-waiting">
      <span>
        Signing out once {pending === 1 ? "your change reaches" : `your ${pending} changes reach`} Salesforce.{" "}
        {online ? "Sending now…" : "You are offline: sending when you are back online."}
      </span>
      <button type="button" className="link" onClick={flow.cancel}>
        Stay signed in
      </button>
    </div>
  );
}
