/**
 * `parapet audit guard`: the fairness of the guard's own decisions (docs/fairness.md, "The guard's own
 * fairness"). From stored events: intervention rates per group, app or detected language with parity
 * ratios, bootstrap intervals and, where reviewers labelled events, TPR/FPR parity. With `--dataset`
 * (offline, before there is traffic): the detectors — and with `--policy` the policy — run over a
 * labelled JSONL file and the same table comes out.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compilePolicy, type FairnessAudit, tryParseDuration, validatePolicy } from '@parapet/core';
import {
  auditGuardEvents,
  type BootstrapSpec,
  DEFAULT_GUARD_MIN_GROUP_SIZE,
  formatGuardReport,
  fourFifthsWords,
  GUARD_BY,
  type GuardBy,
  type GuardReport,
  GuardWindowTooLargeError,
  MAX_GUARD_BOOTSTRAP,
} from '../../audit/guard.ts';
import { auditGuardDataset, type OfflineGrouping, type OfflinePolicy } from '../../audit/guard-offline.ts';
import { type AuditReport, type ReportSection, renderAuditHtml } from '../../audit/report-html.ts';
import { resolveModel } from '../../config/index.ts';
import { detectorsForCommand } from '../../detectors/builtin.ts';
import { policyCatalogue } from '../../policy/catalogue.ts';
import { formatProblem, locateIssues, PolicyFileError, readPolicyFile } from '../../policy/policy-file.ts';
import { type CliIo, type Command, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

const COMMAND = 'audit guard';

/** Options that only make sense with `--dataset`, and only without it. */
const OFFLINE_ONLY = [
  'groupField',
  'textField',
  'labelField',
  'benignLabels',
  'threshold',
  'policy',
  'model',
  'detectors',
  'limit',
] as const;
const EVENTS_ONLY = ['since', 'until', 'positiveLabels', 'negativeLabels'] as const;

const FLAG: Readonly<Record<string, string>> = {
  groupField: '--group-field',
  textField: '--text-field',
  labelField: '--label-field',
  benignLabels: '--benign-labels',
  threshold: '--threshold',
  policy: '--policy',
  model: '--model',
  detectors: '--detectors',
  limit: '--limit',
  since: '--since',
  until: '--until',
  positiveLabels: '--positive-labels',
  negativeLabels: '--negative-labels',
};

