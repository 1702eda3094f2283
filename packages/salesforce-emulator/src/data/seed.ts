/**
 * Deterministic seeded org data: users, stages and task statuses, accounts, contacts,
 * opportunities with contact roles, and a year of tasks and events (issue 3 §7).
 *
 * Invariants: the same seed, dataset and anchor day give the same records; only the seeded
 * PRNG is used; records are built directly in their stored form (every field, schema order),
 * with derived fields consistent with what the record writer would compute.
 */
import { base62, IdGenerator, to18 } from "../ids/salesforce-id.js";
import { ALL_STAGES, createOrgSchema, type ExternalIdFieldOption, TASK_STATUSES } from "../schema/objects.js";
import type { ObjectDef } from "../schema/schema-types.js";
import { type Org, type OrgUser, type SharingDefaults, TYPICAL_SHARING } from "../store/org.js";
import { OrgStore, type SfValue } from "../store/org-store.js";
import { createPrng, type Prng } from "../util/prng.js";
import { type Clock, DAY_MS, formatDate, formatDateTime, startOfDay } from "../util/time.js";
import * as words from "./vocabulary.js";

/** Dataset sizes. */
export type DatasetName = "small" | "medium" | "large";

interface DatasetShape {
  readonly accounts: number;
  readonly contactsPerAccount: number;
  readonly openOpps: number;
  readonly closedOpps: number;
  /** Share of open opportunities owned by the first user (the rest spread over all users). */
  readonly firstUserOpenShare: number;
  readonly tasks: number;
  readonly events: number;
}

const SHAPES: Readonly<Record<DatasetName, DatasetShape>> = {
  small: {
    accounts: 40,
    contactsPerAccount: 10,
    openOpps: 80,
    closedOpps: 40,
    firstUserOpenShare: 0.4,
    tasks: 1600,
    events: 400,
  },
  medium: {
    accounts: 400,
    contactsPerAccount: 10,
    openOpps: 800,
    closedOpps: 400,
    firstUserOpenShare: 0.4,
    tasks: 16000,
    events: 4000,
  },
  large: {
    accounts: 1500,
    contactsPerAccount: 33.34,
    openOpps: 5000,
    closedOpps: 600,
    firstUserOpenShare: 1,
    tasks: 240000,
    events: 60000,
  },
};

/** Options of {@link seedOrg}. */
export interface SeedOptions {
  readonly seed: string;
  readonly dataset: DatasetName;
  readonly clock: Clock;
  readonly sharing?: SharingDefaults | undefined;
  readonly externalIdFields?: readonly ExternalIdFieldOption[] | undefined;
}

const USER_NAMES: readonly (readonly [string, string])[] = [
  ["Maren", "Solberg"],
  ["Diego", "Alvarez"],
  ["Priya", "Raman"],
];

