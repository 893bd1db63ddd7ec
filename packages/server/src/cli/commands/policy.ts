/**
 * `parapet policy …`: validate, test and simulate a policy; manage the stored versions (history, show,
 * diff, push, activate, rollback); change the runtime `global` section (kill switch, block lists) without
 * a restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  compilePolicy,
  type Detector,
  Global,
  type PolicyCatalogue,
  type PolicyDocument,
  tryParseDuration,
  validatePolicy,
} from '@parapet/core';
import { parseDocument } from 'yaml';
import { buildConfig, type Config, type ConfigFlags } from '../../config/index.ts';
import { detectorsForConfig } from '../../detectors/builtin.ts';
import { type ActivePolicy, loadEffectiveGlobal, POLICY_GLOBAL_SETTING } from '../../policy/active-policy.ts';
import { policyCatalogue } from '../../policy/catalogue.ts';
import { unifiedDiff } from '../../policy/line-diff.ts';
import {
  describeOutcome,
  expectableRuleIds,
  parsePolicyCases,
  runPolicyCases,
} from '../../policy/policy-cases.ts';
import {
  formatProblem,
  type LocatedProblem,
  locateIssues,
  MAX_POLICY_FILE_BYTES,
  PolicyFileError,
  type PolicySource,
  parsePolicyText,
  readPolicyFile,
} from '../../policy/policy-file.ts';
import {
  MAX_SIMULATED_EVENTS,
  readEventWindow,
  type SimulationReport,
  simulatePolicy,
} from '../../policy/simulate.ts';
import { CONTENT_KEY_FILE_NAME, loadContentKey } from '../../store/content-crypto.ts';
import type { PolicyVersionRecord, Store } from '../../store/ports.ts';
import { MAX_QUERY_LIMIT } from '../../store/store-rows.ts';
import { type CliIo, type CliWriter, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, type ConfigOptionValues, loadCommandConfig } from '../shared-options.ts';

const JSON_OPTION = { name: 'json', type: 'boolean', description: 'Print JSON' } as const;
const BY_OPTION = {
  name: 'by',
  type: 'string',
  valueName: 'name',
  description: 'Who makes the change, for the record (default: your OS user name)',
} as const;

export const policyValidateCommand = defineCommand({
  name: 'policy validate',
  summary: 'Check a policy file: every error with its line, column and a suggestion',
  description:
    'Check a policy against this deployment: unknown detector families and types, groups, models, providers and tags are errors. FILE is a bare policy document or a parapet.yaml (its `policy:` section; then it is also the configuration unless --config is given). Exit code 1 when there is any error, 0 otherwise (warnings allowed).',
  options: [...CONFIG_OPTIONS, { ...JSON_OPTION, description: 'Print {"valid", "issues": [...]} as JSON' }],
  positionals: [{ name: 'file', description: 'The policy file (YAML or JSON)', required: true }],
  examples: ['parapet policy validate policy.yaml', 'parapet policy validate parapet.yaml --json'],
  async run({ options, positionals, io }) {
    const file = positionals[0]!;
    const checked = await checkPolicyFile(file, options, io);
    if (options.json) {
      const issues = checked.problems.map((p) => jsonProblem(p));
      const errors = checked.problems.filter((p) => p.severity === 'error').length;
      io.stdout.write(
        `${JSON.stringify({ file, valid: errors === 0, errors, warnings: checked.problems.length - errors, issues })}\n`,
      );
      return errors === 0 ? EXIT.OK : EXIT.FAILURE;
    }
    printProblems(io.stdout, file, checked.problems);
    const errors = checked.problems.filter((p) => p.severity === 'error').length;
    const warnings = checked.problems.length - errors;
    if (errors > 0) {
      io.stderr.write(`${file}: ${count(errors, 'error')}, ${count(warnings, 'warning')}\n`);
      return EXIT.FAILURE;
    }
    const rules = checked.policy?.rules.length ?? 0;
    io.stderr.write(`${file}: valid policy (${count(rules, 'rule')}, ${count(warnings, 'warning')})\n`);
    return EXIT.OK;
  },
});

export const policyTestCommand = defineCommand({
  name: 'policy test',
  summary: 'Run policy unit tests: expected action and rule for given identities and findings',
  description:
    'Evaluate the policy in FILE on every case of the cases file (a YAML list: name, direction, user, groups, app, key, model, provider, stream, has_tools, language, now, input, findings, failed, acknowledged, approved, expect: {action, rule}). A case with `input` runs the configured detectors on that text. Prints PASS or FAIL per case with the difference; exit code 1 when a case fails or a file is invalid.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'cases',
      type: 'string',
      valueName: 'file',
      description: 'The cases file (YAML)',
      required: true,
    },
    { ...JSON_OPTION, description: 'Print {"passed", "failed", "cases": [...]} as JSON' },
  ],
  positionals: [{ name: 'file', description: 'The policy file (YAML or JSON)', required: true }],
  examples: ['parapet policy test policy.yaml --cases policy-cases.yaml'],
  async run({ options, positionals, io }) {
    const file = positionals[0]!;
    const checked = await checkPolicyFile(file, options, io);
    if (checked.policy === null) return failWithProblems(io, file, checked.problems, options.json);
    const policy = compilePolicy(checked.policy);
    let cases: ReturnType<typeof parsePolicyCases>;
    try {
      cases = parsePolicyCases(
        readTextFile(options.cases, io.cwd),
        options.cases,
        checked.catalogue,
        expectableRuleIds(policy),
      );
    } catch (error) {
      if (error instanceof PolicyFileError)
        return failWithProblems(io, options.cases, error.problems, options.json);
      throw error;
    }
    const results = await runPolicyCases(cases, {
      policy,
      config: checked.config,
      detectors: async () => checked.detectors,
    });
    const failed = results.filter((r) => !r.passed).length;
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({
          passed: results.length - failed,
          failed,
          cases: results.map((r) => ({
            name: r.name,
            line: r.line,
            passed: r.passed,
            expected: r.expected,
            actual: {
              action: r.actual.action,
              rule: r.actual.ruleId,
              reason: r.actual.reason ?? null,
              trail: r.actual.trail ?? [],
            },
          })),
        })}\n`,
      );
      return failed === 0 ? EXIT.OK : EXIT.FAILURE;
    }
    printProblems(io.stderr, options.cases, cases.warnings);
    for (const r of results) {
      if (r.passed) {
        io.stdout.write(`PASS  ${r.name}\n`);
        continue;
      }
      io.stdout.write(`FAIL  ${r.name} (${options.cases}:${r.line}:${r.column})\n`);
      io.stdout.write(`  - expected: ${describeOutcome(r.expected.action, r.expected.rule)}\n`);
      io.stdout.write(`  + actual:   ${describeOutcome(r.actual.action, r.actual.ruleId)}\n`);
      const trail = (r.actual.trail ?? []).map((t) => `${t.ruleId} (${t.effect})`);
      if (trail.length > 0) io.stdout.write(`    rules matched: ${trail.join(', ')}\n`);
      if (r.actual.failures.length > 0) {
        io.stdout.write(`    detectors failed: ${r.actual.failures.map((f) => f.detector).join(', ')}\n`);
      }
    }
    io.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
    return failed === 0 ? EXIT.OK : EXIT.FAILURE;
  },
});

export const policySimulateCommand = defineCommand({
  name: 'policy simulate',
  summary: 'Replay stored events against a candidate policy and count the decisions that would change',
  description:
    'Re-evaluate the stored events of a time window under the candidate policy and report how many decisions would change, by action and by rule, with example event ids. With --rescan the detectors of this deployment run again on stored content where its content mode allows it (encrypted content, decrypted with the data directory key); redacted and content-less events keep their stored findings.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'policy',
      type: 'string',
      valueName: 'file',
      description: 'The candidate policy file',
      required: true,
    },
    {
      name: 'since',
      type: 'string',
      valueName: 'when',
      description: 'Start of the window: a duration before now (7d, 12h) or an ISO time',
      default: '7d',
    },
    {
      name: 'until',
      type: 'string',
      valueName: 'when',
      description: 'End of the window (exclusive): a duration before now or an ISO time (default: now)',
    },
    {
      name: 'rescan',
      type: 'boolean',
      description: 'Run the detectors again on stored content where possible',
    },
    {
      name: 'limit',
      type: 'number',
      valueName: 'n',
      description: `Most events to read, newest first (1 to ${MAX_SIMULATED_EVENTS})`,
      default: 1_000_000,
    },
    { ...JSON_OPTION, description: 'Print the report as JSON' },
  ],
  examples: [
    'parapet policy simulate --policy new-policy.yaml --since 7d',
    'parapet policy simulate --policy parapet.yaml --since 2025-03-01 --until 2025-03-08 --rescan --json',
  ],
  async run({ options, io }) {
    const now = io.now?.() ?? new Date();
    const since = pointInTime(options.since, now, '--since');
    const until = options.until === undefined ? null : pointInTime(options.until, now, '--until');
    if (until !== null && until <= since) {
      throw new UsageError('`--until` must be after `--since`', 'policy simulate');
    }
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_SIMULATED_EVENTS) {
      throw new UsageError(
        `\`--limit\` must be an integer from 1 to ${MAX_SIMULATED_EVENTS}`,
        'policy simulate',
      );
    }
    const checked = await checkPolicyFile(options.policy, options, io);
    if (checked.policy === null) return failWithProblems(io, options.policy, checked.problems, options.json);
    const candidate = checked.policy;
    const { events, truncated } = await withStore(checked.config, (store) =>
      readEventWindow(store, { since, until, limit: options.limit }),
    );
    const report = await simulatePolicy(events, {
      policy: compilePolicy(candidate),
      config: checked.config,
      ...(options.rescan
        ? {
            rescan: {
              detectors: checked.detectors,
              budgetMs: checked.config.inspection.detector_budget_ms,
              contentKey: existingContentKey(checked.config, io),
            },
          }
        : {}),
    });
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ window: { since, until }, truncated, ...report })}\n`);
      return EXIT.OK;
    }
    io.stdout.write(simulationText(report, { since, until, truncated, limit: options.limit }));
    return EXIT.OK;
  },
});

export const policyHistoryCommand = defineCommand({
  name: 'policy history',
  summary: 'List the stored policy versions, newest first',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'limit',
      type: 'number',
      valueName: 'n',
      description: `How many versions (1 to ${MAX_QUERY_LIMIT})`,
      default: 50,
    },
    { ...JSON_OPTION, description: 'Print a JSON array' },
  ],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const { versions, active } = await withStore(config, async (store) => ({
      versions: await store.listPolicyVersions({ limit: checkedLimit(options.limit, 'policy history') }),
      active: await store.getActivePolicyVersion(),
    }));
    const listed = versions.map((v) => ({
      version: v.version,
      active: v.version === active?.version,
      author: v.author,
      comment: v.comment,
      createdAt: v.createdAt,
      activatedAt: v.activatedAt,
    }));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(listed)}\n`);
      return EXIT.OK;
    }
    if (listed.length === 0) {
      io.stderr.write(
        'no policy versions stored yet; the config file policy applies. Store one with `parapet policy push FILE --activate`\n',
      );
      return EXIT.OK;
    }
    const rows = listed.map((v) => [
      String(v.version),
      v.active ? '*' : '',
      v.createdAt,
      v.author,
      v.activatedAt ?? '-',
      v.comment ?? '',
    ]);
    io.stdout.write(
      formatTable(['VERSION', 'ACTIVE', 'CREATED', 'AUTHOR', 'LAST ACTIVATED', 'COMMENT'], rows),
    );
    return EXIT.OK;
  },
});

export const policyShowCommand = defineCommand({
  name: 'policy show',
  summary: 'Print a stored policy version (default: the active one)',
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'version', description: 'Version number (default: the active version)' }],
  async run({ options, positionals, io }) {
    const wanted = positionals[0] === undefined ? null : versionNumber(positionals[0], 'policy show');
    const config = loadCommandConfig(options, io);
    const record = await withStore(config, (store) =>
      wanted === null ? store.getActivePolicyVersion() : store.getPolicyVersion(wanted),
    );
    if (record === null) {
      io.stderr.write(`parapet: ${missingVersion(wanted)}\n`);
      return EXIT.FAILURE;
    }
    io.stdout.write(record.document.endsWith('\n') ? record.document : `${record.document}\n`);
    return EXIT.OK;
  },
});

export const policyDiffCommand = defineCommand({
  name: 'policy diff',
  summary: 'Show the line differences between two stored policy versions',
  description:
    'A unified diff from version A to version B (default: the active version) of the stored documents.',
  options: [...CONFIG_OPTIONS],
  positionals: [
    { name: 'a', description: 'The older version', required: true },
    { name: 'b', description: 'The newer version (default: the active version)' },
  ],
  examples: ['parapet policy diff 3', 'parapet policy diff 3 5'],
  async run({ options, positionals, io }) {
    const a = versionNumber(positionals[0]!, 'policy diff');
    const b = positionals[1] === undefined ? null : versionNumber(positionals[1], 'policy diff');
    const config = loadCommandConfig(options, io);
    const [from, to] = await withStore(config, (store) =>
      Promise.all([
        store.getPolicyVersion(a),
        b === null ? store.getActivePolicyVersion() : store.getPolicyVersion(b),
      ]),
    );
    if (from === null || to === null) {
      io.stderr.write(`parapet: ${missingVersion(from === null ? a : b)}\n`);
      return EXIT.FAILURE;
    }
    const diff = unifiedDiff(from.document, to.document, {
      fromLabel: versionLabel(from),
      toLabel: versionLabel(to),
    });
    if (diff === '') io.stderr.write(`versions ${from.version} and ${to.version} have the same lines\n`);
    else io.stdout.write(diff);
    return EXIT.OK;
  },
});

export const policyPushCommand = defineCommand({
  name: 'policy push',
  summary: 'Store a policy file as a new version (validated first; invalid policies are refused)',
  description:
    'Validate FILE and store it as the next policy version, with who and why. A parapet.yaml is stored as its `policy:` section only. With --activate the new version takes effect at once.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'comment',
      type: 'string',
      valueName: 'text',
      description: 'Why this version (shown in history)',
    },
    { name: 'activate', type: 'boolean', description: 'Make the new version the active one' },
    BY_OPTION,
  ],
  positionals: [{ name: 'file', description: 'The policy file (YAML or JSON)', required: true }],
  examples: ['parapet policy push policy.yaml --comment "block secrets on output too" --activate'],
  async run({ options, positionals, io }) {
    const file = positionals[0]!;
    const checked = await checkPolicyFile(file, options, io);
    if (checked.policy === null || checked.source === null) {
      printProblems(io.stderr, file, checked.problems);
      io.stderr.write(
        `parapet: refusing to store an invalid policy (${count(errorCount(checked.problems), 'error')})\n`,
      );
      return EXIT.FAILURE;
    }
    printProblems(io.stderr, file, checked.problems);
    const now = (io.now?.() ?? new Date()).toISOString();
    const by = author(options.by);
    const document = checked.source.policyText;
    const stored = await withStore(checked.config, async (store) => {
      const record = await store.insertPolicyVersion({
        document,
        author: by,
        comment: options.comment ?? null,
        createdAt: now,
      });
      if (options.activate) await store.activatePolicyVersion(record.version, by, now);
      return record;
    });
    io.stdout.write(
      options.activate
        ? `stored and activated policy version ${stored.version}\n`
        : `stored policy version ${stored.version}; activate it with \`parapet policy activate ${stored.version}\`\n`,
    );
    return EXIT.OK;
  },
});

export const policyActivateCommand = defineCommand({
  name: 'policy activate',
  summary: 'Make a stored policy version the active one (checked against this deployment first)',
  options: [...CONFIG_OPTIONS, BY_OPTION],
  positionals: [{ name: 'version', description: 'Version number', required: true }],
  async run({ options, positionals, io }) {
    const version = versionNumber(positionals[0]!, 'policy activate');
    const config = loadCommandConfig(options, io);
    return withStore(config, (store) => activateChecked(store, config, version, author(options.by), io));
  },
});

export const policyRollbackCommand = defineCommand({
  name: 'policy rollback',
  summary: 'Activate the policy version that was active before the current one',
  description:
    'Activate the version that was active before the current one, from the activation log. Rolling back twice returns to where you started, as `cd -` does.',
  options: [...CONFIG_OPTIONS, BY_OPTION],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    return withStore(config, async (store) => {
      const log = await store.listPolicyActivations({ limit: MAX_QUERY_LIMIT });
      const current = log[0];
      if (current === undefined) {
        io.stderr.write('parapet: no policy version was ever activated; nothing to roll back\n');
        return EXIT.FAILURE;
      }
      const previous = log.find((entry) => entry.version !== current.version);
      if (previous === undefined) {
        io.stderr.write(
          `parapet: version ${current.version} is the only version ever activated; nothing to roll back to\n`,
        );
        return EXIT.FAILURE;
      }
      return activateChecked(store, config, previous.version, author(options.by), io);
    });
  },
});

export const policyGlobalShowCommand = defineCommand({
  name: 'policy global show',
  summary: 'Show the kill switch and block lists in force',
  description:
    'The `global` section in force: the runtime setting when one was written (`policy killswitch`, `policy block`), else the active policy version, else the config file.',
  options: [...CONFIG_OPTIONS, { ...JSON_OPTION, description: 'Print JSON' }],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const effective = await withStore(config, (store) => loadEffectiveGlobal(store, config));
    const setting = effective.setting;
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({
          source: effective.source,
          policyVersion: effective.policy.version,
          setting:
            setting === null
              ? null
              : { revision: setting.revision, updatedBy: setting.updatedBy, updatedAt: setting.updatedAt },
          global: effective.global,
        })}\n`,
      );
      return EXIT.OK;
    }
    const from =
      effective.source === 'setting' && setting !== null
        ? `runtime setting \`${POLICY_GLOBAL_SETTING}\` (revision ${setting.revision}, by ${setting.updatedBy} at ${setting.updatedAt})`
        : policySourceName(effective.policy);
    io.stdout.write(`source: ${from}\n${globalText(effective.global)}`);
    return EXIT.OK;
  },
});

export const policyKillswitchCommand = defineCommand({
  name: 'policy killswitch',
  summary: 'Turn the kill switch on (block every request) or off, at once and without a restart',
  options: [
    ...CONFIG_OPTIONS,
    { name: 'message', type: 'string', valueName: 'text', description: 'Message blocked callers see' },
    BY_OPTION,
  ],
  positionals: [{ name: 'state', description: '`on` or `off`', required: true }],
  examples: [
    'parapet policy killswitch on --message "AI access is paused during the incident"',
    'parapet policy killswitch off',
  ],
  async run({ options, positionals, io }) {
    const state = positionals[0]!;
    if (state !== 'on' && state !== 'off') {
      throw new UsageError(`the state must be \`on\` or \`off\`, not \`${state}\``, 'policy killswitch');
    }
    const config = loadCommandConfig(options, io);
    const outcome = await updateGlobal(config, io, author(options.by), (global) => ({
      ...global,
      block_all: state === 'on',
      ...(options.message === undefined ? {} : { message: options.message }),
    }));
    return reportGlobalUpdate(io, outcome, (revision) =>
      state === 'on'
        ? `kill switch on: every request is blocked (${POLICY_GLOBAL_SETTING} revision ${revision})`
        : `kill switch off (${POLICY_GLOBAL_SETTING} revision ${revision})`,
    );
  },
});

const LIST_OPTIONS = [
  { name: 'apps', type: 'list', valueName: 'a,b', description: 'Apps' },
  {
    name: 'models',
    type: 'list',
    valueName: 'a,b',
    description: 'Models (names or aliases of the model table)',
  },
  { name: 'users', type: 'list', valueName: 'a,b', description: 'Users' },
  { name: 'groups', type: 'list', valueName: 'a,b', description: 'Groups' },
  { name: 'keys', type: 'list', valueName: 'a,b', description: 'Virtual key ids' },
  { name: 'providers', type: 'list', valueName: 'a,b', description: 'Upstreams' },
] as const;

/** Option name → `global` list. */
const LISTS = {
  apps: 'blocked_apps',
  models: 'blocked_models',
  users: 'blocked_users',
  groups: 'blocked_groups',
  keys: 'blocked_keys',
  providers: 'blocked_providers',
} as const;
type ListOption = keyof typeof LISTS;
type ListValues = Partial<Record<ListOption, string[] | undefined>>;

