import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAuthorizeUrl } from "./oauth.js";

describe("createAuthorizeUrl", () => {
  it("builds an S256 PKCE authorize URL with an RFC 7636 verifier and a fresh state", () => {
    const a = createAuthorizeUrl({
      loginUrl: "https://login.example.com/",
      clientId: "client",
      redirectUri: "https://app.example.com/auth/callback",
      loginHint: "ada@example.com",
    });
    const url = new URL(a.url);
    expect(url.origin + url.pathname).toBe("https://login.example.com/services/oauth2/authorize");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("client_id")).toBe("client");
    expect(url.searchParams.get("redirect_uri")).toBe("https://app.example.com/auth/callback");
    expect(url.searchParams.get("login_hint")).toBe("ada@example.com");
    expect(url.searchParams.get("state")).toBe(a.state);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    const challenge = createHash("sha256").update(a.codeVerifier).digest("base64url");
    expect(url.searchParams.get("code_challenge")).toBe(challenge);
    const b = createAuthorizeUrl({ loginUrl: "https://login.example.com", clientId: "c", redirectUri: "r" });
    expect(b.state).not.toBe(a.state);
    expect(b.codeVerifier).not.toBe(a.codeVerifier);
    expect(new URL(b.url).searchParams.has("login_hint")).toBe(false);
  });
});