/** Builds a fresh org from a seed. */
export function seedOrg(options: SeedOptions): Org {
  const prng = createPrng(`${options.seed}:${options.dataset}`);
  const shape = SHAPES[options.dataset];
  const schema = createOrgSchema(options.externalIdFields);
  const store = new OrgStore(schema);
  const pod = base62(prng.int(62 * 10, 62 * 62 - 1), 2);
  const orgId = to18(`00D${pod}0${base62(prng.int(1_000_000, 900_000_000), 9)}`);
  const ids = new IdGenerator(pod);
  const anchor = startOfDay(options.clock.nowMs());
  const def = (name: string): ObjectDef => {
    const d = schema.object(name);
    if (!d) throw new Error(`schema lacks ${name}`);
    return d;
  };
  const template = (name: string): Record<string, SfValue> => {
    const t: Record<string, SfValue> = {};
    for (const f of def(name).fields) t[f.name] = null;
    return t;
  };
  const system = (rec: Record<string, SfValue>, createdMs: number, modifiedMs: number, by: string): void => {
    rec.IsDeleted = false;
    rec.CreatedDate = formatDateTime(createdMs);
    rec.CreatedById = by;
    rec.LastModifiedDate = formatDateTime(modifiedMs);
    rec.LastModifiedById = by;
    rec.SystemModstamp = rec.LastModifiedDate;
  };
  const orgBirth = anchor - 3 * 365 * DAY_MS;

  // Users
  const users: OrgUser[] = [];
  const userT = template("User");
  for (const [first, last] of USER_NAMES) {
    const id = ids.next("005");
    const username = `${first}.${last}@tandem-demo.example`.toLowerCase();
    const password = `${last}-${prng.int(1000, 9999)}`;
    users.push({ id, username, password, name: `${first} ${last}` });
    const rec: Record<string, SfValue> = {
      ...userT,
      Id: id,
      Username: username,
      FirstName: first,
      LastName: last,
      Name: `${first} ${last}`,
    };
    rec.Alias = `${first.slice(0, 1)}${last.slice(0, 4)}`.toLowerCase();
    rec.Email = username;
    rec.Title = first === "Priya" ? "Sales Manager" : "Account Executive";
    rec.IsActive = true;
    rec.TimeZoneSidKey = "America/Los_Angeles";
    system(rec, orgBirth, orgBirth, id);
    store.put("User", rec);
  }
  const admin = users[0]?.id ?? "";
  const userIds = users.map((u) => u.id);

  // Stages and statuses
  const stageT = template("OpportunityStage");
  ALL_STAGES.forEach((s, i) => {
    const rec: Record<string, SfValue> = {
      ...stageT,
      Id: ids.next("01J"),
      MasterLabel: s.label,
      ApiName: s.label,
      IsActive: true,
    };
    Object.assign(rec, {
      SortOrder: i + 1,
      IsClosed: s.isClosed,
      IsWon: s.isWon,
      ForecastCategory: s.forecastCategory,
      ForecastCategoryName: s.forecastCategoryName,
      DefaultProbability: s.probability,
    });
    system(rec, orgBirth, orgBirth, admin);
    store.put("OpportunityStage", rec);
  });
  const statusT = template("TaskStatus");
  TASK_STATUSES.forEach((s, i) => {
    const rec: Record<string, SfValue> = {
      ...statusT,
      Id: ids.next("01J"),
      MasterLabel: s.label,
      ApiName: s.label,
      SortOrder: i + 1,
    };
    Object.assign(rec, { IsDefault: s.isDefault, IsClosed: s.isClosed });
    system(rec, orgBirth, orgBirth, admin);
    store.put("TaskStatus", rec);
  });

  // Accounts
  interface AccountInfo {
    id: string;
    name: string;
    domain: string;
    owner: string;
    contacts: string[];
    contactNames: string[];
    opps: string[];
  }
  const accounts: AccountInfo[] = [];
  const accountT = template("Account");
  const usedNames = new Set<string>();
  for (let i = 0; i < shape.accounts; i++) {
    let head = prng.pick(words.COMPANY_HEADS);
    let tail = prng.pick(words.COMPANY_TAILS);
    let base = `${head} ${tail}`;
    for (let tries = 0; usedNames.has(base) && tries < 20; tries++) {
      head = prng.pick(words.COMPANY_HEADS);
      tail = prng.pick(words.COMPANY_TAILS);
      base = `${head} ${tail}`;
    }
    if (usedNames.has(base)) base = `${base} ${i}`;
    usedNames.add(base);
    const suffix = prng.pick(words.COMPANY_SUFFIXES);
    const name = suffix ? `${base} ${suffix}` : base;
    const domain = `${base.toLowerCase().replace(/[^a-z0-9]+/g, "")}.com`;
    const [city, state, country] = prng.pick(words.CITIES);
    const owner = prng.chance(0.5) ? admin : prng.pick(userIds);
    const id = ids.next("001");
    const created = orgBirth + prng.int(0, 700) * DAY_MS + prng.int(0, DAY_MS);
    const rec: Record<string, SfValue> = { ...accountT, Id: id, Name: name };
    Object.assign(rec, {
      Type: prng.pick(["Customer - Direct", "Prospect", "Customer - Channel", "Partner"]),
      Industry: prng.pick(words.INDUSTRIES),
      Phone: phone(prng),
      Website: `https://www.${domain}`,
      BillingCity: city,
      BillingState: state || null,
      BillingCountry: country,
      AnnualRevenue: prng.int(2, 900) * 1_000_000,
      NumberOfEmployees: prng.int(20, 25000),
      Description: prng.chance(0.3) ? `${name} is a ${tail.toLowerCase()} company based in ${city}.` : null,
      OwnerId: owner,
    });
    system(rec, created, created + prng.int(0, 300) * DAY_MS, owner);
    store.put("Account", rec);
    accounts.push({ id, name, domain, owner, contacts: [], contactNames: [], opps: [] });
  }

  // Contacts
  const contactT = template("Contact");
  const totalContacts = Math.round(shape.accounts * shape.contactsPerAccount);
  const usedEmails = new Set<string>();
  for (let i = 0; i < totalContacts; i++) {
    const account = accounts[i % accounts.length];
    if (!account) break;
    const first = prng.pick(words.FIRST_NAMES);
    const last = prng.pick(words.LAST_NAMES);
    let local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
    if (usedEmails.has(`${local}@${account.domain}`)) local = `${local}${i}`;
    const email = `${local}@${account.domain}`;
    usedEmails.add(email);
    const id = ids.next("003");
    const created = orgBirth + prng.int(0, 1000) * DAY_MS + prng.int(0, DAY_MS);
    const [city, , country] = prng.pick(words.CITIES);
    const rec: Record<string, SfValue> = {
      ...contactT,
      Id: id,
      AccountId: account.id,
      FirstName: first,
      LastName: last,
    };
    Object.assign(rec, {
      Salutation: prng.chance(0.3) ? prng.pick(["Mr.", "Ms.", "Dr."]) : null,
      Name: `${first} ${last}`,
      Title: prng.pick(words.TITLES),
      Department: prng.pick(words.DEPARTMENTS),
      Email: email,
      Phone: phone(prng),
      MobilePhone: prng.chance(0.6) ? phone(prng) : null,
      MailingCity: city,
      MailingCountry: country,
      LeadSource: prng.pick(["Web", "Partner Referral", "Trade Show", "Phone Inquiry", null]),
      OwnerId: account.owner,
    });
    system(rec, created, Math.min(anchor - 1, created + prng.int(0, 400) * DAY_MS), account.owner);
    store.put("Contact", rec);
    account.contacts.push(id);
    account.contactNames.push(`${first} ${last}`);
  }

  // Opportunities and contact roles
  const oppT = template("Opportunity");
  const ocrT = template("OpportunityContactRole");
  const openStages = ALL_STAGES.filter((s) => !s.isClosed);
  const closedStages = ALL_STAGES.filter((s) => s.isClosed);
  const oppCount = shape.openOpps + shape.closedOpps;
  for (let i = 0; i < oppCount; i++) {
    const open = i < shape.openOpps;
    const account = prng.pick(accounts);
    const stage = open ? prng.pick(openStages) : prng.pick(closedStages);
    const owner = open && prng.chance(shape.firstUserOpenShare) ? admin : prng.pick(userIds);
    const id = ids.next("006");
    const closeMs = open ? anchor + prng.int(-20, 180) * DAY_MS : anchor - prng.int(1, 360) * DAY_MS;
    const created = Math.min(closeMs, anchor) - prng.int(30, 240) * DAY_MS;
    const modified = Math.min(anchor - prng.int(0, 20) * DAY_MS - prng.int(0, DAY_MS), anchor - 1);
    const rec: Record<string, SfValue> = {
      ...oppT,
      Id: id,
      AccountId: account.id,
      Name: `${account.name} - ${prng.pick(words.PRODUCTS)}`,
    };
    Object.assign(rec, {
      Description: prng.chance(0.35) ? prng.pick(words.NOTES) : null,
      StageName: stage.label,
      Amount: prng.int(10, 1000) * 500,
      Probability: stage.probability,
      CloseDate: formatDate(closeMs),
      Type: prng.pick(["New Business", "Existing Business"]),
      NextStep: open && prng.chance(0.5) ? prng.pick(words.TASK_SUBJECTS) : null,
      LeadSource: prng.pick(["Web", "Partner Referral", "Trade Show", "Phone Inquiry", null]),
      IsClosed: stage.isClosed,
      IsWon: stage.isWon,
      ForecastCategory: stage.forecastCategory,
      ForecastCategoryName: stage.forecastCategoryName,
      OwnerId: owner,
    });
    system(rec, created, Math.max(created, modified), owner);
    store.put("Opportunity", rec);
    account.opps.push(id);
    const roleCount = account.contacts.length === 0 ? 0 : prng.int(0, 3);
    const chosen = new Set<string>();
    for (let r = 0; r < roleCount; r++) chosen.add(prng.pick(account.contacts));
    let primary = true;
    for (const contactId of chosen) {
      const ocr: Record<string, SfValue> = { ...ocrT, Id: ids.next("00K"), OpportunityId: id, ContactId: contactId };
      Object.assign(ocr, { Role: prng.pick(words.CONTACT_ROLES_SEED), IsPrimary: primary });
      primary = false;
      system(ocr, created, created, owner);
      store.put("OpportunityContactRole", ocr);
    }
  }

  // Activities
  const baseFields = (name: string) => new Set(Object.keys(template(name)).filter((f) => !f.endsWith("__c")));
  const customTaskFields = Object.keys(template("Task")).filter((f) => !baseFields("Task").has(f));
  const customEventFields = Object.keys(template("Event")).filter((f) => !baseFields("Event").has(f));
  const activityOwner = (account: AccountInfo): string =>
    shape.firstUserOpenShare === 1
      ? prng.chance(0.9)
        ? admin
        : prng.pick(userIds)
      : prng.chance(0.6)
        ? account.owner
        : prng.pick(userIds);
  for (let i = 0; i < shape.tasks; i++) {
    const account = prng.pick(accounts);
    const ci = account.contacts.length > 0 ? prng.int(0, account.contacts.length - 1) : -1;
    const who = ci >= 0 ? (account.contacts[ci] ?? null) : null;
    const whoName = ci >= 0 ? (account.contactNames[ci] ?? "") : "";
    const what = account.opps.length > 0 && prng.chance(0.75) ? prng.pick(account.opps) : account.id;
    const owner = activityOwner(account);
    const future = prng.chance(0.06);
    const dayMs = future ? anchor + prng.int(1, 30) * DAY_MS : anchor - prng.int(1, 365) * DAY_MS;
    const atMs = dayMs + prng.int(8 * 3600_000, 18 * 3600_000);
    const kind = prng.int(0, 9);
    const isCall = kind < 5;
    const isEmail = kind >= 5 && kind < 8;
    const subject = isCall
      ? `${prng.pick(words.CALL_SUBJECTS)} with ${whoName}`
      : isEmail
        ? prng.pick(words.EMAIL_SUBJECTS)
        : prng.pick(words.TASK_SUBJECTS);
    const status = future ? prng.pick(["Not Started", "In Progress"]) : prng.chance(0.92) ? "Completed" : "Deferred";
    const closed = status === "Completed";
    const created = future ? anchor - prng.int(1, 10) * DAY_MS : atMs;
    const modified = Math.min(closed ? atMs + prng.int(0, 3600_000) : created, anchor - 1);
    const createdStamp = formatDateTime(Math.min(created, modified));
    const modifiedStamp = formatDateTime(modified);
    const priority = prng.chance(0.1) ? "High" : "Normal";
    const rec: Record<string, SfValue> = {
      Id: ids.next("00T"),
      WhoId: who,
      WhatId: what,
      Subject: subject,
      ActivityDate: formatDate(dayMs),
      Status: status,
      Priority: priority,
      IsHighPriority: priority === "High",
      OwnerId: owner,
      Description: prng.chance(0.25) ? prng.pick(words.NOTES) : null,
      Type: isCall ? "Call" : isEmail ? "Email" : "Other",
      TaskSubtype: isCall ? "Call" : isEmail ? "Email" : "Task",
      IsClosed: closed,
      CompletedDateTime: closed ? modifiedStamp : null,
      AccountId: account.id,
      CallDurationInSeconds: isCall && closed ? prng.int(60, 3600) : null,
      CallType: isCall ? (prng.chance(0.8) ? "Outbound" : "Inbound") : null,
      CallDisposition: isCall && closed ? prng.pick(CALL_RESULTS) : null,
      CallObject: null,
      ReminderDateTime: null,
      IsReminderSet: false,
      IsArchived: false,
      IsDeleted: false,
      CreatedDate: createdStamp,
      CreatedById: owner,
      LastModifiedDate: modifiedStamp,
      LastModifiedById: owner,
      SystemModstamp: modifiedStamp,
    };
    for (const f of customTaskFields) rec[f] = null;
    store.put("Task", rec);
  }
  for (let i = 0; i < shape.events; i++) {
    const account = prng.pick(accounts);
    const ci = account.contacts.length > 0 ? prng.int(0, account.contacts.length - 1) : -1;
    const who = ci >= 0 ? (account.contacts[ci] ?? null) : null;
    const what = account.opps.length > 0 && prng.chance(0.7) ? prng.pick(account.opps) : account.id;
    const owner = activityOwner(account);
    const dayMs = prng.chance(0.08) ? anchor + prng.int(1, 45) * DAY_MS : anchor - prng.int(1, 365) * DAY_MS;
    const start = dayMs + prng.int(16, 34) * 1800_000;
    const duration = prng.pick([30, 30, 45, 60, 60, 90]);
    const created = Math.min(start - prng.int(1, 14) * DAY_MS, anchor - 1);
    const createdStamp = formatDateTime(created);
    const startStamp = formatDateTime(start);
    const rec: Record<string, SfValue> = {
      Id: ids.next("00U"),
      WhoId: who,
      WhatId: what,
      Subject: prng.pick(words.MEETING_SUBJECTS),
      Location: prng.chance(0.5) ? "Video call" : `${account.name} office`,
      IsAllDayEvent: false,
      ActivityDateTime: startStamp,
      ActivityDate: formatDate(start),
      DurationInMinutes: duration,
      StartDateTime: startStamp,
      EndDateTime: formatDateTime(start + duration * 60_000),
      Description: prng.chance(0.2) ? prng.pick(words.NOTES) : null,
      AccountId: account.id,
      OwnerId: owner,
      Type: "Meeting",
      EventSubtype: "Event",
      ShowAs: "Busy",
      IsPrivate: false,
      IsDeleted: false,
      CreatedDate: createdStamp,
      CreatedById: owner,
      LastModifiedDate: createdStamp,
      LastModifiedById: owner,
      SystemModstamp: createdStamp,
    };
    for (const f of customEventFields) rec[f] = null;
    store.put("Event", rec);
  }

  return {
    orgId,
    pod,
    schema,
    store,
    clock: options.clock,
    ids,
    users,
    sharing: options.sharing ?? TYPICAL_SHARING,
    seed: options.seed,
    dataset: options.dataset,
  };
}

const CALL_RESULTS: readonly string[] = ["Connected", "Left voicemail", "No answer", "Meeting booked"];

function phone(prng: Prng): string {
  return `(${prng.int(201, 989)}) 555-${String(prng.int(100, 9999)).padStart(4, "0")}`;
}