export const policyBlockCommand = defineCommand({
  name: 'policy block',
  summary: 'Add apps, models, users, groups, keys or providers to the block lists, without a restart',
  options: [...CONFIG_OPTIONS, ...LIST_OPTIONS, BY_OPTION],
  examples: [
    'parapet policy block --apps shadow-gpt --models gpt-4o',
    'parapet policy block --users mallory',
  ],
  async run({ options, io }) {
    const lists = chosenLists(options, 'policy block');
    const config = loadCommandConfig(options, io);
    const outcome = await updateGlobal(
      config,
      io,
      author(options.by),
      (global) => {
        const next: Global = { ...global };
        for (const [option, values] of lists) {
          const key = LISTS[option];
          next[key] = [...new Set([...global[key], ...values])];
        }
        return next;
      },
      lists,
    );
    return reportGlobalUpdate(
      io,
      outcome,
      (r) => `block lists updated (${POLICY_GLOBAL_SETTING} revision ${r})`,
    );
  },
});

export const policyUnblockCommand = defineCommand({
  name: 'policy unblock',
  summary: 'Remove apps, models, users, groups, keys or providers from the block lists',
  options: [...CONFIG_OPTIONS, ...LIST_OPTIONS, BY_OPTION],
  examples: ['parapet policy unblock --apps shadow-gpt'],
  async run({ options, io }) {
    const lists = chosenLists(options, 'policy unblock');
    const config = loadCommandConfig(options, io);
    const outcome = await updateGlobal(config, io, author(options.by), (global) => {
      const next: Global = { ...global };
      for (const [option, values] of lists) {
        const key = LISTS[option];
        for (const value of values) {
          if (!global[key].includes(value)) io.stderr.write(`\`${value}\` was not in ${key}\n`);
        }
        next[key] = global[key].filter((v) => !values.includes(v));
      }
      return next;
    });
    return reportGlobalUpdate(
      io,
      outcome,
      (r) => `block lists updated (${POLICY_GLOBAL_SETTING} revision ${r})`,
    );
  },
});

