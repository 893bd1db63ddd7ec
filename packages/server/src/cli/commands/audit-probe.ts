/**
 * `parapet audit bbq` and `parapet audit counterfactual`: probe a model behind any OpenAI-compatible
 * endpoint (directly, or through the Parapet gateway) for social bias. Both share the runner
 * (audit/probe/runner.ts): concurrency, retries with backoff, a request and token budget, a progress
 * bar, and resumable runs through `--out FILE`. Definitions: docs/fairness.md, "BBQ" and
 * "Counterfactual probing".
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type BbqItem, bbqProbeItems, loadBbq, sampleBbq, scoreBbq } from '../../audit/probe/bbq.ts';
import { type ChatClient, createChatClient } from '../../audit/probe/client.ts';
import {
  counterfactualProbeItems,
  expandTemplate,
  loadTemplate,
  scoreCounterfactual,
} from '../../audit/probe/counterfactual.ts';
import {
  type BbqReport,
  bbqHtmlReport,
  type CounterfactualReport,
  counterfactualHtmlReport,
  formatBbqText,
  formatCounterfactualText,
  type ProbeRunInfo,
} from '../../audit/probe/format.ts';
import { createProgress } from '../../audit/probe/progress.ts';
import { type ProbeItem, type RunSummary, runProbe } from '../../audit/probe/runner.ts';
import { renderAuditHtml } from '../../audit/report-html.ts';
import { type CliIo, type Command, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';

/** Options both probes take: the endpoint, the run's limits, resumption and output. */
const PROBE_OPTIONS = [
  {
    name: 'endpoint',
    type: 'string',
    required: true,
    valueName: 'url',
    description:
      'Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or the gateway’s http://localhost:8080/v1',
  },
  { name: 'model', type: 'string', required: true, valueName: 'name', description: 'Model to probe' },
  {
    name: 'key',
    type: 'string',
    valueName: 'key',
    env: 'PARAPET_AUDIT_KEY',
    description: 'API key sent as a bearer token (prefer the environment variable PARAPET_AUDIT_KEY)',
  },
  { name: 'limit', type: 'number', valueName: 'n', description: 'Ask a seeded sample of n items' },
  {
    name: 'seed',
    type: 'number',
    default: 7,
    valueName: 'n',
    description: 'Seed of the sample (and bootstrap)',
  },
  {
    name: 'out',
    type: 'string',
    valueName: 'file.ndjson',
    description: 'Append answers here as they arrive; a re-run with the same file asks only the rest',
  },
  {
    name: 'concurrency',
    type: 'number',
    default: 4,
    valueName: 'n',
    description: 'Requests in flight at once',
  },
  {
    name: 'retries',
    type: 'number',
    default: 5,
    valueName: 'n',
    description:
      'Retries per item on 429, 5xx, timeouts and network errors (exponential backoff, retry-after)',
  },
  { name: 'timeout', type: 'number', default: 60, valueName: 'seconds', description: 'Per-request timeout' },
  {
    name: 'max-requests',
    type: 'number',
    valueName: 'n',
    description: 'Budget: stop after n requests in this run (retries count)',
  },
  {
    name: 'max-tokens',
    type: 'number',
    valueName: 'n',
    description: 'Budget: stop once the endpoint reported n tokens (prompt + completion) in this run',
  },
  {
    name: 'max-answer-tokens',
    type: 'number',
    default: 32,
    valueName: 'n',
    description: '`max_tokens` of each request',
  },
  { name: 'json', type: 'boolean', description: 'Print the report as JSON' },
  { name: 'html', type: 'string', valueName: 'file', description: 'Also write a self-contained HTML report' },
] as const;

interface ProbeOptionValues {
  endpoint: string;
  model: string;
  key?: string | undefined;
  limit?: number | undefined;
  seed: number;
  out?: string | undefined;
  concurrency: number;
  retries: number;
  timeout: number;
  maxRequests?: number | undefined;
  maxTokens?: number | undefined;
  maxAnswerTokens: number;
  json: boolean;
  html?: string | undefined;
}