export const auditGuardCommand = defineCommand({
  name: COMMAND,
  summary: 'Audit the fairness of the guard itself: intervention rates and parity per group, app or language',
  description:
    'From the stored events of a window: the rate at which the gateway blocked, held, warned, redacted (and intervened at all) per principal group, app or detected language, with seeded bootstrap intervals, demographic-parity differences and ratios and the four-fifths verdict; where reviewers labelled events (true_positive/confirmed/false_negative: should have intervened; false_positive/true_negative: should not), TPR and FPR per group and their parity. An event in several groups counts in each. With --dataset (offline, before there is traffic): run the detectors (and with --policy, the policy) over a labelled JSONL file ({"text", "label", …} per line) grouped by --group-field or by language, and report the same table. Exit codes: 0 done, 1 unreadable data, store or policy error, 2 usage. Definitions: docs/fairness.md.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'since',
      type: 'string',
      valueName: 'when',
      description: 'Start of the window: a duration before now (30d, 12h) or an ISO time (default 30d)',
    },
    {
      name: 'until',
      type: 'string',
      valueName: 'when',
      description: 'End of the window, exclusive (default now)',
    },
    {
      name: 'by',
      type: 'string',
      valueName: 'group|app|language',
      description: 'What to compare: principal groups, apps or detected languages (default group)',
    },
    {
      name: 'family',
      type: 'string',
      valueName: 'family',
      description:
        'Count only interventions caused by findings of this detector family (offline without --policy: the family whose findings count)',
    },
    {
      name: 'bootstrap',
      type: 'number',
      default: 1000,
      valueName: 'n',
      description: 'Bootstrap samples for the confidence intervals (0: none)',
    },
    { name: 'seed', type: 'number', default: 7, valueName: 'n', description: 'Seed of the bootstrap' },
    {
      name: 'level',
      type: 'number',
      default: 0.95,
      valueName: 'p',
      description: 'Confidence level of the intervals',
    },
    {
      name: 'min-group-size',
      type: 'number',
      default: DEFAULT_GUARD_MIN_GROUP_SIZE,
      valueName: 'n',
      description: 'Groups smaller than this get a warning that they cannot support a conclusion',
    },
    {
      name: 'min-events',
      type: 'number',
      default: 1,
      valueName: 'n',
      description: 'Leave groups with fewer events out of the table and the parity summaries',
    },
    {
      name: 'positive-labels',
      type: 'list',
      valueName: 'label,…',
      description:
        'Reviewer labels meaning "should have intervened" (default true_positive,confirmed,false_negative)',
    },
    {
      name: 'negative-labels',
      type: 'list',
      valueName: 'label,…',
      description:
        'Reviewer labels meaning "should not have intervened" (default false_positive,true_negative)',
    },
    {
      name: 'dataset',
      type: 'string',
      repeatable: true,
      valueName: 'file.jsonl',
      description: 'Offline: a labelled JSONL file to run the detectors over (repeat for several)',
    },
    {
      name: 'group-field',
      type: 'string',
      valueName: 'field',
      description:
        'Offline: the record field to group by (default with --by language: the language or lang field, else the detected language)',
    },
    {
      name: 'text-field',
      type: 'string',
      valueName: 'field',
      description: 'Offline: the text field (default text)',
    },
    {
      name: 'label-field',
      type: 'string',
      valueName: 'field',
      description: 'Offline: the label field (default label)',
    },
    {
      name: 'benign-labels',
      type: 'list',
      valueName: 'value,…',
      description:
        'Offline: label values meaning "nothing to intervene on" (default benign,safe,no_pii,no_secret,non_toxic,no,negative,0,false)',
    },
    {
      name: 'threshold',
      type: 'number',
      valueName: 'score',
      description: 'Offline without --policy: minimum finding score that counts as flagged (default 0.5)',
    },
    {
      name: 'policy',
      type: 'string',
      valueName: 'file',
      description: 'Offline: decide with this policy (a policy file or a parapet.yaml) and audit its actions',
    },
    {
      name: 'model',
      type: 'string',
      valueName: 'name',
      description: 'Offline with --policy: the model the requests are for (for rules on models and tags)',
    },
    {
      name: 'detectors',
      type: 'list',
      valueName: 'a,b',
      description:
        'Offline: run only these detectors (default: the family, or with --policy every configured one)',
    },
    { name: 'limit', type: 'number', valueName: 'n', description: 'Offline: stop after n records' },
    { name: 'json', type: 'boolean', description: 'Print the report as JSON' },
    {
      name: 'html',
      type: 'string',
      valueName: 'file',
      description: 'Also write a self-contained HTML report with charts',
    },
  ],
  examples: [
    'parapet audit guard --since 30d --by group',
    'parapet audit guard --since 7d --by language --family prompt_attack --json',
    'parapet audit guard --by app --bootstrap 2000 --seed 11 --html guard.html',
    'parapet audit guard --dataset benign-multilingual.jsonl --by language --family prompt_attack',
    'parapet audit guard --dataset prompts.jsonl --group-field dialect --policy parapet.yaml',
  ],
  async run({ options, io }) {
    const by = options.by ?? 'group';
    if (!(GUARD_BY as readonly string[]).includes(by)) {
      throw new UsageError('`--by` must be group, app or language', COMMAND);
    }
    const bootstrap = bootstrapOf(options.bootstrap, options.seed, options.level);
    if (!Number.isInteger(options.minEvents) || options.minEvents < 1)
      throw new UsageError('`--min-events` must be a whole number of at least 1', COMMAND);
    if (!Number.isInteger(options.minGroupSize) || options.minGroupSize < 0)
      throw new UsageError('`--min-group-size` must be a whole number', COMMAND);
    const table = {
      bootstrap,
      minGroupSize: options.minGroupSize,
      minEvents: options.minEvents,
    };

    let result: { report: GuardReport; audit: FairnessAudit | null };
    if (options.dataset.length > 0) {
      for (const name of EVENTS_ONLY) {
        if (options[name] !== undefined)
          throw new UsageError(
            `\`${FLAG[name]}\` reads stored events; it does not go with \`--dataset\``,
            COMMAND,
          );
      }
      const outcome = await offline(options, by, table, io);
      if (typeof outcome === 'number') return outcome;
      result = outcome;
    } else {
      for (const name of OFFLINE_ONLY) {
        if (options[name] !== undefined)
          throw new UsageError(`\`${FLAG[name]}\` needs \`--dataset\` (the offline mode)`, COMMAND);
      }
      const now = io.now?.() ?? new Date();
      const since = pointInTime(options.since ?? '30d', now, '--since');
      const until =
        options.until === undefined ? now.toISOString() : pointInTime(options.until, now, '--until');
      if (!(since < until)) throw new UsageError('`--until` must be after `--since`', COMMAND);
      const config = loadCommandConfig(options, io);
      const { openStore } = await import('../../store/index.ts');
      const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
      try {
        result = await auditGuardEvents(store.sql, {
          since,
          until,
          by: by as GuardBy,
          family: options.family ?? null,
          ...(options.positiveLabels === undefined ? {} : { positiveLabels: options.positiveLabels }),
          ...(options.negativeLabels === undefined ? {} : { negativeLabels: options.negativeLabels }),
          ...table,
        });
      } catch (error) {
        if (error instanceof GuardWindowTooLargeError) throw new UsageError(error.message, COMMAND);
        if (error instanceof RangeError) throw new UsageError(error.message, COMMAND);
        throw error;
      } finally {
        await store.close();
      }
    }

    const { report, audit } = result;
    if (options.html !== undefined) {
      const file = resolve(io.cwd, options.html);
      await writeFile(file, renderAuditHtml(guardHtmlReport(report, audit, now(io))), 'utf8');
      io.stderr.write(`wrote ${file}\n`);
    }
    io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatGuardReport(report));
    return EXIT.OK;
  },
});