/** Every `policy` command, in help order. */
export const POLICY_COMMANDS = [
  policyValidateCommand,
  policyTestCommand,
  policySimulateCommand,
  policyHistoryCommand,
  policyShowCommand,
  policyDiffCommand,
  policyPushCommand,
  policyActivateCommand,
  policyRollbackCommand,
  policyGlobalShowCommand,
  policyKillswitchCommand,
  policyBlockCommand,
  policyUnblockCommand,
] as const;

// ---------------------------------------------------------------------------------------------------
// Checking a policy file against the deployment

interface CheckedPolicy {
  config: Config;
  catalogue: PolicyCatalogue;
  detectors: readonly Detector[];
  /** The file as read, or null when it could not be read. */
  source: PolicySource | null;
  /** The policy when it has no errors. */
  policy: PolicyDocument | null;
  /** Errors and warnings with positions, sorted. */
  problems: LocatedProblem[];
}

/**
 * Reads FILE and validates it with the deployment's catalogue (configured detector families and types,
 * model table, upstreams, and the groups of stored virtual keys). The configuration comes from --config
 * (or PARAPET_CONFIG), else from FILE itself when it is a parapet.yaml, else ./parapet.yaml; its own
 * `policy:` section is not checked on the way (that is FILE's job).
 */
async function checkPolicyFile(file: string, options: ConfigOptionValues, io: CliIo): Promise<CheckedPolicy> {
  let source: PolicySource | null = null;
  let problems: LocatedProblem[] = [];
  try {
    source = readPolicyFile(file, io.cwd);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    problems = error.problems;
  }
  const configFile = source?.kind === 'config' ? resolvePath(file, io.cwd) : null;
  const config = loadConfigForPolicy(options, io, configFile);
  const detectors = await detectorsForConfig(config);
  const groups = (await hasStoreData(config)) ? await withStore(config, keyGroups) : [];
  const catalogue = policyCatalogue(config, detectors, groups);
  if (source === null) return { config, catalogue, detectors, source, policy: null, problems };
  const result = validatePolicy(source.raw, catalogue);
  return {
    config,
    catalogue,
    detectors,
    source,
    policy: result.policy,
    problems: locateIssues(source, result.issues),
  };
}

