// Parapet's Protection II detectors as benchmark targets, run through the public `scan()` API of
// @parapet/core on their default settings: each family alone (prompt_attack, harmful, toxicity, topics)
// and the whole default stack, which is what a deployment runs when its config names no detector:
// every built-in detector except those that have nothing to do until given data (dictionary terms,
// registered fingerprint documents), as packages/server/src/detectors/builtin.ts decides. The gateway
// also wraps each detector in a content-hash cache; the benchmark does not, so every call does the work.

import { BUILTIN_DETECTORS, type Detector, type ScanResult, scan } from '@parapet/core';
import type { AttackBenchTarget } from './types.ts';

/** Built-in detectors a default deployment leaves off, and why (they need data from the deployment). */
export const OFF_BY_DEFAULT: Readonly<Record<string, string>> = {
  dictionary: 'needs a list of terms',
  fingerprint: 'needs registered documents',
};

/** Ids of the whole default stack, in the built-in order. */
export const DEFAULT_STACK_IDS: readonly string[] = BUILTIN_DETECTORS.map((d) => d.id).filter(
  (id) => OFF_BY_DEFAULT[id] === undefined,
);

/** The Protection II families measured alone, each in its own process. */
export const PROTECTION2_FAMILIES = ['prompt_attack', 'harmful', 'toxicity', 'topics'] as const;

/** Families whose flag the quality table reports (topics only labels, it never flags). */
const FLAGGING_FAMILIES = ['prompt_attack', 'harmful', 'toxicity'] as const;

/** Builds one built-in detector with its default settings (validated by its own schema). */
export function defaultDetector(id: string): Detector {
  const def = BUILTIN_DETECTORS.find((d) => d.id === id);
  if (def === undefined) throw new Error(`no built-in detector \`${id}\``);
  return def.create(def.settings.parse({}));
}

function familyFlagged(result: ScanResult, family: string): boolean {
  const d = result.detections[family];
  return d !== undefined && 'flagged' in d && d.flagged;
}

/** One family alone (speed only: its quality rows come from the whole stack, the detectors being independent). */
export async function createParapetFamilyTarget(family: string): Promise<AttackBenchTarget> {
  const detectors = [defaultDetector(family)];
  return {
    id: `parapet-${family.replaceAll('_', '-')}`,
    label: `@parapet/core ${family}`,
    checks: [`scan() with ${family} alone (default settings)`],
    async all(text) {
      // topics alone never flags (it labels); its row is there for its latency.
      return (await scan(detectors, text)).flagged;
    },
  };
}

/** The whole default stack: the latency targets and Parapet's quality rows. */
export async function createParapetStackTarget(): Promise<AttackBenchTarget> {
  const detectors = DEFAULT_STACK_IDS.map(defaultDetector);
  return {
    id: 'parapet-default-stack',
    label: `@parapet/core default stack (${DEFAULT_STACK_IDS.length} detectors)`,
    checks: [`scan() with ${DEFAULT_STACK_IDS.join(', ')} (default settings, no cache)`],
    async all(text) {
      return (await scan(detectors, text)).flagged;
    },
    async verdicts(text) {
      const result = await scan(detectors, text);
      const rows: Record<string, boolean> = {};
      for (const family of FLAGGING_FAMILIES) rows[family] = familyFlagged(result, family);
      rows['prompt_attack or harmful'] = rows['prompt_attack']! || rows['harmful']!;
      rows['any family (whole stack)'] = result.flagged;
      return rows;
    },
  };
}
