#!/usr/bin/env node
// Prints Vitest's JSON report of this run as one plain line: "tests: N passed, N failed[, N skipped]".
import { existsSync, readFileSync } from "node:fs";

const path = new URL("../node_modules/.cache/vitest-report.json", import.meta.url);
if (!existsSync(path)) {
  console.log("tests: not run (an earlier step failed: lint, dependency rules or type-check)");
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, "utf8"));
const skipped = report.numPendingTests + report.numTodoTests;
const tail = skipped ? `, ${skipped} skipped` : "";
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${tail}`);
