/**
 * A tiny hash router: `#/` is the pipeline, `#/opportunity/<id>` an opportunity. Hash routes
 * survive reloads offline and need no server-side fallback.
 *
 * Invariant: the route is a pure function of `location.hash`.
 */
import { useSyncExternalStore } from "react";

/** A screen of the app. */
export type Route = { readonly screen: "pipeline" } | { readonly screen: "opportunity"; readonly id: string };

/** Parses a location hash into a route. */
export function parseRoute(hash: string): Route {
  const match = /^#\/opportunity\/([A-Za-z0-9]+)$/.exec(hash);
  return match?.[1] === undefined ? { screen: "pipeline" } : { screen: "opportunity", id: match[1] };
}

/** The href of a route. */
export function routeHref(route: Route): string {
  return route.screen === "pipeline" ? "#/" : `#/opportunity/${route.id}`;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

/** The current route, re-rendering on navigation. */
export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
