/**
 * Deterministic seeded org data: users, stages and task statuses, accounts, contacts,
 * opportunities with contact roles, and a year of tasks and events (issue 3 §7); then profiles,
 * field-level security, record types, custom field values and shared activities (issue 20) —
 * the relation rows and shared activities only in an org with Shared Activities.
 *
 * Invariants: the same seed, dataset and anchor day give the same records; only the seeded
 * PRNG is used; records are built directly in their stored form (every field, schema order),
 * with derived fields consistent with what the record writer would compute.
 */
import { base62, IdGenerator, to18 } from "../ids/salesforce-id.js";
import { ALL_STAGES, TASK_STATUSES } from "../schema/default-values.js";
import { createOrgSchema, type ExternalIdFieldOption } from "../schema/objects.js";
import { type Org, type OrgUser, type SharingDefaults, TYPICAL_SHARING } from "../store/org.js";
import { OrgStore, type SfValue } from "../store/org-store.js";
import { createPrng } from "../util/prng.js";
import { type Clock, DAY_MS, formatDate, startOfDay } from "../util/time.js";
import { seedEvents, seedTasks } from "./seed-activities.js";
import {
  type AccountInfo,
  type DatasetShape,
  phone,
  type SeedContext,
  type SeedOwners,
  setSystemFields,
} from "./seed-context.js";
import { seedActivityRelations, seedCustomValues, seedSharedActivities } from "./seed-extras.js";
import { REP_TIME_ZONES, seedOrgSetup } from "./seed-org-setup.js";
import * as words from "./vocabulary.js";

/** Dataset sizes. */
export type DatasetName = "small" | "medium" | "large";

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
  /** The org has Shared Activities (TaskRelation / EventRelation). Default true. */
  readonly sharedActivities?: boolean | undefined;
}

const USER_NAMES: readonly (readonly [string, string])[] = [
  ["Maren", "Solberg"],
  ["Diego", "Alvarez"],
  ["Priya", "Raman"],
];

/** Builds a fresh org from a seed. */
export function seedOrg(options: SeedOptions): Org {
  const prng = createPrng(`${options.seed}:${options.dataset}`);
  const schema = createOrgSchema(options.externalIdFields, { sharedActivities: options.sharedActivities });
  const store = new OrgStore(schema);
  const pod = base62(prng.int(62 * 10, 62 * 62 - 1), 2);
  const orgId = to18(`00D${pod}0${base62(prng.int(1_000_000, 900_000_000), 9)}`);
  const ids = new IdGenerator(pod);
  const anchor = startOfDay(options.clock.nowMs());
  const ctx: SeedContext = {
    prng,
    shape: SHAPES[options.dataset],
    store,
    ids,
    anchor,
    orgBirth: anchor - 3 * 365 * DAY_MS,
    template: (name) => {
      const def = schema.object(name);
      if (!def) throw new Error(`schema lacks ${name}`);
      const t: Record<string, SfValue> = {};
      for (const f of def.fields) t[f.name] = null;
      return t;
    },
  };
  // The steps run in this order: each draws from the same PRNG stream.
  const users = seedUsers(ctx);
  const owners: SeedOwners = { admin: users[0]?.id ?? "", userIds: users.map((u) => u.id) };
  seedStagesAndStatuses(ctx, owners.admin);
  const accounts = seedAccounts(ctx, owners);
  seedContacts(ctx, accounts);
  seedOpportunities(ctx, accounts, owners);
  seedTasks(ctx, accounts, owners);
  seedEvents(ctx, accounts, owners);
  // Issue 20's layer draws from its own stream, leaving the records above as they were.
  const extra = createPrng(`${options.seed}:${options.dataset}:setup`);
  const setup = seedOrgSetup(ctx, extra, users);
  seedCustomValues(ctx, extra, setup);
  if (options.sharedActivities !== false) {
    seedActivityRelations(ctx);
    seedSharedActivities(ctx, extra, users, accounts);
  }
  return {
    orgId,
    pod,
    schema,
    store,
    clock: options.clock,
    ids,
    users: [...users, setup.admin],
    sharing: options.sharing ?? TYPICAL_SHARING,
    seed: options.seed,
    dataset: options.dataset,
  };
}

