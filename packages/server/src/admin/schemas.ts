/**
 * The admin API's request and response bodies, one zod schema and type under one name each. Requests are
 * validated with them; responses are typed by them (the handlers' answers are checked at compile time and
 * by the tests), so the same schemas can describe the API to the dashboard and to OpenAPI (issue 6).
 */
import { Global } from '@parapet/core';
import { z } from 'zod';
import { MAX_SIMULATED_EVENTS } from '../policy/simulate.ts';
import { MAX_QUERY_LIMIT } from '../store/store-rows.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');
const count = z.number().int().min(0);

// ---------------------------------------------------------------------------------------------------
// Path and query parameters (strings on the wire)

/** A policy version in a path or query: a whole number from 1. */
export const VersionParam = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, { message: 'must be a policy version, a whole number from 1' })
  .transform(Number);

const LimitParam = z
  .string()
  .regex(/^[0-9]{1,6}$/, { message: `must be a whole number from 1 to ${MAX_QUERY_LIMIT}` })
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_QUERY_LIMIT));

export const VersionPath = z.strictObject({ version: VersionParam });
export type VersionPath = z.infer<typeof VersionPath>;

export const ApprovalPath = z.strictObject({ id: z.string().min(1).max(200) });
export type ApprovalPath = z.infer<typeof ApprovalPath>;

export const ListPoliciesQuery = z.strictObject({ limit: LimitParam.optional() });
export type ListPoliciesQuery = z.infer<typeof ListPoliciesQuery>;

export const DiffQuery = z.strictObject({
  against: z
    .union([z.literal('active'), VersionParam])
    .default('active')
    .describe(
      'The version to compare with (the diff goes from it to the path version); default the active one.',
    ),
});
export type DiffQuery = z.infer<typeof DiffQuery>;

export const APPROVAL_STATUS_FILTERS = ['pending', 'approved', 'denied', 'expired', 'all'] as const;

export const ListApprovalsQuery = z.strictObject({
  status: z.enum(APPROVAL_STATUS_FILTERS).default('pending'),
  limit: LimitParam.optional(),
});
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

// ---------------------------------------------------------------------------------------------------
// Request bodies

const policyText = z
  .string()
  .min(1, { message: 'must not be empty; send the policy as YAML or JSON text' })
  .describe(
    'The policy as YAML or JSON text: a bare policy document, or a parapet.yaml (its `policy:` section).',
  );

export const StorePolicyRequest = z.strictObject({
  document: policyText,
  comment: z.string().max(1000).optional().describe('Why this version (shown in the history).'),
  activate: z.boolean().default(false).describe('Make the new version the active one at once.'),
});
export type StorePolicyRequest = z.infer<typeof StorePolicyRequest>;

export const ValidatePolicyRequest = z.strictObject({ document: policyText });
export type ValidatePolicyRequest = z.infer<typeof ValidatePolicyRequest>;

export const SimulatePolicyRequest = z.strictObject({
  document: policyText.describe('The candidate policy.'),
  since: z
    .string()
    .default('7d')
    .describe('Start of the window: a duration before now (`7d`, `12h`) or an ISO time.'),
  until: z.string().optional().describe('End of the window (exclusive), like `since`; default now.'),
  rescan: z
    .boolean()
    .default(false)
    .describe("Run this gateway's detectors again on stored content where its content mode allows it."),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_SIMULATED_EVENTS)
    .default(1_000_000)
    .describe('Most events to read, newest first.'),
});
export type SimulatePolicyRequest = z.infer<typeof SimulatePolicyRequest>;

/** `PUT /global`: a whole `global` section; absent fields take their defaults (off, empty lists). */
export const PutGlobalRequest = Global;
export type PutGlobalRequest = z.infer<typeof PutGlobalRequest>;

export const KillSwitchRequest = z.strictObject({
  on: z.boolean().describe('true blocks every request; false lets requests through again.'),
  message: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .describe('What blocked callers are told; absent keeps the current message.'),
});
export type KillSwitchRequest = z.infer<typeof KillSwitchRequest>;

const reason = z.string().trim().min(1, { message: 'must not be empty' }).max(2000);

