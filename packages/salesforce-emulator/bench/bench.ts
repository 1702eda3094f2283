/**
 * Emulator benchmark (issue 3): time to generate `large`; records/s paging all of large's
 * Opportunities, Contacts and Tasks through jsforce (query + queryMore); p50/p99 latency of a
 * 2,000-record query page. Prints `BENCH {...}` lines.
 */
import { createEmulator } from "../src/index.js";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
const jsforce = (await import("jsforce")).default;

function bench(name: string, value: number, unit: string, note?: string): void {
  const row = {
    suite: "salesforce-emulator",
    name,
    value: Math.round(value * 100) / 100,
    unit,
    ...(note ? { note } : {}),
  };
  process.stdout.write(`BENCH ${JSON.stringify(row)}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const sf = await createEmulator({ dataset: "large", seed: "bench" });
bench("generate large dataset (355k records) and start", performance.now() - t0, "ms");
bench("generate large dataset (355k records) and start, CPU time", cpuMs(cpu0), "ms", "stable under machine load");

try {
  const user = sf.users[0];
  const token = sf.control.issueToken(user?.username ?? "");
  const conn = new jsforce.Connection({ instanceUrl: sf.url, accessToken: token?.access_token ?? "", version: "60.0" });
  const queries: [string, string][] = [
    [
      "Opportunity",
      "SELECT Id, Name, AccountId, Amount, StageName, CloseDate, Probability, Description, ForecastCategoryName, IsClosed, OwnerId, SystemModstamp FROM Opportunity",
    ],
    [
      "Contact",
      "SELECT Id, AccountId, FirstName, LastName, Name, Title, Email, Phone, MobilePhone, SystemModstamp FROM Contact",
    ],
    [
      "Task",
      "SELECT Id, WhoId, WhatId, Subject, Status, ActivityDate, Description, TaskSubtype, OwnerId, SystemModstamp FROM Task",
    ],
  ];
  const pageMs: number[] = [];
  const firstPageMs: number[] = [];
  let total = 0;
  const all0 = performance.now();
  const pagingCpu = process.cpuUsage();
  for (const [object, soql] of queries) {
    const s = performance.now();
    let p = performance.now();
    let res = await conn.query(soql);
    firstPageMs.push(performance.now() - p);
    let n = res.records.length;
    while (!res.done && res.nextRecordsUrl) {
      p = performance.now();
      res = await conn.queryMore(res.nextRecordsUrl);
      pageMs.push(performance.now() - p);
      n += res.records.length;
    }
    const ms = performance.now() - s;
    total += n;
    bench(
      `page all ${object} via jsforce queryMore`,
      (n / ms) * 1000,
      "records/s",
      `${n} records in ${Math.round(ms)} ms`,
    );
  }
  const allMs = performance.now() - all0;
  bench("page all three objects, CPU time of server + jsforce client", cpuMs(pagingCpu), "ms", `${total} records`);
  bench("page all Opportunities+Contacts+Tasks via jsforce", (total / allMs) * 1000, "records/s", `${total} records`);
  pageMs.sort((a, b) => a - b);
  bench("2,000-record queryMore page latency p50", percentile(pageMs, 50), "ms", `${pageMs.length} pages`);
  bench("2,000-record queryMore page latency p99", percentile(pageMs, 99), "ms", `${pageMs.length} pages`);
  const first: number[] = [];
  for (let i = 0; i < 10; i++) {
    const s = performance.now();
    await conn.query(
      "SELECT Id, Subject, Status, ActivityDate FROM Task WHERE Status = 'Completed' ORDER BY ActivityDate DESC LIMIT 2000",
    );
    first.push(performance.now() - s);
  }
  first.sort((a, b) => a - b);
  bench("2,000-record first page (filter+sort over 240k Tasks) p50", percentile(first, 50), "ms");
  bench("2,000-record first page (filter+sort over 240k Tasks) p99", percentile(first, 99), "ms");
} finally {
  await sf.close();
}