async function keyGroups(store: Store): Promise<string[]> {
  const keys = await store.listKeys();
  return [...new Set(keys.flatMap((k) => k.groups))];
}

/** Loads the configuration like every command, but without its `policy:` section (see checkPolicyFile). */
function loadConfigForPolicy(options: ConfigOptionValues, io: CliIo, fallbackFile: string | null): Config {
  const explicit = nonEmpty(options.config) ?? nonEmpty(io.env['PARAPET_CONFIG']);
  let file: string | null;
  if (explicit !== undefined) file = resolvePath(explicit, io.cwd);
  else if (fallbackFile !== null) file = fallbackFile;
  else file = existsSync(join(io.cwd, 'parapet.yaml')) ? join(io.cwd, 'parapet.yaml') : null;
  // Missing or unreadable: loadCommandConfig reports it the way every command does.
  if (file !== null && !existsSync(file)) return loadCommandConfig(options, io);
  const flags: ConfigFlags = {
    config: options.config,
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
  };
  if (file === null) return buildConfig({}, { flags, env: io.env, cwd: io.cwd, file: null });
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) return loadCommandConfig({ ...options, config: file }, io);
  const raw = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw))
    delete (raw as Record<string, unknown>).policy;
  return buildConfig(raw, { flags, env: io.env, cwd: io.cwd, file });
}

