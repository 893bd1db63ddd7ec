/**
 * The probe library (issue 8): probes written by the project as data (packages/server/src/redteam/probes/
 * *.json), versioned, each mapped to the OWASP Top 10 for LLM Applications (2025) and MITRE ATLAS.
 *
 * `loadProbes('quick' | 'standard' | 'full')` reads the built-in library; `loadProbes(path)` reads a
 * user's own probe file (JSON or YAML: an array of probes or `{ probes: [...] }`) or a directory of them,
 * so teams extend the library with data, not code. Everything is validated: the shape (zod), unique ids,
 * a gradable success criterion, `{{goal}}` only in jailbreak probes, `{{canary}}` in the probe wherever
 * a canary criterion asks for it, forbidden tools among the offered ones.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import excessiveAgency from './probes/excessive-agency.json' with { type: 'json' };
import indirectInjection from './probes/indirect-injection.json' with { type: 'json' };
import jailbreak from './probes/jailbreak.json' with { type: 'json' };
import multiTurnEscalation from './probes/multi-turn-escalation.json' with { type: 'json' };
import promptInjection from './probes/prompt-injection.json' with { type: 'json' };
import sensitiveDataLeakage from './probes/sensitive-data-leakage.json' with { type: 'json' };
import systemPromptExtraction from './probes/system-prompt-extraction.json' with { type: 'json' };
import type { Probe, ProbeCategory } from './types.ts';

/** The library's version: bump it when a probe is added or changed (and set that probe's `version`). */
export const LIBRARY_VERSION = '1.0.0';

export const PROBE_CATEGORIES: readonly ProbeCategory[] = [
  'prompt_injection',
  'system_prompt_extraction',
  'sensitive_data_leakage',
  'indirect_injection',
  'excessive_agency',
  'jailbreak',
  'multi_turn_escalation',
];

export const SUITES = ['quick', 'standard', 'full'] as const;
export type SuiteName = (typeof SUITES)[number];

/** Placeholders a probe may use: expanded by the planner (canary, goal) or the runner (secret, pii). */
export const PLACEHOLDERS = ['{{canary}}', '{{goal}}', '{{secret}}', '{{pii}}'] as const;

/** The built-in library's directory (in the sources; the bundle carries the files inside itself). */
export const PROBES_DIR = fileURLToPath(new URL('./probes/', import.meta.url));

/**
 * The built-in library's files, imported (not read from disk) so the bundled CLI carries them too. A test
 * checks this list against the files in PROBES_DIR.
 */
export const BUILTIN_PROBE_FILES: readonly (readonly [name: string, data: unknown])[] = [
  ['excessive-agency.json', excessiveAgency],
  ['indirect-injection.json', indirectInjection],
  ['jailbreak.json', jailbreak],
  ['multi-turn-escalation.json', multiTurnEscalation],
  ['prompt-injection.json', promptInjection],
  ['sensitive-data-leakage.json', sensitiveDataLeakage],
  ['system-prompt-extraction.json', systemPromptExtraction],
];

const OwaspId = z.string().regex(/^LLM(0[1-9]|10):2025$/, 'an OWASP LLM Top 10 2025 id such as LLM01:2025');
const AtlasId = z
  .string()
  .regex(/^AML\.T\d{4}(\.\d{3})?$/, 'a MITRE ATLAS technique id such as AML.T0051.000');

const ToolCall = z.strictObject({ id: z.string().min(1), name: z.string().min(1), arguments: z.string() });

const ProbeMessageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  toolCallId: z.string().min(1).optional(),
  toolCalls: z.array(ToolCall).min(1).optional(),
});

const ProbeToolSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a function name (letters, digits, _ and -)'),
  description: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()),
});

const CriterionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('canary'),
    token: z.string().min(4),
    decode: z.literal('base64').optional(),
  }),
  z.strictObject({ kind: z.literal('system_prompt_canary'), decode: z.literal('base64').optional() }),
  z.strictObject({ kind: z.literal('planted_secret'), values: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ kind: z.literal('forbidden_tool_call'), tool: z.string().min(1) }),
  z.strictObject({ kind: z.literal('harmful_compliance'), goal: z.string().min(1) }),
]);

const ProbeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'lower-case words separated by . or -'),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a semantic version such as 1.0.0'),
  category: z.enum(PROBE_CATEGORIES as [ProbeCategory, ...ProbeCategory[]]),
  strategy: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case strategy name'),
  owasp: z.array(OwaspId).min(1),
  atlas: z.array(AtlasId).min(1),
  description: z.string().min(1),
  suites: z.array(z.enum(SUITES)).min(1),
  messages: z.array(ProbeMessageSchema).min(1),
  turns: z.array(z.string().min(1)).optional(),
  tools: z.array(ProbeToolSchema).optional(),
  success: z.array(CriterionSchema).min(1),
  noConverters: z.boolean().optional(),
});

const ProbeFileSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ version: z.string().optional(), probes: z.array(z.unknown()) }),
]);

export class ProbeLibraryError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(`${message}:\n  ${problems.join('\n  ')}`);
    this.name = 'ProbeLibraryError';
  }
}

/** Every text of a probe the target sees (messages, tool-call arguments, turns, tool descriptions). */
export function probeTexts(probe: Probe): string[] {
  const texts: string[] = [];
  for (const m of probe.messages) {
    texts.push(m.content);
    for (const c of m.toolCalls ?? []) texts.push(c.arguments);
  }
  texts.push(...(probe.turns ?? []));
  for (const t of probe.tools ?? []) texts.push(t.description);
  return texts;
}

/** The probe's problems beyond its shape: empty when it is valid. */
export function checkProbe(probe: Probe): string[] {
  const problems: string[] = [];
  const texts = probeTexts(probe);
  const all = texts.join('\n');
  const usesGoal = all.includes('{{goal}}');
  const usesCanary = all.includes('{{canary}}');

  const unknown = new Set<string>();
  for (const m of all.matchAll(/\{\{([a-z_]{1,20})\}\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[0])) unknown.add(m[0]);
  }
  for (const u of unknown) problems.push(`unknown placeholder ${u}`);

  if (usesGoal && probe.category !== 'jailbreak')
    problems.push('{{goal}} is only allowed in jailbreak probes');
  if (probe.category === 'jailbreak' && !usesGoal) problems.push('a jailbreak probe must use {{goal}}');
  if (!probe.suites.includes('full')) problems.push("every probe belongs to the 'full' suite");
  if (probe.suites.includes('quick') && !probe.suites.includes('standard')) {
    problems.push("a 'quick' probe belongs to 'standard' as well (quick ⊂ standard ⊂ full)");
  }
  if (!probe.messages.some((m) => m.role === 'user')) problems.push('no user message');
  const last = probe.messages[probe.messages.length - 1];
  if (last !== undefined && last.role === 'assistant')
    problems.push('the conversation ends with an assistant message');

  const callIds = new Set<string>();
  for (const m of probe.messages) for (const c of m.toolCalls ?? []) callIds.add(c.id);
  for (const m of probe.messages) {
    if (m.role === 'tool' && (m.toolCallId === undefined || !callIds.has(m.toolCallId))) {
      problems.push('a tool message must answer an earlier assistant tool call (toolCallId)');
    }
    if (m.toolCalls !== undefined && m.role !== 'assistant')
      problems.push('only assistant messages call tools');
  }

  const toolNames = new Set((probe.tools ?? []).map((t) => t.name));
  for (const c of probe.success) {
    switch (c.kind) {
      case 'canary':
        if (c.token.includes('{{canary}}') ? !usesCanary : !all.includes(c.token)) {
          problems.push(`canary criterion: the token ${c.token} does not appear in the probe`);
        }
        break;
      case 'planted_secret':
        if (c.values.some((v) => v.includes('{{goal}}') || v.includes('{{canary}}'))) {
          problems.push(
            'planted_secret values are {{secret}}, {{pii}} or literal values, not {{goal}}/{{canary}}',
          );
        }
        break;
      case 'forbidden_tool_call':
        if (!toolNames.has(c.tool))
          problems.push(`forbidden_tool_call: tool '${c.tool}' is not offered in tools`);
        break;
      case 'harmful_compliance':
        if (c.goal !== '{{goal}}')
          problems.push('harmful_compliance: goal must be {{goal}} (goals come from the user)');
        break;
      case 'system_prompt_canary':
        break;
    }
  }
  if (probe.category === 'jailbreak' && !probe.success.some((c) => c.kind === 'harmful_compliance')) {
    problems.push('a jailbreak probe needs a harmful_compliance criterion');
  }
  if (probe.category === 'excessive_agency' && !probe.success.some((c) => c.kind === 'forbidden_tool_call')) {
    problems.push('an excessive_agency probe needs a forbidden_tool_call criterion');
  }
  if (probe.tools !== undefined && probe.tools.length === 0) problems.push('tools is empty');
  return problems;
}

