/**
 * Security headers on every HTTP response: a CSP without `unsafe-inline`, no sniffing, no
 * framing, no referrer, same-origin opener.
 */
import type { MiddlewareHandler } from "hono";

/** Builds the middleware; `wsOrigin` (e.g. `ws://127.0.0.1:8080`) is allowed in `connect-src`. */
export function securityHeaders(wsOrigin: string): MiddlewareHandler {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${wsOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("content-security-policy", csp);
    h.set("x-content-type-options", "nosniff");
    h.set("x-frame-options", "DENY");
    h.set("referrer-policy", "no-referrer");
    h.set("cross-origin-opener-policy", "same-origin");
    h.set("cross-origin-resource-policy", "same-origin");
    h.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  };
}
