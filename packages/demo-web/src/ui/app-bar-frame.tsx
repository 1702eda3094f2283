/**
 * The app bar's markup (brand, calendar import, user, sign out, sign out everywhere), shared by
 * the live book screen and the frame painted from a snapshot before the book has loaded.
 *
 * Invariant: presentational only; with `onImport`/`onSignOut` absent its buttons are disabled
 * (the frame painted from a snapshot: those actions need the doc).
 */
import type { SignOutScope } from "../session/session-api.js";

/** Props of {@link AppBarFrame}. */
export interface AppBarFrameProps {
  readonly userName: string;
  /** Opens the calendar import; absent while the book loads. */
  readonly onImport?: (() => void) | undefined;
  /** Starts a sign-out; absent while the book loads. */
  readonly onSignOut?: ((scope: SignOutScope) => void) | undefined;
  /** A sign-out is under way. */
  readonly busy?: boolean | undefined;
}

/** The app bar. */
export function AppBarFrame({ userName, onImport, onSignOut, busy = false }: AppBarFrameProps) {
  const loading = onSignOut === undefined;
  return (
    <header className="app-bar">
      <a className="brand" href="#/">
        <span className="brand-mark" aria-hidden="true">
          T
        </span>
        Tandem
      </a>
      <nav className="app-actions" aria-label="Account">
        <button type="button" disabled={onImport === undefined} onClick={onImport} data-testid="open-ics">
          Import calendar
        </button>
        <span className="user" data-testid="user-name">
          <span className="avatar" aria-hidden="true">
            {userName.slice(0, 1)}
          </span>
          <span className="user-label">{userName}</span>
        </span>
        <button type="button" disabled={busy || loading} onClick={() => onSignOut?.("device")} data-testid="sign-out">
          Sign out
        </button>
        <button
          type="button"
          className="sign-out-everywhere"
          disabled={busy || loading}
          onClick={() => onSignOut?.("everywhere")}
          title="Sign out on all your devices and end Tandem's access to Salesforce"
          data-testid="sign-out-everywhere"
        >
          Sign out everywhere
        </button>
      </nav>
    </header>
  );
}