/** Validates a stored version against the deployment and activates it; errors are printed, exit 1. */
async function activateChecked(
  store: Store,
  config: Config,
  version: number,
  by: string,
  io: CliIo,
): Promise<number> {
  const record = await store.getPolicyVersion(version);
  if (record === null) {
    io.stderr.write(`parapet: ${missingVersion(version)}\n`);
    return EXIT.FAILURE;
  }
  const active = await store.getActivePolicyVersion();
  if (active?.version === version) {
    io.stdout.write(`policy version ${version} is already active\n`);
    return EXIT.OK;
  }
  const name = `policy version ${version}`;
  let problems: LocatedProblem[];
  try {
    const source = parsePolicyText(record.document, name);
    const detectors = await detectorsForConfig(config);
    const catalogue = policyCatalogue(config, detectors, await keyGroups(store));
    problems = locateIssues(source, validatePolicy(source.raw, catalogue).issues);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    problems = error.problems;
  }
  if (errorCount(problems) > 0) {
    printProblems(io.stderr, name, problems);
    io.stderr.write(
      `parapet: refusing to activate version ${version}: it does not validate against this deployment (${count(errorCount(problems), 'error')})\n`,
    );
    return EXIT.FAILURE;
  }
  const at = (io.now?.() ?? new Date()).toISOString();
  if (!(await store.activatePolicyVersion(version, by, at))) {
    io.stderr.write(`parapet: ${missingVersion(version)}\n`);
    return EXIT.FAILURE;
  }
  io.stdout.write(
    `activated policy version ${version}${active === null ? '' : ` (was ${active.version})`}\n`,
  );
  return EXIT.OK;
}

