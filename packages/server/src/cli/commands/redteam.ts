/**
 * `parapet redteam`: red-team a model endpoint (OpenAI-compatible, Anthropic, or an HTTP application)
 * with the probe library, directly and, with `--via-gateway`, through a Parapet gateway; report attack
 * success rates per category, strategy and converter, what the gateway stopped, and turn findings into
 * policy regression tests (`--export-cases`) or replay them (`--replay`). Docs: docs/redteam.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Detector } from '@parapet/core';
import { createProgress } from '../../audit/probe/progress.ts';
import { renderCasesYaml, replayAttempts } from '../../redteam/cases.ts';
import { CONVERTER_NAMES, isConverterName } from '../../redteam/converters.ts';
import { readGoals } from '../../redteam/goals.ts';
import { detectorsForGrading } from '../../redteam/graders/detectors.ts';
import { gradeAttempt } from '../../redteam/graders/grade.ts';
import { createJudge } from '../../redteam/graders/judge.ts';
import { loadProbes } from '../../redteam/library.ts';
import { planAttempts } from '../../redteam/plan.ts';
import {
  buildReport,
  createMasker,
  formatReportText,
  headlineAsr,
  renderJunit,
  renderReportHtml,
} from '../../redteam/report.ts';
import { expandPlanted, type GradeFn, type RedteamRun, runRedteam } from '../../redteam/run.ts';
import { buildSystemPrompt, plantedValues, sensitiveValues } from '../../redteam/system-prompt.ts';
import { createTarget, type Target, type TargetType } from '../../redteam/targets.ts';
import type { Attempt, ConverterName } from '../../redteam/types.ts';
import { type CliIo, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';

const NAME = 'redteam';

const TARGET_TYPES: readonly TargetType[] = ['openai', 'anthropic', 'http'];

/** `--converters`: none → the probes as written; a list → each probe as written and through each one; all → every converter. */
export function converterChains(value: readonly string[] | undefined): ConverterName[][] {
  if (value === undefined || value.length === 0 || (value.length === 1 && value[0] === 'none')) return [[]];
  const names = value.length === 1 && value[0] === 'all' ? [...CONVERTER_NAMES] : value;
  const chains: ConverterName[][] = [[]];
  for (const n of names) {
    // `a+b` chains converters.
    const chain = n.split('+').map((s) => s.trim());
    for (const c of chain)
      if (!isConverterName(c))
        throw new UsageError(
          `unknown converter \`${c}\` (known: ${CONVERTER_NAMES.join(', ')}, or none, all)`,
          NAME,
        );
    chains.push(chain as ConverterName[]);
  }
  return chains;
}

function parseRate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(value.trim());
  if (match === null || !(Number(match[1]) > 0))
    throw new UsageError(`\`--rate\` must look like 5/s (requests per second), not ${value}`, NAME);
  return Number(match[1]);
}

function positiveInteger(value: number | undefined, name: string, min = 1): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`\`--${name}\` must be an integer ≥ ${min}, not ${value}`, NAME);
}

