/**
 * The audits part of the admin API (docs/api.md, "Analytics"; docs/fairness.md, "The guard's own
 * fairness"): the fairness of the guard's own decisions over a window of stored events, per group, app
 * or detected language — intervention rates with bootstrap intervals, demographic-parity ratios with the
 * four-fifths verdict, and TPR/FPR parity where reviewers labelled events.
 */
import { ParapetError } from '@parapet/core';
import { z } from 'zod';
import {
  auditGuardEvents,
  DEFAULT_GUARD_MIN_GROUP_SIZE,
  GUARD_BY,
  GUARD_MEASURES,
  GuardWindowTooLargeError,
  MAX_GUARD_BOOTSTRAP,
} from '../audit/guard.ts';
import { LABEL_PATTERN } from '../store/event-search.ts';
import { resolveWindow } from './analytics/window.ts';
import type { AdminDeps } from './context.ts';
import { type AdminRoute, defineRoute } from './router.ts';

/** Bootstrap samples when the query names none. */
export const DEFAULT_GUARD_API_BOOTSTRAP = 1000;
/** Seed when the query names none. */
export const DEFAULT_GUARD_SEED = 7;
/**
 * Most resampled rows per core audit in one answer (events × samples), so an answer keeps the gateway's
 * event loop busy for about a second per audit at most: a larger window gets fewer samples (or none),
 * with a warning; the command line has no such bound.
 */
export const GUARD_API_BOOTSTRAP_BUDGET = 100_000_000;

