/**
 * The picklist-like records and values of a new org: the default OpportunityStage values
 * (reference §3.2), the TaskStatus values (§3.6) and the contact roles (§3.3).
 *
 * Invariant: stages are in sort order, open ones first; exactly one task status is the default.
 */

/** One default stage (reference §3.2). */
export interface StageDef {
  readonly label: string;
  readonly probability: number;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  readonly forecastCategory: string;
  readonly forecastCategoryName: string;
}

/** Default OpportunityStage values of a new org, in sort order. */
export const DEFAULT_STAGES: readonly StageDef[] = [
  ["Prospecting", 10],
  ["Qualification", 10],
  ["Needs Analysis", 20],
  ["Value Proposition", 50],
  ["Id. Decision Makers", 60],
  ["Perception Analysis", 70],
  ["Proposal/Price Quote", 75],
  ["Negotiation/Review", 90],
].map(([label, probability]) => ({
  label: String(label),
  probability: Number(probability),
  isClosed: false,
  isWon: false,
  forecastCategory: "Pipeline",
  forecastCategoryName: "Pipeline",
}));

const CLOSED_STAGES: readonly StageDef[] = [
  {
    label: "Closed Won",
    probability: 100,
    isClosed: true,
    isWon: true,
    forecastCategory: "Closed",
    forecastCategoryName: "Closed",
  },
  {
    label: "Closed Lost",
    probability: 0,
    isClosed: true,
    isWon: false,
    forecastCategory: "Omitted",
    forecastCategoryName: "Omitted",
  },
];

/** Every stage, open ones first. */
export const ALL_STAGES: readonly StageDef[] = [...DEFAULT_STAGES, ...CLOSED_STAGES];

/** Default TaskStatus values (reference §3.6). */
export const TASK_STATUSES: readonly { label: string; isClosed: boolean; isDefault: boolean }[] = [
  { label: "Not Started", isClosed: false, isDefault: true },
  { label: "In Progress", isClosed: false, isDefault: false },
  { label: "Completed", isClosed: true, isDefault: false },
  { label: "Waiting on someone else", isClosed: false, isDefault: false },
  { label: "Deferred", isClosed: false, isDefault: false },
];

/** Default contact roles (reference §3.3). */
export const CONTACT_ROLES: readonly string[] = [
  "Business User",
  "Decision Maker",
  "Economic Buyer",
  "Economic Decision Maker",
  "Evaluator",
  "Executive Sponsor",
  "Influencer",
  "Technical Buyer",
  "Other",
];