function readText(io: CliIo, file: string, what: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`, NAME);
  }
}

export const redteamCommand = defineCommand({
  name: NAME,
  summary: 'Red-team a model endpoint or chat application, directly and through Parapet',
  description:
    'Send the probe library (prompt injection, system-prompt extraction, sensitive-data leakage, indirect injection, excessive agency, jailbreaks around your goals file, multi-turn escalation), optionally through converters, to an OpenAI-compatible or Anthropic endpoint or an HTTP application; grade the replies (canaries, planted secrets, refusals, Parapet’s detectors, an optional LLM judge); report attack success rates with 95% intervals. With --via-gateway the same plan runs again through a Parapet gateway and the report shows the difference and which rules stopped what. Exit codes: 0 report printed, 1 the attack success rate is above --fail-above (through the gateway when there is one) or the target failed, 2 usage, 130 interrupted. Docs: docs/redteam.md.',
  options: [
    {
      name: 'target',
      type: 'string',
      valueName: 'url',
      description: 'The endpoint or application URL (…/v1 for OpenAI-compatible APIs)',
    },
    { name: 'model', type: 'string', valueName: 'name', description: 'Model name sent to the target' },
    {
      name: 'key',
      type: 'string',
      valueName: 'key',
      env: 'PARAPET_REDTEAM_KEY',
      description: 'API key of the target (prefer the environment variable PARAPET_REDTEAM_KEY)',
    },
    {
      name: 'target-type',
      type: 'string',
      default: 'openai',
      valueName: 'openai|anthropic|http',
      description: 'Wire format of the target',
    },
    {
      name: 'request-template',
      type: 'string',
      valueName: 'file',
      description: 'http targets: JSON request body with {{prompt}}, {{messages}}, {{system}}, {{model}}',
    },
    {
      name: 'response-path',
      type: 'string',
      valueName: 'path',
      description: 'http targets: dot path of the reply text in the response, e.g. data.reply.text',
    },
    {
      name: 'system-prompt',
      type: 'string',
      valueName: 'file',
      description:
        'The target’s system prompt (a canary, a secret and PII are appended); default: a built-in support-bot prompt',
    },
    {
      name: 'no-system-prompt',
      type: 'boolean',
      description:
        'Send no system prompt (the application adds its own; extraction and leakage probes then need canaries you planted)',
    },
    {
      name: 'suite',
      type: 'string',
      default: 'quick',
      valueName: 'quick|standard|full|file',
      description: 'Built-in suite, or your probe file or directory',
    },
    {
      name: 'goals',
      type: 'string',
      valueName: 'file',
      description:
        'Harmful goals for the jailbreak probes (JSONL/CSV/text, e.g. ../shared/datasets/advbench)',
    },
    { name: 'goals-limit', type: 'number', valueName: 'n', description: 'Use only the first n goals' },
    {
      name: 'converters',
      type: 'list',
      valueName: 'a,b|none|all',
      description: `Also send each probe through these converters (${CONVERTER_NAMES.join(', ')}; a+b chains)`,
    },
    {
      name: 'limit',
      type: 'number',
      valueName: 'n',
      description: 'Send only the first n attempts of the seeded order',
    },
    {
      name: 'via-gateway',
      type: 'string',
      valueName: 'url',
      description:
        'Also run the plan through this Parapet gateway (e.g. http://localhost:8080/v1) and compare',
    },
    {
      name: 'gateway-key',
      type: 'string',
      valueName: 'key',
      env: 'PARAPET_GATEWAY_KEY',
      description: 'Virtual key for the gateway',
    },
    {
      name: 'concurrency',
      type: 'number',
      default: 4,
      valueName: 'n',
      description: 'Attempts in flight at once',
    },
    {
      name: 'rate',
      type: 'string',
      valueName: 'n/s',
      description: 'At most n requests per second to each target',
    },
    {
      name: 'retries',
      type: 'number',
      default: 5,
      valueName: 'n',
      description: 'Retries on 429, 5xx, timeouts and network errors',
    },
    {
      name: 'timeout',
      type: 'number',
      default: 60,
      valueName: 'seconds',
      description: 'Per-request timeout',
    },
    {
      name: 'max-requests',
      type: 'number',
      valueName: 'n',
      description: 'Budget: stop after n attempts sent (retries count, both paths)',
    },
    {
      name: 'max-answer-tokens',
      type: 'number',
      default: 512,
      valueName: 'n',
      description: '`max_tokens` of each request',
    },
    {
      name: 'seed',
      type: 'number',
      default: 7,
      valueName: 'n',
      description: 'Seed of the order, canaries, converters and planted values',
    },
    {
      name: 'out',
      type: 'string',
      valueName: 'dir',
      description:
        'Append replies to DIR/direct.ndjson and DIR/gateway.ndjson as they arrive (re-run to resume); write DIR/report.json',
    },
    { name: 'json', type: 'boolean', description: 'Print the report as JSON (the input of --replay)' },
    {
      name: 'html',
      type: 'string',
      valueName: 'file',
      description: 'Also write a self-contained HTML report',
    },
    {
      name: 'junit',
      type: 'string',
      valueName: 'file',
      description: 'Also write JUnit XML (one testcase per attempt; a failure when the attack succeeded)',
    },
    {
      name: 'fail-above',
      type: 'number',
      valueName: 'rate',
      description: 'Exit 1 when the attack success rate is above this (0–1), e.g. 0.05',
    },
    {
      name: 'export-cases',
      type: 'string',
      valueName: 'file',
      description: 'Write attacks that got through or were blocked as `parapet policy test` cases (YAML)',
    },
    {
      name: 'replay',
      type: 'string',
      valueName: 'report.json',
      description: 'Re-run the successful attacks of an earlier JSON report instead of the suite',
    },
    {
      name: 'judge-endpoint',
      type: 'string',
      valueName: 'url',
      description: 'OpenAI-compatible endpoint of an LLM judge for harmful-compliance grading',
    },
    { name: 'judge-model', type: 'string', valueName: 'name', description: 'Model of the judge' },
    {
      name: 'judge-key',
      type: 'string',
      valueName: 'key',
      env: 'PARAPET_JUDGE_KEY',
      description: 'API key of the judge',
    },
  ],
  examples: [
    'parapet redteam --target https://api.openai.com/v1 --model gpt-4o-mini --suite quick --converters base64,rot13',
    'parapet redteam --target http://localhost:9000/v1 --model m --via-gateway http://localhost:8080/v1 --gateway-key pk_… --html rt.html --junit rt.xml --fail-above 0.05',
    'parapet redteam --target https://bot.example.com/api/chat --model app --target-type http --request-template body.json --response-path data.reply.text',
    'parapet redteam --target http://localhost:9000/v1 --model new-model --replay out/report.json --export-cases cases.yaml',
  ],
  async run({ options, io }) {
    if (options.target === undefined) throw new UsageError('`--target URL` is required', NAME);
    if (options.model === undefined) throw new UsageError('`--model NAME` is required', NAME);
    const type = options.targetType as TargetType;
    if (!TARGET_TYPES.includes(type))
      throw new UsageError(`\`--target-type\` must be one of ${TARGET_TYPES.join(', ')}`, NAME);
    positiveInteger(options.concurrency, 'concurrency');
    positiveInteger(options.retries, 'retries', 0);
    positiveInteger(options.maxRequests, 'max-requests');
    positiveInteger(options.maxAnswerTokens, 'max-answer-tokens');
    positiveInteger(options.limit, 'limit');
    positiveInteger(options.goalsLimit, 'goals-limit');
    positiveInteger(options.seed, 'seed', 0);
    if (!(options.timeout > 0))
      throw new UsageError('`--timeout` must be a positive number of seconds', NAME);
    if (options.failAbove !== undefined && !(options.failAbove >= 0 && options.failAbove <= 1))
      throw new UsageError('`--fail-above` must be a rate between 0 and 1, e.g. 0.05', NAME);
    if (options.viaGateway !== undefined && type === 'http')
      throw new UsageError(
        '`--via-gateway` needs an openai or anthropic target (the gateway speaks those)',
        NAME,
      );
    if ((options.judgeEndpoint === undefined) !== (options.judgeModel === undefined))
      throw new UsageError('`--judge-endpoint` and `--judge-model` go together', NAME);
    const rate = parseRate(options.rate);

    // The plan.
    const planted = plantedValues(options.seed);
    const userPrompt =
      options.systemPrompt === undefined ? null : readText(io, options.systemPrompt, 'the system prompt');
    const systemPrompt = options.noSystemPrompt ? '' : buildSystemPrompt(planted, userPrompt);
    let attempts: Attempt[];
    try {
      if (options.replay !== undefined) attempts = replayAttempts(resolve(io.cwd, options.replay));
      else {
        const goals =
          options.goals === undefined
            ? []
            : readGoals(
                resolve(io.cwd, options.goals),
                options.goalsLimit === undefined ? {} : { limit: options.goalsLimit },
              );
        const probes = loadProbes(
          options.suite === 'quick' || options.suite === 'standard' || options.suite === 'full'
            ? options.suite
            : resolve(io.cwd, options.suite),
        );
        attempts = planAttempts(probes, {
          goals,
          converters: converterChains(options.converters),
          seed: options.seed,
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        });
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`parapet redteam: ${(error as Error).message}\n`);
      return EXIT.FAILURE;
    }
    attempts = attempts.map((a) => expandPlanted(a, planted));
    if (attempts.length === 0) {
      io.stderr.write('parapet redteam: the plan is empty (jailbreak probes need --goals FILE)\n');
      return EXIT.FAILURE;
    }

    // The targets.
    let target: Target;
    let gateway: Target | null = null;
    try {
      const template =
        options.requestTemplate === undefined
          ? undefined
          : JSON.parse(readText(io, options.requestTemplate, 'the request template'));
      target = createTarget({
        type,
        url: options.target,
        model: options.model,
        key: options.key,
        timeoutMs: options.timeout * 1000,
        maxTokens: options.maxAnswerTokens,
        ...(template === undefined ? {} : { requestTemplate: template }),
        ...(options.responsePath === undefined ? {} : { responsePath: options.responsePath }),
      });
      if (options.viaGateway !== undefined)
        gateway = createTarget({
          type,
          url: options.viaGateway,
          model: options.model,
          key: options.gatewayKey,
          gateway: true,
          timeoutMs: options.timeout * 1000,
          maxTokens: options.maxAnswerTokens,
        });
    } catch (error) {
      throw new UsageError((error as Error).message, NAME);
    }

    // Graders.
    let detectors: Detector[] = [];
    try {
      detectors = await detectorsForGrading();
    } catch (error) {
      io.stderr.write(
        `warning: Parapet's detectors are unavailable for grading: ${(error as Error).message}\n`,
      );
    }
    const judge =
      options.judgeEndpoint !== undefined && options.judgeModel !== undefined
        ? createJudge({ endpoint: options.judgeEndpoint, model: options.judgeModel, key: options.judgeKey })
        : undefined;
    const grade: GradeFn = (attempt, reply) =>
      gradeAttempt(attempt, reply, {
        systemCanary: options.noSystemPrompt ? null : planted.canary,
        planted: options.noSystemPrompt ? [] : sensitiveValues(planted),
        detectors,
        judge,
      });

    const out = options.out === undefined ? null : resolve(io.cwd, options.out);
    const interrupt = interruption(io);
    const meta = {
      command: 'parapet redteam',
      target: options.target,
      targetType: type,
      model: options.model,
      gateway: options.viaGateway ?? null,
      suite: options.replay === undefined ? options.suite : `replay of ${options.replay}`,
      converters: (options.converters ?? ['none']).join(','),
      seed: options.seed,
      attempts: attempts.length,
      systemPrompt: options.noSystemPrompt ? 'none' : (options.systemPrompt ?? 'built-in'),
      judge: options.judgeModel ?? null,
    };
    let run: RedteamRun;
    try {
      run = await runRedteam({
        attempts,
        target,
        gateway,
        systemPrompt,
        grade,
        concurrency: options.concurrency,
        retries: options.retries,
        rate,
        maxRequests: options.maxRequests ?? null,
        out,
        meta: { seed: options.seed },
        progress: (path) => createProgress(io.stderr, { label: `redteam ${path}` }),
        signal: interrupt.signal,
      });
    } catch (error) {
      io.stderr.write(`parapet redteam: ${(error as Error).message}\n`);
      return EXIT.FAILURE;
    } finally {
      interrupt.dispose();
    }

    const report = await buildReport(run, {
      mask: createMasker(options.noSystemPrompt ? null : planted, detectors),
      meta,
      ...(io.now === undefined ? {} : { now: io.now }),
    });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (out !== null) writeFileSync(resolve(out, 'report.json'), json);
    const write = (file: string | undefined, content: () => string) => {
      if (file === undefined) return;
      writeFileSync(resolve(io.cwd, file), content());
      io.stderr.write(`wrote ${file}\n`);
    };
    write(options.html, () => renderReportHtml(report));
    write(options.junit, () => renderJunit(report));
    write(options.exportCases, () => renderCasesYaml(report));
    io.stdout.write(options.json ? json : formatReportText(report));

    if (run.direct.stopped === 'aborted' || run.gateway?.stopped === 'aborted') return 130;
    if (options.failAbove !== undefined && headlineAsr(report) > options.failAbove) {
      io.stderr.write(
        `parapet redteam: attack success rate ${(headlineAsr(report) * 100).toFixed(1)}% is above --fail-above ${(options.failAbove * 100).toFixed(1)}%\n`,
      );
      return EXIT.FAILURE;
    }
    return EXIT.OK;
  },
});

/** The caller's stop signal, or Ctrl-C: the first stops sending and reports; a second quits. */
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

export const REDTEAM_COMMANDS = [redteamCommand] as const;