/** The three sales reps of the demo org (the administrator comes with the org setup). */
function seedUsers(ctx: SeedContext): OrgUser[] {
  const { prng, store, ids, orgBirth } = ctx;
  const users: OrgUser[] = [];
  const userT = ctx.template("User");
  for (const [index, [first, last]] of USER_NAMES.entries()) {
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
    rec.TimeZoneSidKey = REP_TIME_ZONES[index] ?? "America/Los_Angeles";
    setSystemFields(rec, orgBirth, orgBirth, id);
    store.put("User", rec);
  }
  return users;
}

/** The OpportunityStage and TaskStatus records, in sort order. */
function seedStagesAndStatuses(ctx: SeedContext, admin: string): void {
  const { store, ids, orgBirth } = ctx;
  const stageT = ctx.template("OpportunityStage");
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
    setSystemFields(rec, orgBirth, orgBirth, admin);
    store.put("OpportunityStage", rec);
  });
  const statusT = ctx.template("TaskStatus");
  TASK_STATUSES.forEach((s, i) => {
    const rec: Record<string, SfValue> = {
      ...statusT,
      Id: ids.next("01J"),
      MasterLabel: s.label,
      ApiName: s.label,
      SortOrder: i + 1,
    };
    Object.assign(rec, { IsDefault: s.isDefault, IsClosed: s.isClosed });
    setSystemFields(rec, orgBirth, orgBirth, admin);
    store.put("TaskStatus", rec);
  });
}

/** Accounts with distinct names, each with its web domain (its contacts' emails use it). */
function seedAccounts(ctx: SeedContext, { admin, userIds }: SeedOwners): AccountInfo[] {
  const { prng, shape, store, ids, orgBirth } = ctx;
  const accounts: AccountInfo[] = [];
  const accountT = ctx.template("Account");
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
    setSystemFields(rec, created, created + prng.int(0, 300) * DAY_MS, owner);
    store.put("Account", rec);
    accounts.push({ id, name, domain, owner, contacts: [], contactNames: [], opps: [] });
  }
  return accounts;
}

/** Contacts spread evenly over the accounts, with unique emails at the account's domain. */
function seedContacts(ctx: SeedContext, accounts: readonly AccountInfo[]): void {
  const { prng, shape, store, ids, anchor, orgBirth } = ctx;
  const contactT = ctx.template("Contact");
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
      LeadSource: prng.pick(["Web", "Partner Referral", "Purchased List", "Phone Inquiry", null]),
      OwnerId: account.owner,
    });
    setSystemFields(rec, created, Math.min(anchor - 1, created + prng.int(0, 400) * DAY_MS), account.owner);
    store.put("Contact", rec);
    account.contacts.push(id);
    account.contactNames.push(`${first} ${last}`);
  }
}

/** Open and closed opportunities, each with up to three contact roles (the first one primary). */
function seedOpportunities(ctx: SeedContext, accounts: readonly AccountInfo[], { admin, userIds }: SeedOwners): void {
  const { prng, shape, store, ids, anchor } = ctx;
  const oppT = ctx.template("Opportunity");
  const ocrT = ctx.template("OpportunityContactRole");
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
      LeadSource: prng.pick(["Web", "Partner Referral", "Purchased List", "Phone Inquiry", null]),
      IsClosed: stage.isClosed,
      IsWon: stage.isWon,
      ForecastCategory: stage.forecastCategory,
      ForecastCategoryName: stage.forecastCategoryName,
      OwnerId: owner,
    });
    setSystemFields(rec, created, Math.max(created, modified), owner);
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
      setSystemFields(ocr, created, created, owner);
      store.put("OpportunityContactRole", ocr);
    }
  }
}
