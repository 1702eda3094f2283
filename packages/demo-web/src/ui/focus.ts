/**
 * Keeping keyboard focus where the user is when the element they acted on leaves the page: a
 * Promote button whose contact moves to the other list, a conflict panel that is settled, a
 * form that closes. Without this the browser drops focus to `<body>` and a keyboard or
 * screen-reader user starts over from the top.
 *
 * Invariant: focus is only moved when it was lost (on `<body>`) or was inside the element
 * that left; a user who already moved on keeps their place.
 */
import { type RefObject, useLayoutEffect, useRef } from "react";

/** True when nothing on the page has focus (the focused element was removed). */
export function focusLost(): boolean {
  return document.activeElement === null || document.activeElement === document.body;
}

/**
 * Once React has committed the current update, focuses what `find` returns, if focus was lost.
 *
 * @example
 * focusAfterRender(() => document.querySelector<HTMLElement>('[data-contact-id="003…"] button'));
 */
export function focusAfterRender(find: () => HTMLElement | null | undefined): void {
  requestAnimationFrame(() => {
    if (focusLost()) find()?.focus();
  });
}

/**
 * When the element behind `ref` unmounts while focus is inside it, moves focus to what
 * `fallback` finds once the update is committed.
 *
 * @remarks A layout effect's cleanup runs before React removes the element from the page, so
 * it can still see that focus was inside it.
 */
export function useFocusRescue(
  ref: RefObject<HTMLElement | null>,
  fallback: () => HTMLElement | null | undefined,
): void {
  const latest = useRef(fallback);
  latest.current = fallback;
  useLayoutEffect(() => {
    const element = ref.current;
    return () => {
      if (element?.contains(document.activeElement)) focusAfterRender(() => latest.current());
    };
  }, [ref]);
}
