/**
 * Module resolve hooks (node:module `register`) that send every import of the workspace's
 * patched yjs to the unpatched copy made by `prepareUnpatchedYjs` (unpatched-yjs.ts).
 *
 * Registered by use-unpatched-yjs.ts with `{ patchedUrl, unpatchedUrl }` (both `file:` URLs of
 * package folders, ending with `/`). Every resolution goes through the next hooks first (tsx,
 * Node); a result inside the patched package is rewritten to the same file of the unpatched
 * copy, so `yjs`, `yjs/…` and any other way of reaching the package land on one copy, and the
 * process never loads both (yjs warns "Yjs was already imported" when it does).
 */

/** @type {string} */
let patchedUrl = "";
/** @type {string} */
let unpatchedUrl = "";

/**
 * Receives the two package URLs from `register`.
 * @param {{ patchedUrl: string; unpatchedUrl: string }} data
 */
export function initialize(data) {
  if (!data.patchedUrl.endsWith("/") || !data.unpatchedUrl.endsWith("/")) {
    throw new Error("unpatched-yjs-hooks: package URLs must end with '/'");
  }
  patchedUrl = data.patchedUrl;
  unpatchedUrl = data.unpatchedUrl;
}

/**
 * Resolves as the next hooks do, then moves a file of the patched yjs to the unpatched copy.
 * @param {string} specifier
 * @param {object} context
 * @param {(specifier: string, context: object) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (!result.url.startsWith(patchedUrl)) return result;
  return { ...result, url: unpatchedUrl + result.url.slice(patchedUrl.length) };
}
