/** `parapet eval`: measure detectors on a labelled JSONL dataset. */
import { existsSync } from 'node:fs';
import { detectorsForCommand } from '../../detectors/builtin.ts';
import { evaluateDataset, formatReport } from '../../eval/evaluate.ts';
import { defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** Tasks whose span types are compared; others score spans whatever their type. */
const TYPED_TASKS = new Set(['pii', 'confidential', 'code']);
/** Default mapping of Parapet types onto the shared datasets' names. */
const DEFAULT_TYPE_MAP: Readonly<Record<string, string>> = { LOCATION: 'GPE', URL: 'DOMAIN_NAME' };

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'Measure detectors on a labelled JSONL dataset (precision, recall, F1, FPR, ROC-AUC, latency)',
  description:
    'Run the detectors of one task over a labelled JSONL file ({"id", "text", "label", "spans"?} per line, the layout of ../shared/datasets) and print text-level precision, recall, F1, false-positive rate and ROC-AUC, span-level scores (exact and overlapping, per entity type) when the file has spans, and latency percentiles.',
  options: [
    ...CONFIG_OPTIONS,
    { name: 'dataset', type: 'string', valueName: 'file', description: 'The JSONL file to measure on' },
    {
      name: 'task',
      type: 'string',
      valueName: 'family',
      description: 'Detector family under test: pii, secrets, code, confidential, …',
    },
    {
      name: 'split',
      type: 'string',
      valueName: 'all|even|odd',
      description: 'Records whose id ends in an even (tuning) or odd (report) digit',
    },
    { name: 'limit', type: 'number', valueName: 'n', description: 'Stop after n records' },
    {
      name: 'threshold',
      type: 'number',
      valueName: 'score',
      description: 'Minimum finding score (default 0.5)',
    },
    {
      name: 'map',
      type: 'list',
      valueName: 'A=B,…',
      description: 'Map predicted types onto dataset types (default LOCATION=GPE,URL=DOMAIN_NAME)',
    },
    {
      name: 'untyped',
      type: 'boolean',
      description: 'Score spans whatever their type (default for secrets)',
    },
    { name: 'json', type: 'boolean', description: 'Print the report as JSON' },
  ],
  examples: [
    'parapet eval --dataset ../shared/datasets/presidio-synth-pii/data.jsonl --task pii',
    'parapet eval --dataset ../shared/datasets/credsweeper-secrets/data.jsonl --task secrets --split odd --json',
  ],
  async run({ options, io }) {
    if (options.dataset === undefined || options.task === undefined)
      throw new UsageError('`--dataset` and `--task` are required', 'eval');
    if (!existsSync(options.dataset))
      throw new UsageError(`dataset \`${options.dataset}\` does not exist`, 'eval');
    const split = options.split ?? 'all';
    if (split !== 'all' && split !== 'even' && split !== 'odd')
      throw new UsageError('`--split` must be all, even or odd', 'eval');
    const typeMap: Record<string, string> = { ...DEFAULT_TYPE_MAP };
    for (const pair of options.map ?? []) {
      const [from, to] = pair.split('=');
      if (!from || !to) throw new UsageError(`\`--map ${pair}\` must look like PREDICTED=DATASET`, 'eval');
      typeMap[from] = to;
    }
    const config = loadCommandConfig(options, io);
    const detectors = await detectorsForCommand(config, [options.task]);
    const report = await evaluateDataset({
      dataset: options.dataset,
      task: options.task,
      detectors,
      budgetMs: config.inspection.detector_budget_ms,
      split,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      typeMap,
      typedSpans: options.untyped === true ? false : TYPED_TASKS.has(options.task),
    });
    io.stdout.write(options.json === true ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
    return EXIT.OK;
  },
});