/** Every `audit guard` command (one), for the command list in cli/main.ts. */
export const AUDIT_GUARD_COMMANDS: readonly Command[] = [auditGuardCommand];

const now = (io: CliIo): Date => io.now?.() ?? new Date();

function bootstrapOf(samples: number, seed: number, level: number): BootstrapSpec | null {
  if (!Number.isInteger(samples) || samples < 0 || samples > MAX_GUARD_BOOTSTRAP)
    throw new UsageError(`\`--bootstrap\` must be a whole number from 0 to ${MAX_GUARD_BOOTSTRAP}`, COMMAND);
  if (!Number.isInteger(seed)) throw new UsageError('`--seed` must be a whole number', COMMAND);
  if (!(level > 0 && level < 1))
    throw new UsageError('`--level` must be between 0 and 1, e.g. 0.95', COMMAND);
  return samples === 0 ? null : { samples, seed, level };
}

function pointInTime(text: string, at: Date, option: string): string {
  const ms = tryParseDuration(text);
  if (ms !== null) return new Date(at.getTime() - ms).toISOString();
  if (text.length >= 10 && text[4] === '-' && text[7] === '-' && !Number.isNaN(Date.parse(text))) {
    return new Date(Date.parse(text)).toISOString();
  }
  throw new UsageError(
    `\`${option}\` must be a duration such as \`30d\` or \`12h\`, or an ISO time such as \`2025-03-01\`, not \`${text}\``,
    COMMAND,
  );
}

interface OfflineOptions {
  config?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  dataset: string[];
  groupField?: string | undefined;
  textField?: string | undefined;
  labelField?: string | undefined;
  benignLabels?: string[] | undefined;
  family?: string | undefined;
  threshold?: number | undefined;
  policy?: string | undefined;
  model?: string | undefined;
  detectors?: string[] | undefined;
  limit?: number | undefined;
}

/** The offline run; an exit code when the policy file is invalid (its problems are printed). */
async function offline(
  options: OfflineOptions,
  by: string,
  table: { bootstrap: BootstrapSpec | null; minGroupSize: number; minEvents: number },
  io: CliIo,
): Promise<{ report: GuardReport; audit: FairnessAudit | null } | number> {
  let grouping: OfflineGrouping;
  if (options.groupField !== undefined) grouping = { kind: 'field', field: options.groupField };
  else if (by === 'language') grouping = { kind: 'language' };
  else
    throw new UsageError(
      '`--dataset` needs `--group-field FIELD` (the record field to compare), or `--by language`',
      COMMAND,
    );
  const files = options.dataset.map((f) => resolve(io.cwd, f));
  for (const [i, file] of files.entries()) {
    if (!existsSync(file)) throw new UsageError(`dataset \`${options.dataset[i]}\` does not exist`, COMMAND);
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0))
    throw new UsageError('`--limit` must be a positive whole number', COMMAND);
  if (options.threshold !== undefined && !(options.threshold >= 0 && options.threshold <= 1))
    throw new UsageError('`--threshold` must be between 0 and 1', COMMAND);
  if (options.policy === undefined && options.family === undefined)
    throw new UsageError(
      'without `--policy`, name the detector family whose findings count as an intervention: `--family prompt_attack`',
      COMMAND,
    );
  if (options.policy === undefined && options.model !== undefined)
    throw new UsageError('`--model` only matters with `--policy`', COMMAND);

  const config = loadCommandConfig(options, io);
  const only = options.detectors ?? (options.policy === undefined ? [options.family!] : undefined);
  const detectors = await detectorsForCommand(config, only);
  let policy: OfflinePolicy | null = null;
  if (options.policy !== undefined) {
    let source: ReturnType<typeof readPolicyFile>;
    try {
      source = readPolicyFile(options.policy, io.cwd);
    } catch (error) {
      if (!(error instanceof PolicyFileError)) throw error;
      for (const p of error.problems) io.stderr.write(`${formatProblem(options.policy, p)}\n`);
      return EXIT.FAILURE;
    }
    const checked = validatePolicy(source.raw, policyCatalogue(config, detectors, []));
    if (checked.policy === null) {
      for (const p of locateIssues(source, checked.issues))
        io.stderr.write(`${formatProblem(options.policy, p)}\n`);
      return EXIT.FAILURE;
    }
    let model = '';
    let provider = '';
    let modelTags: readonly string[] = [];
    if (options.model !== undefined) {
      const resolved = resolveModel(config, options.model);
      if (resolved === null)
        throw new UsageError(`no model \`${options.model}\` in the model table or upstreams`, COMMAND);
      model = resolved.name;
      provider = resolved.provider;
      modelTags = resolved.tags;
    }
    policy = { name: options.policy, compiled: compilePolicy(checked.policy), model, provider, modelTags };
  }
  try {
    return await auditGuardDataset({
      datasets: files,
      grouping,
      ...(options.textField === undefined ? {} : { textField: options.textField }),
      ...(options.labelField === undefined ? {} : { labelField: options.labelField }),
      ...(options.benignLabels === undefined ? {} : { benignLabels: options.benignLabels }),
      family: options.family ?? null,
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      detectors,
      budgetMs: config.inspection.detector_budget_ms,
      policy,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...table,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message, COMMAND);
    throw error;
  }
}

