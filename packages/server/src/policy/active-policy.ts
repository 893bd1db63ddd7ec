/**
 * The policy in force: the active stored version (or the config file's `policy:` when none was ever
 * activated), with its `global` section replaced by the runtime setting `policy.global` when that exists
 * (the kill switch and block lists change without a restart or a new version).
 */
import { Global, PolicyDocument } from '@parapet/core';
import type { Config } from '../config/index.ts';
import type { PolicyStore, SettingRecord, SettingsStore } from '../store/ports.ts';
import { parsePolicyText } from './policy-file.ts';
import { GLOBAL_SETTING_KEY } from './runtime.ts';

/** The settings key holding the runtime `global` object (schema: `Global`). */
export const POLICY_GLOBAL_SETTING: string = GLOBAL_SETTING_KEY;

/** The active policy and where it came from. */
export interface ActivePolicy {
  /** The stored version in force, or null when none was activated and the config file's policy applies. */
  version: number | null;
  /** The document as stored (verbatim), or null for the config file's policy. */
  text: string | null;
  document: PolicyDocument;
}

/**
 * The active stored version parsed, or the config file's policy when none is active. Throws when the
 * stored text no longer parses (it was validated when pushed; this means the store was edited by hand).
 */
export async function loadActivePolicy(store: PolicyStore, config: Config): Promise<ActivePolicy> {
  const active = await store.getActivePolicyVersion();
  if (active === null) return { version: null, text: null, document: config.policy };
  return {
    version: active.version,
    text: active.document,
    document: parseStoredPolicy(active.document, active.version),
  };
}

/** Parses a stored policy text (structure only; names are checked by validatePolicy). */
export function parseStoredPolicy(text: string, version: number): PolicyDocument {
  const source = parsePolicyText(text, `policy version ${version}`);
  const parsed = PolicyDocument.safeParse(source.raw ?? {});
  if (!parsed.success) {
    throw new Error(
      `stored policy version ${version} is not a valid policy document; push a corrected version`,
    );
  }
  return parsed.data;
}

/**
 * Reads the runtime `global` setting: null when absent. Throws when the stored value is not a `global`
 * object (written by something other than the CLI or admin API).
 */
export function globalFromSetting(setting: SettingRecord | null): Global | null {
  if (setting === null) return null;
  const parsed = Global.safeParse(setting.value);
  if (!parsed.success) {
    throw new Error(
      `the runtime setting \`${POLICY_GLOBAL_SETTING}\` (revision ${setting.revision}) is not a valid \`global\` object`,
    );
  }
  return parsed.data;
}

/** The document with its `global` section replaced by the runtime setting, when there is one. */
export function withRuntimeGlobal(document: PolicyDocument, global: Global | null): PolicyDocument {
  return global === null ? document : { ...document, global };
}

/** The effective `global` section and where it comes from. */
export interface EffectiveGlobal {
  global: Global;
  /** `setting`: the runtime setting; otherwise the active policy (a stored version or the config file). */
  source: 'setting' | 'policy';
  setting: SettingRecord | null;
  policy: ActivePolicy;
}

/** The `global` section in force: the runtime setting when it exists, else the active policy's. */
export async function loadEffectiveGlobal(
  store: PolicyStore & SettingsStore,
  config: Config,
): Promise<EffectiveGlobal> {
  const policy = await loadActivePolicy(store, config);
  const setting = await store.getSetting(POLICY_GLOBAL_SETTING);
  const fromSetting = globalFromSetting(setting);
  return fromSetting === null
    ? { global: policy.document.global, source: 'policy', setting, policy }
    : { global: fromSetting, source: 'setting', setting, policy };
}
