#!/usr/bin/env node
// `npm start` → the demo of DESIGN §10. Until the server and web client exist, it says
// plainly what is not there yet instead of pretending.
console.log("Tandem demo: not available yet.");
console.log("The workspace, lint, type-check and tests are in place (npm test).");
console.log("Missing: the emulated org, the server and the web client; each has its own issue.");
