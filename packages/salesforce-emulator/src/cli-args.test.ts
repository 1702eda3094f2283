import { describe, expect, it } from "vitest";
import { CliUsageError, parseCliArgs } from "./cli-args.js";

describe("parseCliArgs", () => {
  it("reads every documented flag, in both --flag value and --flag=value forms", () => {
    expect(
      parseCliArgs([
        "--port",
        "0",
        "--seed=s1",
        "--dataset",
        "large",
        "--data",
        "/tmp/x.json",
        "--no-control",
        "--no-shared-activities",
      ]),
    ).toEqual({
      port: 0,
      seed: "s1",
      dataset: "large",
      dataFile: "/tmp/x.json",
      control: false,
      sharedActivities: false,
    });
  });

  it.each([
    [["--dataset", "huge"], /--dataset must be small, medium or large/],
    [["--port", "abc"], /--port must be an integer/],
    [["--port", "70000"], /--port must be an integer/],
    [["--bogus"], /unknown flag "--bogus"/],
    [["--seed"], /--seed needs a value/],
    [["--data", "--port"], /--data needs a value/],
  ])("%j is refused with a clear message", (args, message) => {
    expect(() => parseCliArgs(args)).toThrow(CliUsageError);
    expect(() => parseCliArgs(args)).toThrow(message);
  });
});