export const ApproveRequest = z.strictObject({ reason: reason.optional() });
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export const DenyRequest = z.strictObject({
  reason: reason.describe('Why; required, recorded with the decision.'),
});
export type DenyRequest = z.infer<typeof DenyRequest>;

// ---------------------------------------------------------------------------------------------------
// Responses

/** One problem with a policy: its path in the document as sent, and where the text has one, line and column. */
export const PolicyIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
  suggestion: z.string().optional(),
  line: z.number().int().min(1).optional(),
  column: z.number().int().min(1).optional(),
});
export type PolicyIssue = z.infer<typeof PolicyIssue>;

export const PolicySummary = z.object({
  version: z.number().int().min(1),
  author: z.string(),
  comment: z.string().nullable(),
  createdAt: isoTime,
  activatedAt: isoTime.nullable().describe('Last time this version was made active; null when never.'),
  active: z.boolean(),
});
export type PolicySummary = z.infer<typeof PolicySummary>;

export const PolicyList = z.object({ versions: z.array(PolicySummary).describe('Newest first.') });
export type PolicyList = z.infer<typeof PolicyList>;

export const PolicyDetail = PolicySummary.extend({
  document: z.string().describe('The policy text as stored.'),
});
export type PolicyDetail = z.infer<typeof PolicyDetail>;

export const StoredPolicy = PolicyDetail.extend({ warnings: z.array(PolicyIssue) });
export type StoredPolicy = z.infer<typeof StoredPolicy>;

export const ActivatedPolicy = PolicyDetail.extend({
  previousVersion: z.number().int().nullable().describe('The version active before this request.'),
});
export type ActivatedPolicy = z.infer<typeof ActivatedPolicy>;

export const PolicyValidation = z.object({ valid: z.boolean(), issues: z.array(PolicyIssue) });
export type PolicyValidation = z.infer<typeof PolicyValidation>;

export const PolicyDiff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  diff: z.string().describe('Unified diff from `from` to `to`; empty when their lines are equal.'),
});
export type PolicyDiff = z.infer<typeof PolicyDiff>;

const changeGroup = { count, examples: z.array(z.string()) };

export const SimulationResult = z.object({
  window: z.object({ since: isoTime, until: isoTime.nullable() }),
  truncated: z.boolean().describe('The window held more events than `limit`; only the newest were read.'),
  eventsScanned: count,
  decisionsCompared: count,
  decisionsChanged: count,
  eventsChanged: count,
  byDirection: z.object({
    input: z.object({ compared: count, changed: count }),
    output: z.object({ compared: count, changed: count }),
  }),
  byTransition: z.array(z.object({ from: z.string(), to: z.string(), ...changeGroup })),
  byRule: z.array(z.object({ ruleId: z.string().nullable(), ...changeGroup })),
  rescan: z.object({ rescanned: count, notRescannable: count, unreadable: count }).nullable(),
});
export type SimulationResult = z.infer<typeof SimulationResult>;

export const GlobalState = z.object({
  source: z
    .enum(['setting', 'policy'])
    .describe('`setting`: the run-time setting; `policy`: the active policy (none was written).'),
  policyVersion: z.number().int().nullable().describe('The active policy version (null: the config file).'),
  setting: z.object({ revision: z.number().int(), updatedBy: z.string(), updatedAt: isoTime }).nullable(),
  global: Global,
});
export type GlobalState = z.infer<typeof GlobalState>;

export const GlobalChanged = GlobalState.extend({ warnings: z.array(PolicyIssue) });
export type GlobalChanged = z.infer<typeof GlobalChanged>;

export const Approval = z.object({
  id: z.string(),
  eventId: z.string(),
  ruleId: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired']),
  principal: z.object({
    keyId: z.string().nullable(),
    user: z.string().nullable(),
    groups: z.array(z.string()),
    app: z.string().nullable(),
  }),
  model: z.string().nullable(),
  summary: z.string().describe('Redacted summary for the reviewer (never raw content).'),
  findings: z.unknown(),
  createdAt: isoTime,
  expiresAt: isoTime,
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  reason: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const ApprovalList = z.object({ approvals: z.array(Approval).describe('Newest first.') });
export type ApprovalList = z.infer<typeof ApprovalList>;

/** Every admin error: a stable code, one sentence, and sometimes details (`issues`, `allowed`). */
export const AdminErrorBody = z.object({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;