function integer(value: number | undefined, name: string, command: string, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`\`--${name}\` must be an integer ≥ ${min}, not ${value}`, command);
}

function checkProbeOptions(options: ProbeOptionValues, command: string): void {
  integer(options.limit, 'limit', command, 1);
  integer(options.seed, 'seed', command, 0);
  integer(options.concurrency, 'concurrency', command, 1);
  integer(options.retries, 'retries', command, 0);
  integer(options.maxRequests, 'max-requests', command, 1);
  integer(options.maxTokens, 'max-tokens', command, 1);
  integer(options.maxAnswerTokens, 'max-answer-tokens', command, 1);
  if (!(options.timeout > 0))
    throw new UsageError('`--timeout` must be a positive number of seconds', command);
}

function client(options: ProbeOptionValues, command: string): ChatClient {
  try {
    return createChatClient({
      endpoint: options.endpoint,
      model: options.model,
      key: options.key,
      timeoutMs: options.timeout * 1000,
      maxAnswerTokens: options.maxAnswerTokens,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

async function run(
  probe: string,
  items: ProbeItem[],
  options: ProbeOptionValues,
  chat: ChatClient,
  io: CliIo,
  meta: Record<string, unknown>,
): Promise<{ summary: RunSummary; info: ProbeRunInfo; out: string | null }> {
  const out = options.out === undefined ? null : resolve(io.cwd, options.out);
  const interrupt = interruption(io);
  let summary: RunSummary;
  try {
    summary = await runProbe(items, {
      client: chat,
      probe,
      concurrency: options.concurrency,
      retries: options.retries,
      maxRequests: options.maxRequests ?? null,
      maxTokens: options.maxTokens ?? null,
      out,
      meta,
      progress: createProgress(io.stderr, { label: probe }),
      signal: interrupt.signal,
      ...(io.now === undefined ? {} : { now: io.now }),
    });
  } finally {
    interrupt.dispose();
  }
  const complete = items.every((item) => summary.answers.has(item.id));
  const info: ProbeRunInfo = {
    model: options.model,
    endpoint: chat.url,
    out: options.out ?? null,
    limit: options.limit ?? null,
    seed: options.seed,
    resumed: summary.resumed,
    requests: summary.requests,
    retries: summary.retries,
    tokens: summary.tokens,
    complete,
    stopped: summary.note,
  };
  return { summary, info, out };
}

/**
 * The run's stop signal: the caller's (tests, an embedding process), or Ctrl-C. The first Ctrl-C stops
 * sending and lets the command print the report of what was answered; a second one quits at once.
 */
function interruption(io: CliIo): { signal: AbortSignal; dispose(): void } {
  if (io.signal !== undefined) return { signal: io.signal, dispose() {} };
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write('\nstopping: reporting what was answered (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** 130 (as after SIGINT) when the run was interrupted, else 0: a report was printed either way. */
function exitCode(summary: RunSummary): number {
  return summary.stopped === 'aborted' ? 130 : EXIT.OK;
}

function runWarnings(summary: RunSummary, options: ProbeOptionValues): string[] {
  const warnings = [...summary.warnings];
  if (summary.failures.size > 0)
    warnings.push(
      `${summary.failures.size} request${summary.failures.size === 1 ? '' : 's'} failed after retries${options.out ? '; run again with the same --out to retry them' : ''}`,
    );
  if (options.maxTokens !== undefined && summary.usageMissing > 0)
    warnings.push(
      `${summary.usageMissing} answers carried no token usage, so --max-tokens could not count them`,
    );
  return warnings;
}

function unparseableWarning(unparseable: number, asked: number): string[] {
  if (asked === 0 || unparseable / asked <= 0.05) return [];
  return [
    `${unparseable} of ${asked} replies (${((unparseable / asked) * 100).toFixed(1)}%) could not be parsed; scores cover parsed replies only — see the examples, or raise --max-answer-tokens`,
  ];
}

function emit(io: CliIo, options: ProbeOptionValues, json: unknown, text: string, html: () => string): void {
  if (options.html !== undefined) {
    const file = resolve(io.cwd, options.html);
    writeFileSync(file, html());
    io.stderr.write(`wrote ${options.html}\n`);
  }
  io.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : text);
}

const BBQ = 'audit bbq';

export const auditBbqCommand = defineCommand({
  name: BBQ,
  summary: 'Probe a model for social bias with BBQ (accuracy and bias scores per category)',
  description:
    'Ask BBQ items (Parrish et al. 2022; ../shared/datasets/bbq or any file in the nyu-mll/BBQ JSONL layout) of a model behind an OpenAI-compatible endpoint, parse the chosen answers, and report per category, for ambiguous and disambiguated contexts: accuracy and the BBQ bias score (s_AMB, s_DIS) with seeded bootstrap intervals. Answers are appended to --out as they arrive; a re-run with the same file resumes. Exit codes: 0 report printed (check `run.complete` in --json), 1 data or endpoint failure (wrong key, model or URL), 2 usage, 130 interrupted by Ctrl-C (the report of what was answered is printed). Definitions: docs/fairness.md#bbq.',
  options: [
    ...PROBE_OPTIONS,
    {
      name: 'data',
      type: 'string',
      valueName: 'file|dir',
      description: 'BBQ JSONL file or directory (default: $PARAPET_DATASETS/bbq or ../shared/datasets/bbq)',
    },
    {
      name: 'categories',
      type: 'list',
      valueName: 'a,b,…',
      description: 'Only these categories (Age, Religion, …)',
    },
    {
      name: 'bootstrap',
      type: 'number',
      default: 1000,
      valueName: 'n',
      description: 'Bootstrap resamples for the intervals (0: none)',
    },
  ],
  examples: [
    'PARAPET_AUDIT_KEY=sk-… parapet audit bbq --endpoint https://api.openai.com/v1 --model gpt-4o-mini --limit 500 --out bbq.ndjson',
    'parapet audit bbq --endpoint http://localhost:8080/v1 --model gpt-4o-mini --categories Age,Religion --html bbq.html',
  ],
  async run({ options, io }) {
    checkProbeOptions(options, BBQ);
    integer(options.bootstrap, 'bootstrap', BBQ, 0);
    const chat = client(options, BBQ);
    const datasets = io.env['PARAPET_DATASETS'] ?? resolve(io.cwd, '..', 'shared', 'datasets');
    const dataPath = resolve(io.cwd, options.data ?? resolve(datasets, 'bbq'));
    const dataset = loadBbq(dataPath);
    let items: BbqItem[] = dataset.items;
    if (options.categories !== undefined) {
      const available = [...new Set(items.map((i) => i.category))].sort();
      const wanted = new Set<string>();
      for (const name of options.categories) {
        const match = available.find((c) => c.toLowerCase() === name.toLowerCase());
        if (match === undefined)
          throw new UsageError(
            `no BBQ category \`${name}\` in the data (categories: ${available.join(', ')})`,
            BBQ,
          );
        wanted.add(match);
      }
      items = items.filter((i) => wanted.has(i.category));
    }
    if (items.length === 0) throw new Error(`no BBQ items in ${dataPath}`);
    items = sampleBbq(items, options.limit, options.seed);

    const { summary, info } = await run('bbq', bbqProbeItems(items), options, chat, io, {
      data: dataset.files,
      limit: options.limit ?? null,
      seed: options.seed,
    });
    const replies = new Map([...summary.answers].map(([id, r]) => [id, r.answer!]));
    const score = scoreBbq(items, replies, new Set(summary.failures.keys()), {
      bootstrap: options.bootstrap,
      seed: options.seed,
    });
    const warnings = runWarnings(summary, options);
    if (dataset.bad.count > 0)
      warnings.push(
        `${dataset.bad.count} line${dataset.bad.count === 1 ? '' : 's'} of the data are not BBQ items (${dataset.bad.examples.join('; ')})`,
      );
    if (score.items.targetUndetermined > 0)
      warnings.push(
        `${score.items.targetUndetermined} item${score.items.targetUndetermined === 1 ? '' : 's'} name no single stereotyped person (answer_info vs stereotyped_groups) and are left out of the bias scores`,
      );
    warnings.push(
      ...unparseableWarning(score.items.unparseable, score.items.answered + score.items.unparseable),
    );

    const report: BbqReport = {
      probe: 'bbq',
      generatedAt: (io.now?.() ?? new Date()).toISOString(),
      data: dataset.files,
      badLines: dataset.bad,
      run: info,
      ...score,
      warnings,
    };
    emit(io, options, report, formatBbqText(report), () => renderAuditHtml(bbqHtmlReport(report)));
    return exitCode(summary);
  },
});

const COUNTERFACTUAL = 'audit counterfactual';

export const auditCounterfactualCommand = defineCommand({
  name: COUNTERFACTUAL,
  summary: 'Probe a model’s yes/no decisions for differences between demographic attribute values',
  description:
    'Fill a template (YAML or JSON: decision prompts with {slot}s and the demographic attributes that fill them) with every combination of attribute values, or a seeded sample (--limit), ask each of a model behind an OpenAI-compatible endpoint, parse the yes/no decisions and report per attribute value the favourable-outcome rate (Wilson interval) and, against a reference value, the difference (Newcombe interval), the log odds ratio and a matched-pairs McNemar test — in the manner of Tamkin et al. (2023). Answers are appended to --out as they arrive; a re-run with the same file resumes. Exit codes: 0 report printed (check `run.complete` in --json), 1 template or endpoint failure, 2 usage, 130 interrupted by Ctrl-C (the report of what was answered is printed). See docs/fairness.md#counterfactual-probing and examples/counterfactual-loan.yaml.',
  options: [
    ...PROBE_OPTIONS,
    {
      name: 'template',
      type: 'string',
      required: true,
      valueName: 'file',
      description: 'Template file (YAML or JSON)',
    },
  ],
  examples: [
    'PARAPET_AUDIT_KEY=sk-… parapet audit counterfactual --template examples/counterfactual-loan.yaml --endpoint https://api.openai.com/v1 --model gpt-4o-mini --out loan.ndjson',
    'parapet audit counterfactual --template loan.yaml --endpoint http://localhost:8080/v1 --model m --limit 400 --seed 3 --html loan.html',
  ],
  async run({ options, io }) {
    checkProbeOptions(options, COUNTERFACTUAL);
    const chat = client(options, COUNTERFACTUAL);
    const file = resolve(io.cwd, options.template);
    const template = loadTemplate(file);
    const items = expandTemplate(template, { limit: options.limit, seed: options.seed });

    const { summary, info } = await run(
      'counterfactual',
      counterfactualProbeItems(template, items),
      options,
      chat,
      io,
      { template: file, limit: options.limit ?? null, seed: options.seed },
    );
    const replies = new Map([...summary.answers].map(([id, r]) => [id, r.answer!]));
    const score = scoreCounterfactual(template, items, replies, new Set(summary.failures.keys()));
    const warnings = [...template.warnings, ...runWarnings(summary, options)];
    warnings.push(
      ...unparseableWarning(score.items.unparseable, score.items.answered + score.items.unparseable),
    );

    const report: CounterfactualReport = {
      probe: 'counterfactual',
      generatedAt: (io.now?.() ?? new Date()).toISOString(),
      template: {
        file: options.template,
        name: template.name,
        prompts: template.prompts.length,
        attributes: template.attributes.map((a) => a.name),
      },
      run: info,
      ...score,
      warnings,
    };
    emit(io, options, report, formatCounterfactualText(report), () =>
      renderAuditHtml(counterfactualHtmlReport(report)),
    );
    return exitCode(summary);
  },
});

/** `audit bbq` and `audit counterfactual`, for AUDIT_COMMANDS in commands/audit.ts. */
export const AUDIT_PROBE_COMMANDS: readonly Command[] = [auditBbqCommand, auditCounterfactualCommand];
