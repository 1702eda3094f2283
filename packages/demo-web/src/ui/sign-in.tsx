/**
 * The sign-in screen: the demo org's users as one-click buttons when the server lists them,
 * and a username field for any other org user. Both start the server's OAuth login, after
 * sending a sign-out made offline (so it cannot end the new session later).
 */
import { type FormEvent, type MouseEvent, useEffect, useState } from "react";
import { type DemoUser, fetchDemoUsers, loginUrl, sendPendingSignOut } from "../session/session-api.js";

/** Starts the OAuth login of `username`, once an earlier offline sign-out has reached the server. */
function startLogin(username: string): void {
  void sendPendingSignOut(window.localStorage).then(() => window.location.assign(loginUrl(username)));
}

/** The sign-in screen. */
export function SignIn({ notice }: { notice: string | null }) {
  const [users, setUsers] = useState<DemoUser[] | null>(null);
  const [username, setUsername] = useState("");
  useEffect(() => {
    let live = true;
    void fetchDemoUsers().then((list) => {
      if (live) setUsers(list);
    });
    return () => {
      live = false;
    };
  }, []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (username.trim() !== "") startLogin(username.trim());
  };
  return (
    <main className="sign-in">
      <div className="sign-in-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          Tandem
        </div>
        <h1>Sign in to your pipeline</h1>
        <p className="muted">Your Salesforce book, on every device, online or not.</p>
        {notice !== null && (
          <p className="notice" role="alert">
            {notice}
          </p>
        )}
        {users !== null && users.length > 0 && (
          <section aria-labelledby="demo-users-title">
            <h2 id="demo-users-title">Demo users</h2>
            <ul className="user-list">
              {users.map((u) => (
                <li key={u.username}>
                  <a
                    className="user-button"
                    href={loginUrl(u.username)}
                    onClick={(event: MouseEvent) => {
                      event.preventDefault();
                      startLogin(u.username);
                    }}
                    data-testid="demo-user"
                  >
                    <span className="avatar" aria-hidden="true">
                      {u.name.slice(0, 1)}
                    </span>
                    <span>
                      <strong>{u.name}</strong>
                      <span className="muted small">{u.username}</span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        )}
        <form onSubmit={submit} className="stack">
          <label htmlFor="username">Salesforce username</label>
          <input
            id="username"
            name="username"
            type="text"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            placeholder="you@company.com"
          />
          <button type="submit" className="primary" disabled={username.trim() === ""}>
            Sign in with Salesforce
          </button>
        </form>
      </div>
    </main>
  );
}
