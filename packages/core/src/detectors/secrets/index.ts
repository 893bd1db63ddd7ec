import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';
import { ALL_RULES, compileRules, SCANNER_RULES, scanText } from './engine.ts';

/** Settings of the secrets detector; validated once when the detector is built. */
export const SecretsSettings = z.object({
  /** Enable only these rule ids (`secrets.github-pat`, …); all rules when absent. */
  rules: z.array(z.string()).optional(),
  /** Rule ids to turn off. */
  disabled_rules: z.array(z.string()).default([]),
  /** Findings scoring below this are dropped. */
  min_score: z.number().min(0).max(1).default(0.5),
  /** Generic high-entropy detection next to secret-related words. */
  entropy: z
    .object({
      enabled: z.boolean().default(true),
      min_length: z.number().int().min(8).max(512).default(20),
      threshold: z.number().min(0).max(8).default(4.0),
    })
    .default({ enabled: true, min_length: 20, threshold: 4.0 }),
  /** Exact values never reported (test keys the deployment knows about). */
  allow_list: z.array(z.string()).default([]),
});
export type SecretsSettings = z.infer<typeof SecretsSettings>;

/** One rule in the catalogue: id, secret type and a short description. */
export interface SecretRuleInfo {
  id: string;
  type: string;
  description: string;
}

/** Every rule the secrets detector knows (regex rules and hand-written scanners), in a stable order. */
export const SECRET_RULES: readonly SecretRuleInfo[] = [
  ...ALL_RULES.map((r) => ({ id: r.id, type: r.type, description: r.description })),
  ...SCANNER_RULES,
];

const KNOWN_IDS = new Set(SECRET_RULES.map((r) => r.id));

/**
 * Builds the secrets detector: provider-specific credential formats, private keys, credentials embedded
 * in URLs, SQL and command lines, generic `password=` / `secret:` assignments and high-entropy tokens
 * next to secret-related words. Pure: no I/O, clock or randomness. Unknown rule ids in `rules` or
 * `disabled_rules` throw, so a typo cannot silently disable protection.
 */
export function createSecretsDetector(settings: Partial<z.input<typeof SecretsSettings>> = {}): Detector {
  const s = SecretsSettings.parse(settings);
  for (const id of [...(s.rules ?? []), ...s.disabled_rules]) {
    if (!KNOWN_IDS.has(id)) throw new Error(`unknown secrets rule \`${id}\`; see docs/secrets-coverage.md`);
  }
  const only = s.rules ? new Set(s.rules) : null;
  const disabled = new Set(s.disabled_rules);
  const enabled = (id: string): boolean => (only === null || only.has(id)) && !disabled.has(id);
  const compiled = compileRules(enabled);
  const options = { enabled, minScore: s.min_score, entropy: s.entropy, allowList: s.allow_list };

  return {
    id: 'secrets',
    family: 'secrets',
    inspect(segments: readonly Segment[], ctx: DetectorContext): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) {
        if (ctx.signal?.aborted) break;
        for (const m of scanText(segment.text, compiled, options)) {
          findings.push({
            family: 'secrets',
            type: m.type,
            score: m.score,
            segment: segment.index,
            span: { start: m.start, end: m.end },
            detector: m.ruleId,
            explanation: m.explanation,
          });
        }
      }
      return findings;
    },
  };
}

/** Registry entry for the secrets detector. */
export const secretsDefinition: DetectorDefinition<typeof SecretsSettings> = {
  id: 'secrets',
  family: 'secrets',
  description: `Credentials and keys in text: ${SECRET_RULES.length} rules (cloud, SaaS and AI provider keys, private keys, connection strings, password assignments, high-entropy tokens).`,
  languages: ['*'],
  settings: SecretsSettings,
  create: (settings) => createSecretsDetector(settings),
};