const MEASURE_WORDS: Readonly<Record<string, string>> = {
  intervened: 'Any intervention',
  blocked: 'Blocked',
  held: 'Held',
  warned: 'Warned',
  redacted: 'Redacted',
};

/** The HTML report: per-group bars with intervals for each rate, the parity summary, the core audit. */
export function guardHtmlReport(report: GuardReport, audit: FairnessAudit | null, at: Date): AuditReport {
  const facts: { label: string; value: string }[] = [];
  if (report.window !== null)
    facts.push({ label: 'Window', value: `${report.window.since} – ${report.window.until}` });
  if (report.dataset !== null) {
    facts.push({ label: 'Dataset', value: report.dataset.files.join(', ') });
    facts.push({
      label: 'Records',
      value: `${report.dataset.records} (${report.dataset.errors} unusable lines)`,
    });
    facts.push({
      label: 'Decided by',
      value:
        report.dataset.policy === null
          ? `a \`${report.family}\` finding with score ≥ ${report.dataset.threshold}`
          : `the policy ${report.dataset.policy}`,
    });
  } else {
    facts.push({
      label: 'Events',
      value: `${report.events} (${report.skipped} without a decision left out)`,
    });
  }
  facts.push({ label: 'Compared by', value: report.by });
  facts.push({
    label: 'Interventions counted',
    value: report.family === null ? 'all' : `caused by ${report.family} findings`,
  });
  facts.push({
    label: 'Intervals',
    value:
      report.bootstrap === null
        ? 'none'
        : `${Math.round(report.bootstrap.level * 100)}% bootstrap, ${report.bootstrap.samples} samples, seed ${report.bootstrap.seed}`,
  });
  const sections: ReportSection[] = report.measures.map((m, i) => ({
    kind: 'bars',
    heading: `${MEASURE_WORDS[m] ?? m}: rate per ${report.by}`,
    valueLabel: `${MEASURE_WORDS[m] ?? m} rate`,
    percent: true,
    groups: report.groups.map((g) => ({
      label: g.group,
      value: g.rates[i]?.value ?? null,
      low: g.rates[i]?.low ?? null,
      high: g.rates[i]?.high ?? null,
      n: g.events,
    })),
  }));
  const labelled = report.parity.some((p) => p.metric === 'tpr');
  if (labelled) {
    for (const [key, words, n] of [
      ['tpr', 'True-positive rate (should have intervened, did)', 'positives'],
      ['fpr', 'False-positive rate (should not have intervened, did)', 'negatives'],
    ] as const) {
      sections.push({
        kind: 'bars',
        heading: words,
        valueLabel: key.toUpperCase(),
        percent: true,
        note: 'Over the events reviewers labelled only.',
        groups: report.groups.map((g) => ({ label: g.group, ...g[key], n: g[n] })),
      });
    }
  }
  sections.push({
    kind: 'table',
    heading: 'Parity summary',
    note: 'Ratio: lowest rate / highest rate; difference: highest − lowest. The four-fifths rule applies to intervention rates.',
    columns: ['compared', 'ratio', 'ratio low', 'ratio high', 'difference', 'lowest', 'highest', 'verdict'],
    rows: report.parity.map((p) => [
      p.metric,
      p.ratio.value,
      p.ratio.low,
      p.ratio.high,
      p.difference.value,
      p.lowest,
      p.highest,
      fourFifthsWords(p),
    ]),
  });
  if (audit !== null) {
    sections.push({
      kind: 'fairness',
      heading: 'Core audit of interventions (prediction = intervened, label = reviewer label)',
      audit,
    });
  }
  return {
    title: `Guard fairness by ${report.by}`,
    generatedAt: at.toISOString(),
    facts,
    sections,
    warnings: report.warnings,
  };
}