const digits = (max: number, what: string) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, { message: `must be a whole number from 0 to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(0)
        .max(max, { message: `${what} must be at most ${max}` }),
    );

const labelList = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').map((l) => l.trim()))
  .pipe(
    z
      .array(
        z.string().regex(LABEL_PATTERN, { message: 'labels are lower-case letters, digits, `_`, `.`, `-`' }),
      )
      .min(1)
      .max(50),
  );

export const GuardFairnessQuery = z.strictObject({
  since: z
    .string()
    .min(1)
    .max(100)
    .default('30d')
    .describe('Start of the window: a duration before now (`12h`, `30d`) or an ISO time; default `30d`.'),
  until: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('End of the window (exclusive), like `since`; default now.'),
  by: z
    .enum(GUARD_BY)
    .default('group')
    .describe('Audit per principal group, app, or detected language; default `group`.'),
  family: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, { message: 'must be a detector family name such as `prompt_attack`' })
    .optional()
    .describe(
      'Count only interventions caused by findings of this detector family; default every intervention.',
    ),
  bootstrap: digits(MAX_GUARD_BOOTSTRAP, 'bootstrap')
    .default(DEFAULT_GUARD_API_BOOTSTRAP)
    .describe(
      `Bootstrap samples for the intervals (0: none; at most ${MAX_GUARD_BOOTSTRAP}); default ${DEFAULT_GUARD_API_BOOTSTRAP}.`,
    ),
  seed: digits(2 ** 31 - 1, 'seed')
    .default(DEFAULT_GUARD_SEED)
    .describe(`Seed of the bootstrap, so an answer can be reproduced; default ${DEFAULT_GUARD_SEED}.`),
  minEvents: digits(1_000_000, 'minEvents')
    .default(1)
    .describe('Leave out groups with fewer events (listed in `excluded`); default 1 (none left out).'),
  minGroupSize: digits(1_000_000, 'minGroupSize')
    .default(DEFAULT_GUARD_MIN_GROUP_SIZE)
    .describe(`Warn about groups smaller than this; default ${DEFAULT_GUARD_MIN_GROUP_SIZE}.`),
  positiveLabels: labelList
    .optional()
    .describe(
      'Comma-separated labels meaning "should have intervened"; default true_positive,confirmed,false_negative.',
    ),
  negativeLabels: labelList
    .optional()
    .describe(
      'Comma-separated labels meaning "should not have intervened"; default false_positive,true_negative.',
    ),
});
export type GuardFairnessQuery = z.infer<typeof GuardFairnessQuery>;

const rate = z.number().min(0).max(1);
const count = z.number().int().min(0);
const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');

const Estimate = z.object({
  value: z.number().nullable().describe('Point estimate; null where undefined (0/0).'),
  low: z.number().nullable().describe('Lower bound of the bootstrap interval; null without bootstrap.'),
  high: z.number().nullable().describe('Upper bound of the bootstrap interval; null without bootstrap.'),
});

const verdict = z.enum(['pass', 'fail']).nullable();

export const GuardFairness = z
  .object({
    source: z.enum(['events', 'dataset']),
    by: z.string().describe('The attribute audited: group, app or language.'),
    family: z.string().nullable().describe('Only interventions caused by this family counted; null: all.'),
    window: z.object({ since: isoTime, until: isoTime }).nullable(),
    dataset: z
      .object({
        files: z.array(z.string()),
        records: count,
        errors: count,
        textField: z.string(),
        labelField: z.string(),
        groupFields: z.array(z.string()),
        detectedLanguage: z.boolean(),
        detectors: z.array(z.string()),
        threshold: rate.nullable(),
        policy: z.string().nullable(),
      })
      .nullable()
      .describe('Offline runs only (`parapet audit guard --dataset`); always null here.'),
    skipped: count.describe(
      'Events of the window nothing decided on (refused before the policy ran), left out.',
    ),
    labels: z
      .object({
        positive: z.array(z.string()),
        negative: z.array(z.string()),
        positives: count,
        negatives: count,
        conflicting: count,
        unlabelled: count,
      })
      .describe('The reviewer labels read as ground truth, and how many events carry each kind.'),
    language: z
      .object({ policy: count, preview: count, unknown: count })
      .nullable()
      .describe('by=language: where each event’s language came from.'),
    attribute: z.string(),
    events: count.describe('Events audited.'),
    rows: count.describe('(event, group) pairs: an event in two groups counts in each.'),
    measures: z.array(z.enum(GUARD_MEASURES)),
    groups: z.array(
      z.object({
        group: z.string(),
        events: count,
        rates: z.array(
          z.object({
            measure: z.enum(GUARD_MEASURES),
            events: count,
            value: z.number().nullable(),
            low: z.number().nullable(),
            high: z.number().nullable(),
          }),
        ),
        positives: count,
        negatives: count,
        tpr: Estimate,
        fpr: Estimate,
        warnings: z.array(z.string()),
      }),
    ),
    excluded: z.array(z.object({ group: z.string(), events: count })),
    parity: z.array(
      z.object({
        metric: z.enum([...GUARD_MEASURES, 'tpr', 'fpr']),
        difference: Estimate.describe('Highest rate − lowest rate.'),
        ratio: Estimate.describe('Lowest rate / highest rate.'),
        fourFifths: verdict.describe('Intervention rates only: pass when the ratio is at least 0.8.'),
        lowest: z.string().nullable(),
        highest: z.string().nullable(),
      }),
    ),
    favourable: z
      .object({
        ratio: z.number().nullable(),
        fourFifths: verdict,
        lowest: z.string().nullable(),
        highest: z.string().nullable(),
      })
      .describe('The four-fifths rule on the share of events let through untouched (point estimate).'),
    equalizedOdds: Estimate.nullable().describe('Equalized odds difference, when events are labelled.'),
    bootstrap: z.object({ samples: count, seed: z.number().int(), level: rate }).nullable(),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'GuardFairness' });
export type GuardFairness = z.infer<typeof GuardFairness>;

export function auditRoutes(deps: AdminDeps): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/audits/guard',
      summary: 'Fairness of the guard: intervention rates, parity and TPR/FPR per group, app or language',
      permission: 'analytics.read',
      query: GuardFairnessQuery,
      response: GuardFairness,
      handle: ({ query }) => guardFairness(deps, query),
    }),
  ];
}

async function guardFairness(deps: AdminDeps, q: GuardFairnessQuery): Promise<GuardFairness> {
  const w = resolveWindow(q, deps.clock.wallMs());
  try {
    const { report } = await auditGuardEvents(deps.store.sql, {
      since: w.sinceIso,
      until: w.untilIso,
      by: q.by,
      family: q.family ?? null,
      bootstrap: q.bootstrap === 0 ? null : { samples: q.bootstrap, seed: q.seed },
      minEvents: Math.max(1, q.minEvents),
      minGroupSize: q.minGroupSize,
      bootstrapBudget: GUARD_API_BOOTSTRAP_BUDGET,
      ...(q.positiveLabels === undefined ? {} : { positiveLabels: q.positiveLabels }),
      ...(q.negativeLabels === undefined ? {} : { negativeLabels: q.negativeLabels }),
    });
    return report;
  } catch (error) {
    if (error instanceof GuardWindowTooLargeError) {
      throw new ParapetError('PARAPET_REQUEST_INVALID', error.message);
    }
    if (error instanceof RangeError) throw new ParapetError('PARAPET_REQUEST_INVALID', error.message);
    throw error;
  }
}
