/**
 * Public API of `@tandem/demo-web` (the app itself is built by Vite from `index.html`).
 */
export { formatAmount, formatDate } from "./ui/format.js";
