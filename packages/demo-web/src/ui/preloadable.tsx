/**
 * A component loaded on demand (its own chunk, `import()`), that can also be loaded ahead of
 * need: once loaded it renders at once, with no Suspense fallback in between.
 *
 * Invariant: the chunk is imported at most once per page (the module cache); before it has
 * loaded, rendering suspends (React.lazy) — callers wrap it in `<Suspense>`.
 */
import { type ComponentType, createElement, lazy, useState } from "react";

/** A component of another chunk, and a way to load it before it is needed. */
export interface Preloadable<P extends object> {
  readonly Component: ComponentType<P>;
  /** Loads the chunk now (e.g. when the app is idle); resolves when it has loaded. */
  readonly preload: () => Promise<void>;
}

/**
 * Wraps `load` (a dynamic import picking one export) as a component of its own chunk.
 *
 * @example
 * ```ts
 * const Dialog = preloadable(() => import("./dialog.js").then((m) => m.Dialog));
 * // <Suspense fallback={null}><Dialog.Component /></Suspense>; later: void Dialog.preload();
 * ```
 */
export function preloadable<P extends object>(load: () => Promise<ComponentType<P>>): Preloadable<P> {
  // The loaded component, per wrapper: the module cache would give it again anyway.
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const start = () => {
    loading ??= load().then((c) => {
      loaded = c;
      return c;
    });
    return loading;
  };
  const Lazy = lazy(() => start().then((c) => ({ default: c })));
  // biome-ignore lint/correctness/noComponentHookFactories: preloadable() runs once per screen at module scope, never during a render, so the component's identity is stable.
  function Component(props: P) {
    // Chosen once per mount: switching from Lazy to the loaded type later would remount it.
    const [type] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return createElement(type, props);
  }
  return { Component, preload: () => start().then(() => undefined) };
}
