import { describe, expect, it } from "vitest";
import { CliError, parseCliArgs } from "./cli-args.js";

describe("parseCliArgs", () => {
  it("defaults to port 8080 and the embedded emulator", () => {
    expect(parseCliArgs([])).toMatchObject({ port: 8080, salesforce: "emulator", dataDir: undefined, memory: false });
  });

  it("reads --flag value and --flag=value forms", () => {
    expect(
      parseCliArgs(["--port", "0", "--data-dir=/tmp/d", "--salesforce", "https://login.salesforce.com"]),
    ).toMatchObject({
      port: 0,
      dataDir: "/tmp/d",
      salesforce: "https://login.salesforce.com",
    });
  });

  it("refuses unknown flags, bad ports and bad orgs", () => {
    expect(() => parseCliArgs(["--nope"])).toThrow(CliError);
    expect(() => parseCliArgs(["--port", "70000"])).toThrow(CliError);
    expect(() => parseCliArgs(["--salesforce", "ftp://x"])).toThrow(CliError);
    expect(() => parseCliArgs(["--port"])).toThrow(CliError);
  });

  it("takes a PostgreSQL store from --store or TANDEM_STORE, with a key file every instance shares", () => {
    const url = "postgres://tandem@db:5432/tandem";
    expect(parseCliArgs(["--store", url, "--key-file", "/k"]).storeUrl).toBe(url);
    expect(parseCliArgs(["--key-file", "/k"], { TANDEM_STORE: url }).storeUrl).toBe(url);
    expect(parseCliArgs([], {}).storeUrl).toBeUndefined();
    expect(() => parseCliArgs(["--store", url])).toThrow(/--key-file/);
    expect(() => parseCliArgs(["--store", "mysql://x", "--key-file", "/k"])).toThrow(CliError);
    expect(() => parseCliArgs(["--store", url, "--key-file", "/k", "--memory"])).toThrow(CliError);
  });

  it("takes the bus between instances from --redis or TANDEM_REDIS, only with a shared store", () => {
    const store = ["--store", "postgres://db/t", "--key-file", "/k"];
    expect(parseCliArgs([...store, "--redis", "redis://r:6379"]).redisUrl).toBe("redis://r:6379");
    expect(parseCliArgs(store, { TANDEM_REDIS: "redis://r:6379" }).redisUrl).toBe("redis://r:6379");
    expect(() => parseCliArgs(["--redis", "redis://r:6379"])).toThrow(/--store/);
    expect(() => parseCliArgs([...store, "--redis", "http://r"])).toThrow(CliError);
  });

  it("takes the fields synced beyond the shapes from --fields or TANDEM_FIELDS, refusing malformed ones", () => {
    expect(
      parseCliArgs(["--fields", "Opportunity.NextStep, Opportunity.Competitor__c,Contact.LeadSource"]).extraFields,
    ).toEqual({
      Opportunity: ["NextStep", "Competitor__c"],
      Contact: ["LeadSource"],
    });
    expect(parseCliArgs([], { TANDEM_FIELDS: "Task.Outcome__c" }).extraFields).toEqual({ Task: ["Outcome__c"] });
    expect(parseCliArgs([]).extraFields).toBeUndefined();
    expect(() => parseCliArgs(["--fields", "NextStep"])).toThrow(/Object.Field/);
    expect(() => parseCliArgs(["--fields", "Lead.Company"])).toThrow(/not an object/);
    expect(() => parseCliArgs(["--fields", "Opportunity.StageName"])).toThrow(/synced already/);
    expect(() => parseCliArgs(["--fields", "Opportunity.Next-Step"])).toThrow(/not an API name/);
  });

  it("takes push's integration user from --cdc-user or TANDEM_CDC_USER, and its safety-net schedule", () => {
    expect(parseCliArgs(["--cdc-user", "005000000000001AAA"]).cdcUser).toBe("005000000000001AAA");
    expect(parseCliArgs([], { TANDEM_CDC_USER: "admin@example.com" })).toMatchObject({
      cdcUser: "admin@example.com",
      cdcSafetyNetMin: 60,
    });
    expect(parseCliArgs([]).cdcUser).toBeUndefined();
    expect(parseCliArgs(["--cdc-safety-net-min", "30"]).cdcSafetyNetMin).toBe(30);
    expect(() => parseCliArgs(["--cdc-safety-net-min", "0"])).toThrow(CliError);
  });
});