// ---------------------------------------------------------------------------------------------------
// Runtime global settings

/**
 * Read-modify-write of the `policy.global` setting, starting from the active policy's `global` when the
 * setting was never written. Names added to block lists are checked against the deployment.
 */
async function updateGlobal(
  config: Config,
  io: CliIo,
  by: string,
  change: (global: Global) => Global,
  added: readonly (readonly [ListOption, string[]])[] = [],
): Promise<{ revision: number; global: Global } | { errors: string[] }> {
  return withStore(config, async (store) => {
    const effective = await loadEffectiveGlobal(store, config);
    const next = Global.parse(change(effective.global));
    if (added.length > 0) {
      const detectors = await detectorsForConfig(config);
      const catalogue = policyCatalogue(config, detectors, await keyGroups(store));
      const { issues } = validatePolicy(
        { groups: effective.policy.document.groups, global: next },
        catalogue,
      );
      const errors: string[] = [];
      for (const issue of issues) {
        const [section, list, index] = issue.path;
        if (issue.severity !== 'error' || section !== 'global' || typeof index !== 'number') continue;
        const option = (Object.keys(LISTS) as ListOption[]).find((o) => LISTS[o] === list);
        if (option === undefined) continue;
        const entry = next[LISTS[option]][index];
        // Only what this command adds is reported: entries already there were accepted before.
        if (entry === undefined || !added.some(([o, values]) => o === option && values.includes(entry)))
          continue;
        errors.push(`\`--${option}\`: ${issue.message}`);
      }
      if (errors.length > 0) return { errors };
    }
    const at = (io.now?.() ?? new Date()).toISOString();
    const record = await store.putSetting(POLICY_GLOBAL_SETTING, next, by, at);
    return { revision: record.revision, global: next };
  });
}