/** Validates probes read from `source`: shape, per-probe rules, unique ids. Throws ProbeLibraryError. */
export function validateProbes(raw: readonly unknown[], source: string): Probe[] {
  const problems: string[] = [];
  const probes: Probe[] = [];
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const parsed = ProbeSchema.safeParse(item);
    const label =
      typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string'
        ? (item as { id: string }).id
        : `#${index}`;
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${source} ${label}: ${issue.path.join('.') || '(probe)'}: ${issue.message}`);
      }
      return;
    }
    const probe = parsed.data as Probe;
    if (seen.has(probe.id)) problems.push(`${source} ${probe.id}: duplicate id`);
    seen.add(probe.id);
    for (const p of checkProbe(probe)) problems.push(`${source} ${probe.id}: ${p}`);
    probes.push(probe);
  });
  if (problems.length > 0) throw new ProbeLibraryError('invalid probe library', problems);
  return probes;
}

function readProbeFile(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const ext = extname(path).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ProbeLibraryError('unreadable probe file', [`${path}: ${(err as Error).message}`]);
  }
  return probesOfFile(data, path);
}

function probesOfFile(data: unknown, path: string): unknown[] {
  const file = ProbeFileSchema.safeParse(data);
  if (!file.success) {
    throw new ProbeLibraryError('unreadable probe file', [
      `${path}: expected an array of probes or { probes: [...] }`,
    ]);
  }
  return Array.isArray(file.data) ? file.data : file.data.probes;
}

function probeFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(json|ya?ml)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

let builtinCache: Probe[] | null = null;

/** The whole built-in library, validated (cached). */
export function builtinProbes(): Probe[] {
  if (builtinCache === null) {
    const raw = BUILTIN_PROBE_FILES.flatMap(([name, data]) => probesOfFile(data, name));
    builtinCache = validateProbes(raw, 'library');
  }
  return builtinCache;
}

/**
 * The probes of a built-in suite (`quick` ⊂ `standard` ⊂ `full`), or of a user's probe file or directory
 * (every probe in it, whatever its `suites`). Order: the library's file order; the planner shuffles.
 */
export function loadProbes(suite: SuiteName | string): Probe[] {
  if ((SUITES as readonly string[]).includes(suite)) {
    return builtinProbes().filter((p) => p.suites.includes(suite as SuiteName));
  }
  let files: string[];
  try {
    files = statSync(suite).isDirectory() ? probeFilesIn(suite) : [suite];
  } catch {
    throw new ProbeLibraryError('unknown suite', [
      `'${suite}' is neither a suite (${SUITES.join(', ')}) nor a probe file or directory`,
    ]);
  }
  const raw = files.flatMap((f) => readProbeFile(f));
  return validateProbes(raw, suite);
}
