import { describe, expect, it } from "vitest";
import {
  ACCOUNT_SHAPE,
  ACTIVITY_SHAPE,
  CONTACT_ROLE_SHAPE,
  CONTACT_SHAPE,
  OPPORTUNITY_SHAPE,
  type RecordShape,
  shapeFields,
} from "./record-shapes.js";

const SHAPES: ReadonlyArray<RecordShape> = [
  OPPORTUNITY_SHAPE,
  ACCOUNT_SHAPE,
  CONTACT_SHAPE,
  CONTACT_ROLE_SHAPE,
  ACTIVITY_SHAPE,
];

describe("record shapes", () => {
  it("make a field some objects lack nullable, so those rows can hold null", () => {
    for (const shape of SHAPES) {
      for (const [property, field] of Object.entries(shape.fields)) {
        if (field.only !== undefined)
          expect({ property, nullable: field.nullable }).toEqual({ property, nullable: true });
      }
    }
  });

  it("list an activity's fields per object: Status and TaskSubtype on Tasks, StartDateTime on Events", () => {
    const present = (sobject: string) =>
      shapeFields(ACTIVITY_SHAPE, sobject)
        .filter((field) => field.present)
        .map((field) => field.property);
    expect(present("Task")).not.toContain("StartDateTime");
    expect(present("Task")).toContain("TaskSubtype");
    expect(present("Event")).toContain("StartDateTime");
    expect(present("Event")).not.toContain("Status");
    const type = shapeFields(ACTIVITY_SHAPE, "Task").find((field) => field.property === "Type");
    expect(type).toMatchObject({ kind: "sobject", apiName: null, present: true });
  });

  it("select a field by its API name, the property unless it says otherwise", () => {
    const custom = { sobjects: ["Opportunity"], fields: { Region: { kind: "text", apiName: "Region__c" } } } as const;
    expect(shapeFields(custom, "Opportunity")[0]).toMatchObject({ property: "Region", apiName: "Region__c" });
    expect(shapeFields(ACCOUNT_SHAPE, "Account").map((field) => field.apiName)).toEqual(["Id", "Name"]);
  });

  it("rejects an object the shape does not come from", () => {
    expect(() => shapeFields(ACCOUNT_SHAPE, "Contact")).toThrow(/Contact is not one of Account/);
  });
});