/** Prints the outcome of a block-list or kill-switch change; exit code. */
function reportGlobalUpdate(
  io: CliIo,
  outcome: { revision: number; global: Global } | { errors: string[] },
  done: (revision: number) => string,
): number {
  if ('errors' in outcome) {
    for (const error of outcome.errors) io.stderr.write(`parapet: ${error}\n`);
    return EXIT.FAILURE;
  }
  io.stdout.write(`${done(outcome.revision)}\n${globalText(outcome.global)}`);
  return EXIT.OK;
}

function chosenLists(options: ListValues, command: string): [ListOption, string[]][] {
  const chosen = (Object.keys(LISTS) as ListOption[])
    .map((option) => [option, options[option]] as const)
    .filter(
      (entry): entry is readonly [ListOption, string[]] => entry[1] !== undefined && entry[1].length > 0,
    )
    .map(([option, values]) => [option, [...new Set(values)]] as [ListOption, string[]]);
  if (chosen.length === 0) {
    throw new UsageError(
      'give at least one of `--apps`, `--models`, `--users`, `--groups`, `--keys`, `--providers`',
      command,
    );
  }
  return chosen;
}

function globalText(global: Global): string {
  const list = (values: readonly string[]) => (values.length === 0 ? '-' : values.join(', '));
  return [
    `kill switch: ${global.block_all ? 'ON (every request is blocked)' : 'off'}`,
    `message: ${global.message ?? '-'}`,
    `blocked apps: ${list(global.blocked_apps)}`,
    `blocked models: ${list(global.blocked_models)}`,
    `blocked users: ${list(global.blocked_users)}`,
    `blocked groups: ${list(global.blocked_groups)}`,
    `blocked keys: ${list(global.blocked_keys)}`,
    `blocked providers: ${list(global.blocked_providers)}`,
    '',
  ].join('\n');
}

function policySourceName(policy: ActivePolicy): string {
  return policy.version === null
    ? 'the config file policy (no stored version is active)'
    : `active policy version ${policy.version}`;
}

// ---------------------------------------------------------------------------------------------------
// Simulation output

