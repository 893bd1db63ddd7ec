import {
  type CompiledPolicy,
  compilePolicy,
  type Decider,
  type Detector,
  Global,
  PolicyDocument,
  type PolicyIssue,
  validatePolicy,
} from '@parapet/core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/ports.ts';
import { policyCatalogue } from './catalogue.ts';

/** The setting that, when present, replaces the active policy's `global` section (kill switch, block lists). */
export const GLOBAL_SETTING_KEY = 'policy.global';
const SWEEP_MS = 60_000;

/** Author recorded for versions that come from the config file. */
export const CONFIG_FILE_AUTHOR = 'config-file';

export class PolicyError extends Error {
  constructor(readonly issues: readonly PolicyIssue[]) {
    super(
      `the policy is invalid:\n${issues
        .filter((i) => i.severity === 'error')
        .map((i) => `  policy.${formatIssuePath(i.path)}: ${i.message}`)
        .join('\n')}`,
    );
    this.name = 'PolicyError';
  }
}

export function formatIssuePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** The live policy of one gateway process: the active stored version with the run-time global settings. */
export interface PolicyRuntime {
  /** Evaluates the current policy. */
  readonly decide: Decider;
  current(): CompiledPolicy;
  /** Some rule may redact output: streams must be decoded so text can be changed before release. */
  redactsOutput(): boolean;
  /** Some rule reads `languages`: the gateway detects the language of the input. */
  readsLanguage(): boolean;
  /** Re-reads the active version and the global settings now (after a change through this process). */
  refresh(): Promise<void>;
  close(): void;
}

export interface PolicyRuntimeOptions {
  config: Config;
  store: Store;
  detectors: readonly Pick<Detector, 'family'>[];
  logger: Logger;
  /** How often other replicas' changes are picked up, in ms. */
  refreshMs: number;
  now?: () => Date;
}

/**
 * Boots the policy: validates the config file's policy against this deployment (fails the start when
 * invalid), records it as a new version when it changed since the config file was last recorded, then
 * loads the active version and follows changes (activation, kill switch) by polling the store.
 */
export async function createPolicyRuntime(options: PolicyRuntimeOptions): Promise<PolicyRuntime> {
  const { config, store, logger } = options;
  const now = options.now ?? (() => new Date());
  const groups = (await store.listKeys()).flatMap((k) => k.groups);
  const catalogue = policyCatalogue(config, options.detectors, groups);
  const checked = validatePolicy(config.policy, catalogue);
  if (checked.policy === null) throw new PolicyError(checked.issues);
  for (const issue of checked.issues) {
    logger.warn('policy warning', { path: `policy.${formatIssuePath(issue.path)}`, message: issue.message });
  }
  const configText = stringifyYaml(config.policy);
  await recordConfigVersion(store, configText, now());

  let compiled = compilePolicy(checked.policy);
  let traits = traitsOf(checked.policy);
  let activeVersion = -1;
  let globalRevision = -1;
  let stopped = false;

  const load = async (): Promise<void> => {
    const [active, global] = await Promise.all([
      store.getActivePolicyVersion(),
      store.getSetting(GLOBAL_SETTING_KEY),
    ]);
    const version = active?.version ?? 0;
    const revision = global?.revision ?? 0;
    if (version === activeVersion && revision === globalRevision) return;
    let document: PolicyDocument = checked.policy!;
    if (active !== null) {
      const parsed = PolicyDocument.safeParse(parseYaml(active.document));
      if (!parsed.success) {
        logger.error('the active policy version does not parse; keeping the previous policy', { version });
        return;
      }
      document = parsed.data;
    }
    if (global !== null) {
      const parsedGlobal = Global.safeParse(global.value);
      if (parsedGlobal.success) document = { ...document, global: parsedGlobal.data };
      else logger.error('the run-time global policy setting is invalid; ignoring it', { revision });
    }
    compiled = compilePolicy(document, active?.version);
    traits = traitsOf(document);
    activeVersion = version;
    globalRevision = revision;
    logger.info('policy loaded', {
      version: active?.version ?? null,
      rules: document.rules.length,
      kill_switch: document.global.block_all,
    });
  };
  await load();

  const timer = setInterval(() => {
    if (stopped) return;
    load().catch((err: unknown) =>
      logger.warn('policy refresh failed; keeping the current policy', { error: err }),
    );
  }, options.refreshMs);
  timer.unref();
  // Housekeeping: expired vault entries are deleted, and approvals a stopped process left pending past
  // their expiry are marked expired.
  const sweeper = setInterval(() => {
    if (stopped) return;
    const at = now().toISOString();
    Promise.all([store.purgeExpiredVault(at), store.expirePendingApprovals(at, 'sweeper')]).catch(
      (err: unknown) => logger.warn('policy housekeeping failed', { error: err }),
    );
  }, SWEEP_MS);
  sweeper.unref();

  return {
    decide: (input) => compiled.evaluate(input),
    current: () => compiled,
    redactsOutput: () => traits.redactsOutput,
    readsLanguage: () => traits.readsLanguage,
    refresh: load,
    close() {
      stopped = true;
      clearInterval(timer);
      clearInterval(sweeper);
    },
  };
}

/** What the request path needs to know about a policy, computed once per version. */
function traitsOf(document: PolicyDocument): { redactsOutput: boolean; readsLanguage: boolean } {
  const rules = document.rules.filter((r) => r.enabled);
  return {
    redactsOutput: rules.some((r) => r.action === 'redact' && appliesToOutput(r.when.direction)),
    readsLanguage: JSON.stringify(rules.map((r) => r.when)).includes('"languages"'),
  };
}

function appliesToOutput(direction: 'input' | 'output' | ('input' | 'output')[] | undefined): boolean {
  if (direction === undefined) return true;
  return Array.isArray(direction) ? direction.includes('output') : direction === 'output';
}

/**
 * The config file is the initial version. When its policy differs from the last version recorded from the
 * config file, it is recorded and activated (a deployment that changes the file means it); versions made
 * through the admin API or CLI stay active across restarts otherwise.
 */
async function recordConfigVersion(store: Store, text: string, at: Date): Promise<void> {
  const versions = await store.listPolicyVersions({ limit: 1000 });
  const lastFromFile = versions.find((v) => v.author === CONFIG_FILE_AUTHOR);
  if (lastFromFile !== undefined && lastFromFile.document === text) {
    if ((await store.getActivePolicyVersion()) === null) {
      await store.activatePolicyVersion(lastFromFile.version, CONFIG_FILE_AUTHOR, at.toISOString());
    }
    return;
  }
  const record = await store.insertPolicyVersion({
    document: text,
    author: CONFIG_FILE_AUTHOR,
    comment: 'from the configuration file',
    createdAt: at.toISOString(),
  });
  await store.activatePolicyVersion(record.version, CONFIG_FILE_AUTHOR, at.toISOString());
}
