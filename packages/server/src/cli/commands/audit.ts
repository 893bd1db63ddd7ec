/**
 * `parapet audit …`: fairness audits. `audit fairness` audits a model's decisions in a CSV table
 * (per-group rates, parity summaries, bootstrap intervals, mitigation); see docs/fairness.md.
 *
 * Other `audit` subcommands live in their own files and are added to AUDIT_COMMANDS below:
 * `audit guard` (commands/audit-guard.ts, AUDIT_GUARD_COMMANDS) and `audit bbq` / `audit counterfactual`
 * (commands/audit-probe.ts, AUDIT_PROBE_COMMANDS).
 */
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  type AuditOptions,
  type AuditRow,
  auditFairness,
  type FairnessAudit,
  FairnessInputError,
  type MitigationResult,
  reweighing,
  thresholdOptimizer,
} from '@parapet/core';
import { csvFileChunks } from '../../audit/csv.ts';
import { FilterError } from '../../audit/filter.ts';
import { type AuditTextReport, formatAuditMarkdown, formatAuditText } from '../../audit/format-text.ts';
import { type AuditReport, type ReportSection, renderAuditHtml } from '../../audit/report-html.ts';
import { type InputStats, readAuditTable, TableInputError, type TableSpec } from '../../audit/table-input.ts';
import { didYouMean } from '../../config/did-you-mean.ts';
import { type Command, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { AUDIT_GUARD_COMMANDS } from './audit-guard.ts';
import { AUDIT_PROBE_COMMANDS } from './audit-probe.ts';

const COMMAND = 'audit fairness';

const MITIGATIONS = ['threshold-dp', 'threshold-eo', 'reweighing'] as const;
type Mitigation = (typeof MITIGATIONS)[number];

export const auditFairnessCommand = defineCommand({
  name: COMMAND,
  summary: 'Audit the fairness of a model’s decisions in a CSV table (Fairlearn/AIF360 metrics)',
  description:
    'Read a CSV (streamed; plain or gzip; `-` for standard input) with a true label, a decision and one or more sensitive columns, and report per group and per intersection: count, base rate, selection rate, TPR, FPR, FNR, TNR, PPV, NPV and accuracy (and calibration by score bin with `--score`); and per column: demographic parity, equalized odds, equal opportunity, predictive parity, average odds, disparate impact with the four-fifths rule, and the Theil and generalized entropy indices. `--bootstrap N` adds seeded percentile intervals. `--mitigate` fits group thresholds (threshold-dp, threshold-eo) or reweighing and reports before and after. Bad rows are counted and reported, not fatal. Exit codes: 0 done, 1 unreadable data or nothing to audit (or a four-fifths failure with `--fail-on-four-fifths`), 2 usage. Definitions: docs/fairness.md.',
  options: [
    {
      name: 'data',
      type: 'string',
      required: true,
      valueName: 'file.csv',
      description: 'The CSV table (`-`: standard input)',
    },
    {
      name: 'label',
      type: 'string',
      required: true,
      valueName: 'column',
      description: 'Column of the true outcome',
    },
    {
      name: 'prediction',
      type: 'string',
      required: true,
      valueName: 'column',
      description:
        'Column of the decision (0/1 unless mapped with --prediction-positive or --prediction-threshold)',
    },
    {
      name: 'sensitive',
      type: 'list',
      required: true,
      valueName: 'column,…',
      description: 'Sensitive columns; with two or more, their intersection is audited too',
    },
    {
      name: 'positive',
      type: 'string',
      valueName: 'value',
      description:
        'Label value meaning positive; every other non-empty value is negative (default: labels are 0/1)',
    },
    {
      name: 'prediction-positive',
      type: 'list',
      valueName: 'value,…',
      description:
        'Prediction values meaning positive, e.g. Medium,High; every other non-empty value is negative',
    },
    {
      name: 'prediction-threshold',
      type: 'number',
      valueName: 'x',
      description: 'Numeric predictions: positive when the value is ≥ x',
    },
    {
      name: 'score',
      type: 'string',
      valueName: 'column',
      description: 'Column of a score in [0, 1]: calibration bins and the threshold mitigations',
    },
    {
      name: 'score-range',
      type: 'list',
      valueName: 'min,max',
      description: 'Rescale scores from [min, max] to [0, 1] (e.g. 1,10 for deciles)',
    },
    {
      name: 'filter',
      type: 'string',
      valueName: 'expr',
      description: 'Keep rows matching, e.g. \'age >= 18 and race in ("A", "B") and not x is empty\'',
    },
    {
      name: 'privileged',
      type: 'list',
      valueName: 'column=value,…',
      description:
        'Privileged group per column: ratios and average odds become unprivileged vs privileged (AIF360); default min/max over groups (Fairlearn)',
    },
    {
      name: 'bootstrap',
      type: 'number',
      valueName: 'n',
      description: 'Bootstrap samples for confidence intervals (e.g. 1000)',
    },
    {
      name: 'seed',
      type: 'number',
      default: 7,
      valueName: 'n',
      description: 'Seed of the bootstrap and of randomised thresholds',
    },
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
      default: 30,
      valueName: 'n',
      description: 'Groups smaller than this get a warning that they cannot support a conclusion',
    },
    {
      name: 'bins',
      type: 'number',
      default: 10,
      valueName: 'n',
      description: 'Calibration bins (equal width on [0, 1])',
    },
    {
      name: 'entropy-alpha',
      type: 'number',
      default: 2,
      valueName: 'a',
      description: 'Alpha of the generalized entropy index (the Theil index, alpha 1, is always reported)',
    },
    {
      name: 'intersection',
      type: 'boolean',
      default: true,
      description: 'Audit the intersection of the sensitive columns (`--no-intersection`: do not)',
    },
    {
      name: 'mitigate',
      type: 'string',
      valueName: MITIGATIONS.join('|'),
      description:
        'Also mitigate and report before/after: group thresholds on --score for demographic parity or equalized odds, or reweighing',
    },
    {
      name: 'delimiter',
      type: 'string',
      valueName: 'char',
      description: 'Field delimiter: one character or `tab` [default: ,]',
    },
    {
      name: 'json',
      type: 'boolean',
      description: 'Print one JSON object (input stats, audit, mitigation) instead of tables',
    },
    { name: 'md', type: 'string', valueName: 'file', description: 'Also write the report as Markdown' },
    {
      name: 'html',
      type: 'string',
      valueName: 'file',
      description: 'Also write a self-contained HTML report with charts',
    },
    {
      name: 'fail-on-four-fifths',
      type: 'boolean',
      description: 'Exit 1 when any column fails the four-fifths rule (for pipelines)',
    },
  ],
  examples: [
    'parapet audit fairness --data loans.csv --label repaid --prediction approved --sensitive sex,race',
    `parapet audit fairness --data compas.csv --label two_year_recid --prediction score_text --prediction-positive Medium,High --sensitive race --filter 'days_b_screening_arrest <= 30 and days_b_screening_arrest >= -30 and is_recid != -1 and c_charge_degree != "O" and score_text != "N/A"' --bootstrap 1000 --seed 7`,
    'parapet audit fairness --data scored.csv --label y --prediction yhat --score p --sensitive sex --mitigate threshold-dp --html report.html',
  ],
  async run({ options, io }) {
    const usage = (message: string): never => {
      throw new UsageError(message, COMMAND);
    };
    const sensitive = options.sensitive;
    const duplicate = sensitive.find((name, i) => sensitive.indexOf(name) !== i);
    if (duplicate !== undefined) usage(`option \`--sensitive\` names \`${duplicate}\` twice`);

    const privileged: Record<string, string> = {};
    for (const pair of options.privileged ?? []) {
      const equals = pair.indexOf('=');
      if (equals <= 0) usage(`\`--privileged ${pair}\` must look like column=value`);
      const column = pair.slice(0, equals).trim();
      if (!sensitive.includes(column)) {
        usage(
          `\`--privileged ${pair}\`: \`${column}\` is not one of the --sensitive columns (${sensitive.join(', ')})`,
        );
      }
      privileged[column] = pair.slice(equals + 1).trim();
    }

    if (options.predictionPositive !== undefined && options.predictionThreshold !== undefined) {
      usage('give either `--prediction-positive` or `--prediction-threshold`, not both');
    }
    let scoreRange: [number, number] | undefined;
    if (options.scoreRange !== undefined) {
      const [low, high] = options.scoreRange.map(Number);
      if (
        options.scoreRange.length !== 2 ||
        !Number.isFinite(low) ||
        !Number.isFinite(high) ||
        low! >= high!
      ) {
        usage(
          `option \`--score-range\` must be two numbers min,max with min < max, not \`${options.scoreRange.join(',')}\``,
        );
      }
      if (options.score === undefined) usage('`--score-range` needs `--score`');
      scoreRange = [low!, high!];
    }
    const bootstrap = options.bootstrap;
    if (bootstrap !== undefined && (!Number.isInteger(bootstrap) || bootstrap < 1 || bootstrap > 100_000)) {
      usage(`option \`--bootstrap\` must be a whole number from 1 to 100000, not \`${bootstrap}\``);
    }
    if (!Number.isInteger(options.seed))
      usage(`option \`--seed\` must be a whole number, not \`${options.seed}\``);
    if (!(options.level > 0 && options.level < 1)) {
      usage(`option \`--level\` must lie strictly between 0 and 1, not \`${options.level}\``);
    }
    if (!Number.isInteger(options.minGroupSize) || options.minGroupSize < 0) {
      usage(`option \`--min-group-size\` must be a whole number ≥ 0, not \`${options.minGroupSize}\``);
    }
    if (!Number.isInteger(options.bins) || options.bins < 1 || options.bins > 1000) {
      usage(`option \`--bins\` must be a whole number from 1 to 1000, not \`${options.bins}\``);
    }
    const mitigation = options.mitigate as Mitigation | undefined;
    if (mitigation !== undefined && !(MITIGATIONS as readonly string[]).includes(mitigation)) {
      usage(
        `option \`--mitigate\` must be one of ${MITIGATIONS.map((m) => `\`${m}\``).join(', ')}, not \`${mitigation}\``,
      );
    }
    if ((mitigation === 'threshold-dp' || mitigation === 'threshold-eo') && options.score === undefined) {
      usage(`\`--mitigate ${mitigation}\` moves thresholds on a score: give \`--score COLUMN\``);
    }
    let delimiter: string | undefined;
    if (options.delimiter !== undefined) {
      delimiter = options.delimiter === 'tab' || options.delimiter === '\\t' ? '\t' : options.delimiter;
      if (delimiter.length !== 1 || delimiter === '"') {
        usage(`option \`--delimiter\` must be one character (or \`tab\`), not \`${options.delimiter}\``);
      }
    }

    const spec: TableSpec = {
      label: options.label,
      prediction: options.prediction,
      sensitive,
      ...(options.positive === undefined ? {} : { positive: options.positive }),
      ...(options.predictionPositive === undefined ? {} : { predictionPositive: options.predictionPositive }),
      ...(options.predictionThreshold === undefined
        ? {}
        : { predictionThreshold: options.predictionThreshold }),
      ...(options.score === undefined ? {} : { score: options.score }),
      ...(scoreRange === undefined ? {} : { scoreRange }),
      ...(options.filter === undefined ? {} : { filter: options.filter }),
      ...(delimiter === undefined ? {} : { csv: { delimiter } }),
    };

    const fromStdin = options.data === '-';
    const path = fromStdin ? '-' : resolve(io.cwd, options.data);
    let rows: AuditRow[];
    let input: InputStats;
    try {
      let chunks: AsyncIterable<string | Uint8Array>;
      if (fromStdin) {
        if (io.stdin === undefined) usage('standard input is not available');
        chunks = io.stdin!;
      } else chunks = await csvFileChunks(path);
      ({ rows, stats: input } = await readAuditTable(chunks, spec));
    } catch (error) {
      if (error instanceof FilterError) {
        io.stderr.write(`parapet: option \`--filter\`: ${error.message}\n${error.pointer()}`);
        return EXIT.USAGE;
      }
      if (error instanceof TableInputError) {
        if (error.usage) usage(`${error.message}`);
        io.stderr.write(`parapet: ${options.data}: ${error.message}\n`);
        return EXIT.FAILURE;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        io.stderr.write(`parapet: the data file \`${options.data}\` does not exist\n`);
        return EXIT.FAILURE;
      }
      if (code === 'EISDIR') {
        io.stderr.write(`parapet: the data file \`${options.data}\` is a directory\n`);
        return EXIT.FAILURE;
      }
      throw error;
    }

    if (rows.length === 0) {
      const reasons = input.badRowReasons.map(
        (r) =>
          `${r.reason}: ${r.count} (line${r.lines.length === 1 ? '' : 's'} ${r.lines.join(', ')}${r.count > r.lines.length ? ', …' : ''})`,
      );
      io.stderr.write(
        `parapet: no rows to audit: ${input.rowsRead} read, ${input.filteredOut} filtered out, ${input.badRows} bad` +
          (reasons.length > 0 ? `\n  ${reasons.join('\n  ')}` : '') +
          '\n',
      );
      return EXIT.FAILURE;
    }

    // A privileged value must be one of the column's groups (a typo would otherwise fail deep inside).
    for (const [column, value] of Object.entries(privileged)) {
      const index = sensitive.indexOf(column);
      const values = new Set(rows.map((row) => row.groups[index]!));
      if (!values.has(value)) {
        const suggestion = didYouMean(value, values);
        usage(
          `\`--privileged ${column}=${value}\`: no row has ${column} = \`${value}\`` +
            (suggestion === null ? '' : `; did you mean \`${suggestion}\`?`) +
            ` The values are: ${[...values].sort().slice(0, 30).join(', ')}`,
        );
      }
    }

    const auditOptions: AuditOptions = {
      sensitive,
      intersection: options.intersection,
      ...(Object.keys(privileged).length > 0 ? { privileged } : {}),
      bootstrap:
        bootstrap === undefined ? null : { samples: bootstrap, seed: options.seed, level: options.level },
      calibrationBins: options.bins,
      minGroupSize: options.minGroupSize,
      entropyAlpha: options.entropyAlpha,
    };
    let audit: FairnessAudit;
    let mitigated: MitigationResult | null = null;
    try {
      if (mitigation === undefined) audit = auditFairness(rows, auditOptions);
      else {
        mitigated =
          mitigation === 'reweighing'
            ? reweighing(rows, auditOptions)
            : thresholdOptimizer(rows, {
                ...auditOptions,
                constraint: mitigation === 'threshold-dp' ? 'demographic_parity' : 'equalized_odds',
                seed: options.seed,
              });
        audit = mitigated.before;
      }
    } catch (error) {
      // The data cannot support the request (say, equalized odds for a group without positive labels).
      if (!(error instanceof FairnessInputError)) throw error;
      io.stderr.write(`parapet: ${error.message.replace(/^\w+: /, '')}\n`);
      return EXIT.FAILURE;
    }

    const dataName = fromStdin ? 'standard input' : basename(options.data);
    const report: AuditTextReport = {
      title: `Fairness audit of ${dataName}`,
      facts: facts(options, input, audit, mitigation),
      input,
      audit,
      mitigation: mitigated,
    };

    if (options.md !== undefined) {
      const target = resolve(io.cwd, options.md);
      await writeFile(target, formatAuditMarkdown(report));
      io.stderr.write(`wrote ${options.md}\n`);
    }
    if (options.html !== undefined) {
      const target = resolve(io.cwd, options.html);
      const sections: ReportSection[] = [{ kind: 'fairness', heading: 'Fairness by group', audit }];
      if (mitigated !== null) sections.push({ kind: 'mitigation', heading: 'Mitigation', result: mitigated });
      const html: AuditReport = {
        title: report.title,
        generatedAt: (io.now?.() ?? new Date()).toISOString(),
        facts: report.facts,
        sections,
        warnings: [
          ...input.warnings,
          ...input.badRowReasons.map(
            (r) =>
              `${r.count} bad row${r.count === 1 ? '' : 's'}: ${r.reason} (lines ${r.lines.join(', ')}${r.count > r.lines.length ? ', …' : ''})`,
          ),
        ],
      };
      await writeFile(target, renderAuditHtml(html));
      io.stderr.write(`wrote ${options.html}\n`);
    }

    if (options.json) {
      const out = {
        input: { file: fromStdin ? '-' : options.data, ...input },
        options: {
          label: options.label,
          positive: options.positive ?? null,
          prediction: options.prediction,
          predictionPositive: options.predictionPositive ?? null,
          predictionThreshold: options.predictionThreshold ?? null,
          score: options.score ?? null,
          scoreRange: scoreRange ?? null,
          sensitive,
          privileged: Object.keys(privileged).length > 0 ? privileged : null,
          filter: options.filter ?? null,
          mitigate: mitigation ?? null,
        },
        audit,
        mitigation: mitigated,
      };
      io.stdout.write(`${JSON.stringify(out)}\n`);
    } else io.stdout.write(formatAuditText(report));

    if (options.failOnFourFifths) {
      const failing = [...audit.columns, ...(audit.intersection === null ? [] : [audit.intersection])].filter(
        (c) => c.summaries.some((s) => s.metric === 'disparate_impact' && s.fourFifths === 'fail'),
      );
      if (failing.length > 0) {
        io.stderr.write(
          `parapet: the four-fifths rule fails for ${failing.map((c) => c.column).join(', ')}\n`,
        );
        return EXIT.FAILURE;
      }
    }
    return EXIT.OK;
  },
});

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The facts at the top of every report: what was audited, how. */
function facts(
  options: {
    data: string;
    label: string;
    positive?: string | undefined;
    prediction: string;
    predictionPositive?: string[] | undefined;
    predictionThreshold?: number | undefined;
    score?: string | undefined;
    filter?: string | undefined;
    sensitive: string[];
  },
  input: InputStats,
  audit: FairnessAudit,
  mitigation: Mitigation | undefined,
): { label: string; value: string }[] {
  const out = [
    { label: 'Data', value: options.data },
    { label: 'Label', value: `${options.label} (positive: ${options.positive ?? '1'})` },
    {
      label: 'Prediction',
      value:
        options.predictionPositive !== undefined
          ? `${options.prediction} (positive: ${options.predictionPositive.join(', ')})`
          : options.predictionThreshold !== undefined
            ? `${options.prediction} (positive when ≥ ${options.predictionThreshold})`
            : `${options.prediction} (positive: 1)`,
    },
  ];
  if (options.score !== undefined) out.push({ label: 'Score', value: options.score });
  out.push({ label: 'Sensitive', value: options.sensitive.join(', ') });
  if (options.filter !== undefined) out.push({ label: 'Filter', value: options.filter });
  out.push({
    label: 'Rows',
    value: [
      `${count(input.rowsRead)} read`,
      ...(options.filter === undefined ? [] : [`${count(input.keptByFilter)} kept by the filter`]),
      `${count(input.badRows)} bad`,
      `${count(input.rowsAudited)} audited`,
    ].join(', '),
  });
  out.push({
    label: 'Bootstrap',
    value:
      audit.bootstrap === null
        ? 'none (no confidence intervals; use --bootstrap 1000)'
        : `${audit.bootstrap.samples} samples, seed ${audit.bootstrap.seed}, ${Number((audit.bootstrap.level * 100).toFixed(1))}% percentile intervals`,
  });
  if (mitigation !== undefined) out.push({ label: 'Mitigation', value: mitigation });
  return out;
}

/**
 * Every `parapet audit` subcommand. Subcommands written elsewhere are spread in here from their own
 * files: `...AUDIT_GUARD_COMMANDS` (commands/audit-guard.ts: `audit guard`) and `...AUDIT_PROBE_COMMANDS`
 * (commands/audit-probe.ts: `audit bbq`, `audit counterfactual`).
 */
export const AUDIT_COMMANDS: readonly Command[] = [
  auditFairnessCommand,
  ...AUDIT_GUARD_COMMANDS,
  ...AUDIT_PROBE_COMMANDS,
];