function simulationText(
  report: SimulationReport,
  window: { since: string; until: string | null; truncated: boolean; limit: number },
): string {
  const lines: string[] = [];
  lines.push(
    `scanned ${count(report.eventsScanned, 'event')} from ${window.since} to ${window.until ?? 'now'}; ${count(report.decisionsCompared, 'decision')} compared (input ${report.byDirection.input.compared}, output ${report.byDirection.output.compared})`,
  );
  if (window.truncated) {
    lines.push(
      `note: only the newest ${window.limit} events since ${window.since} could be read; narrow the window with --since to see older ones`,
    );
  }
  if (report.rescan !== null) {
    lines.push(
      `rescan: ${report.rescan.rescanned} rescanned, ${report.rescan.notRescannable} not rescannable (content mode redacted or none: stored findings used), ${report.rescan.unreadable} unreadable (stored findings used)`,
    );
  }
  if (report.decisionsChanged === 0) {
    lines.push('no decision would change');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${count(report.decisionsChanged, 'decision')} would change (${count(report.eventsChanged, 'event')}; input ${report.byDirection.input.changed}, output ${report.byDirection.output.changed})`,
    '',
    'by action (stored -> candidate):',
  );
  const rows1 = report.byTransition.map((t) => [
    `${t.from} -> ${t.to}`,
    String(t.count),
    t.examples.join(', '),
  ]);
  lines.push(...indent(formatTable(['CHANGE', 'COUNT', 'EXAMPLE EVENTS'], rows1)));
  lines.push('', 'by deciding rule in the candidate:');
  const rows2 = report.byRule.map((r) => [r.ruleId ?? '(default)', String(r.count), r.examples.join(', ')]);
  lines.push(...indent(formatTable(['RULE', 'COUNT', 'EXAMPLE EVENTS'], rows2)));
  return `${lines.join('\n')}\n`;
}

/** The content key when one exists (env or key file); never generates a new one. */
function existingContentKey(config: Config, io: CliIo): Uint8Array | null {
  const envKey = io.env['PARAPET_ENCRYPTION_KEY'];
  const hasEnv = envKey !== undefined && envKey.trim() !== '';
  if (!hasEnv && !existsSync(join(config.data_dir, CONTENT_KEY_FILE_NAME))) return null;
  return loadContentKey({ dataDir: config.data_dir, ...(hasEnv ? { envKey } : {}) }).key;
}

/** `7d` → now minus 7 days; an ISO date or time → itself. As an ISO string. */
function pointInTime(text: string, now: Date, option: string): string {
  const ms = tryParseDuration(text);
  if (ms !== null) return new Date(now.getTime() - ms).toISOString();
  if (text.length >= 10 && text[4] === '-' && text[7] === '-' && !Number.isNaN(Date.parse(text))) {
    return new Date(Date.parse(text)).toISOString();
  }
  throw new UsageError(
    `\`${option}\` must be a duration such as \`7d\`, \`12h\` or an ISO time such as \`2025-03-01\`, not \`${text}\``,
    'policy simulate',
  );
}

// ---------------------------------------------------------------------------------------------------
// Shared helpers

function printProblems(out: CliWriter, file: string, problems: readonly LocatedProblem[]): void {
  for (const p of problems) out.write(`${formatProblem(file, p)}\n`);
}

function failWithProblems(
  io: CliIo,
  file: string,
  problems: readonly LocatedProblem[],
  json: boolean,
): number {
  if (json) {
    io.stdout.write(`${JSON.stringify({ file, valid: false, issues: problems.map(jsonProblem) })}\n`);
  } else {
    printProblems(io.stdout, file, problems);
    io.stderr.write(`${file}: ${count(errorCount(problems), 'error')}\n`);
  }
  return EXIT.FAILURE;
}

function jsonProblem(p: LocatedProblem) {
  return {
    line: p.line,
    column: p.column,
    severity: p.severity,
    message: p.message,
    ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
    ...(p.path === undefined ? {} : { path: p.path }),
  };
}

function errorCount(problems: readonly LocatedProblem[]): number {
  return problems.filter((p) => p.severity === 'error').length;
}

function readTextFile(file: string, cwd: string): string {
  const path = resolvePath(file, cwd);
  try {
    const buffer = readFileSync(path);
    if (buffer.length > MAX_POLICY_FILE_BYTES) {
      throw new PolicyFileError(file, [
        { line: 1, column: 1, severity: 'error', message: `the file is over ${MAX_POLICY_FILE_BYTES} bytes` },
      ]);
    }
    return buffer.toString('utf8');
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (code ?? 'error');
    throw new PolicyFileError(file, [
      { line: 1, column: 1, severity: 'error', message: `cannot read the file (${why})` },
    ]);
  }
}

function versionNumber(text: string, command: string): number {
  const n = Number(text);
  if (!/^[0-9]{1,9}$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`a policy version is a whole number from 1, not \`${text}\``, command);
  }
  return n;
}

function checkedLimit(limit: number, command: string): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new UsageError(`\`--limit\` must be an integer from 1 to ${MAX_QUERY_LIMIT}`, command);
  }
  return limit;
}

function missingVersion(version: number | null): string {
  return version === null
    ? 'no policy version is active (the config file policy applies); store one with `parapet policy push FILE --activate`'
    : `no policy version ${version}; see \`parapet policy history\``;
}

function versionLabel(v: PolicyVersionRecord): string {
  return `policy version ${v.version} (${v.author}, ${v.createdAt})`;
}

/** `--by`, else the OS user name, else `cli`. */
function author(by: string | undefined): string {
  if (by !== undefined) return by;
  try {
    const name = userInfo().username;
    return name === '' ? 'cli' : name;
  } catch {
    return 'cli';
  }
}

/** True when there is a store to read (PostgreSQL, or an existing SQLite file): validation creates none. */
async function hasStoreData(config: Config): Promise<boolean> {
  if (config.database.url !== null) return true;
  const { SQLITE_FILE_NAME } = await import('../../store/index.ts');
  return existsSync(join(config.data_dir, SQLITE_FILE_NAME));
}

async function withStore<T>(config: Config, use: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../../store/index.ts');
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function resolvePath(file: string, cwd: string): string {
  return isAbsolute(file) ? file : resolve(cwd, file);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function indent(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}

function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
