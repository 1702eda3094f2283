/**
 * The Salesforce records a book mirrors, exactly as document protocol v1 stores them
 * (docs/protocol.md): Salesforce field names and value formats, dates `YYYY-MM-DD`, datetimes ISO
 * 8601 UTC, ids 18 characters, and `null` for a field with no value.
 *
 * The fields are declared once, in `record-shapes.ts`; these types are what the Schemas derived
 * from those tables decode to, so a record type, its Schema and the adapter's field lists
 * cannot drift apart.
 *
 * Invariant: these are plain JSON values; nothing here is a Y type.
 */
import type { Schema } from "effect";
import type { AccountSchema, ActivitySchema, ContactRoleSchema, ContactSchema, OpportunitySchema } from "./schemas.js";

/** `opportunities[Id]`. */
export type OpportunityRecord = Schema.Schema.Type<typeof OpportunitySchema>;

/** `accounts[Id]`: a reference point only. */
export type AccountRecord = Schema.Schema.Type<typeof AccountSchema>;

/** `contacts[Id]`. */
export type ContactRecord = Schema.Schema.Type<typeof ContactSchema>;

/** `contactRoles[Id]`: an OpportunityContactRole. */
export type ContactRoleRecord = Schema.Schema.Type<typeof ContactRoleSchema>;

/** `activities[Id]`: a Task or an Event; fields that do not apply are `null`. */
export type ActivityRecord = Schema.Schema.Type<typeof ActivitySchema>;
