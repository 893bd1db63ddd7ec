/**
 * Plans a red-team run (issue 8): probes × goals × converter chains → attempts, in an order that only
 * depends on the seed, each with its own canary token derived from the seed and the attempt id (so a
 * resumed run plants the same canaries, and a leaked canary names the attempt it came from).
 *
 * Expansion: `{{canary}}` → the attempt's canary, `{{goal}}` → the goal (jailbreak probes are expanded
 * once per goal; without goals they are left out). `{{secret}}` and `{{pii}}` are left for the runner,
 * which plants those values in the system prompt.
 *
 * Conversion: a chain applies to the attacker-controlled text. For probes with simulated tool results
 * (indirect injection through tools) that is the tool results, since the attacker controls the tool's
 * content and not the user's request; otherwise it is the last user message of `messages` (the attack:
 * earlier messages of a few-shot probe are its forged history). Follow-up `turns` of multi-turn probes are
 * converted as well. The canary is preserved by the character-level converters.
 */
import { createHash } from 'node:crypto';
import { applyConverters, isConverterName } from './converters.ts';
import type { Attempt, ConverterName, Probe, ProbeMessage, SuccessCriterion } from './types.ts';

export interface PlanOptions {
  /** Harmful goals from the user's goals file (goals.ts); jailbreak probes are skipped without them. */
  goals?: readonly string[];
  /** Converter chains; `[]` is the unconverted probe. Default `[[]]`. */
  converters?: readonly (readonly ConverterName[])[];
  /** Seed of the order, the canaries and the converters' randomness; default 0. */
  seed?: number | string;
  /** Keep only the first `limit` attempts of the seeded order. */
  limit?: number;
}

/** Characters that survive case folding and do not read as words: no vowels, no 0/1/O/I/L. */
const CANARY_ALPHABET = 'BCDFGHJKMNPQRSTVWXYZ23456789';

function digest(...parts: readonly string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** The canary token of an attempt: 12 characters in three groups, e.g. `K7QX-2TMB-9HZR`. */
export function canaryFor(seed: number | string, attemptId: string): string {
  const bytes = digest('canary', String(seed), attemptId);
  let out = '';
  for (let i = 0; i < 12; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += CANARY_ALPHABET[(bytes[i] ?? 0) % CANARY_ALPHABET.length];
  }
  return out;
}

/** A deterministic PRNG in [0, 1) (mulberry32) seeded from strings. */
export function seededRandom(...parts: readonly string[]): () => number {
  let state = digest('random', ...parts).readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces `{{canary}}` and `{{goal}}` (other placeholders stay). */
export function expandPlaceholders(text: string, canary: string, goal: string | null): string {
  let out = text.split('{{canary}}').join(canary);
  if (goal !== null) out = out.split('{{goal}}').join(goal);
  return out;
}

function usesGoal(probe: Probe): boolean {
  const texts = [...probe.messages.map((m) => m.content), ...(probe.turns ?? [])];
  return texts.some((t) => t.includes('{{goal}}'));
}

function expandCriterion(c: SuccessCriterion, canary: string, goal: string | null): SuccessCriterion {
  switch (c.kind) {
    case 'canary':
      return { ...c, token: expandPlaceholders(c.token, canary, goal) };
    case 'harmful_compliance':
      return { ...c, goal: expandPlaceholders(c.goal, canary, goal) };
    default:
      return c;
  }
}

function chainKey(chain: readonly ConverterName[]): string {
  return chain.map((c) => `+${c}`).join('');
}

/** Builds one attempt of a probe for a goal (or none) and a converter chain. */
export function buildAttempt(
  probe: Probe,
  goal: { text: string; index: number } | null,
  chain: readonly ConverterName[],
  seed: number | string,
): Attempt {
  const id = `${probe.id}${goal !== null ? `#${goal.index}` : ''}${chainKey(chain)}`;
  const canary = canaryFor(seed, id);
  const goalText = goal?.text ?? null;
  const random = seededRandom('convert', String(seed), id);
  const convert = (text: string): string =>
    chain.length === 0 ? text : applyConverters(text, chain, random, { preserve: [canary] });

  const hasTool = probe.messages.some((m) => m.role === 'tool');
  let lastUser = -1;
  probe.messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });

  const messages: ProbeMessage[] = probe.messages.map((m, i) => {
    const content = expandPlaceholders(m.content, canary, goalText);
    const converted = hasTool ? m.role === 'tool' : i === lastUser;
    const out: ProbeMessage = { role: m.role, content: converted ? convert(content) : content };
    if (m.toolCallId !== undefined) out.toolCallId = m.toolCallId;
    if (m.toolCalls !== undefined) {
      out.toolCalls = m.toolCalls.map((c) => ({
        id: c.id,
        name: c.name,
        // Arguments are JSON: the expanded values are JSON-escaped.
        arguments: c.arguments
          .split('{{canary}}')
          .join(JSON.stringify(canary).slice(1, -1))
          .split('{{goal}}')
          .join(goalText === null ? '{{goal}}' : JSON.stringify(goalText).slice(1, -1)),
      }));
    }
    return out;
  });
  const turns = (probe.turns ?? []).map((t) => convert(expandPlaceholders(t, canary, goalText)));

  return {
    id,
    probeId: probe.id,
    category: probe.category,
    strategy: probe.strategy,
    converters: [...chain],
    goal: goalText,
    canary,
    messages,
    turns,
    tools: probe.tools ?? [],
    success: probe.success.map((c) => expandCriterion(c, canary, goalText)),
  };
}

/**
 * The attempts of a run: every probe × (goal, for jailbreak probes) × converter chain (probes marked
 * `noConverters` run unconverted only), shuffled by the seed, cut to `limit`. Throws on an unknown
 * converter name.
 */
export function planAttempts(probes: readonly Probe[], options: PlanOptions = {}): Attempt[] {
  const seed = options.seed ?? 0;
  const goals = options.goals ?? [];
  const chains = options.converters ?? [[]];
  const seenChains = new Set<string>();
  const uniqueChains: (readonly ConverterName[])[] = [];
  for (const chain of chains) {
    for (const name of chain) {
      if (!isConverterName(name)) throw new Error(`unknown converter '${String(name)}'`);
    }
    const key = chainKey(chain);
    if (seenChains.has(key)) continue;
    seenChains.add(key);
    uniqueChains.push(chain);
  }

  const attempts: Attempt[] = [];
  for (const probe of probes) {
    const goalVariants = usesGoal(probe) ? goals.map((text, index) => ({ text, index })) : [null];
    const probeChains = probe.noConverters ? [[]] : uniqueChains;
    for (const goal of goalVariants) {
      for (const chain of probeChains) attempts.push(buildAttempt(probe, goal, chain, seed));
    }
  }

  const ids = new Set<string>();
  for (const a of attempts) {
    if (ids.has(a.id)) throw new Error(`duplicate attempt id ${a.id} (duplicate probe id?)`);
    ids.add(a.id);
  }

  // Seeded Fisher-Yates over the attempts sorted by id, so the order does not depend on input order.
  attempts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const random = seededRandom('order', String(seed));
  for (let i = attempts.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = attempts[i]!;
    attempts[i] = attempts[j]!;
    attempts[j] = tmp;
  }
  return options.limit !== undefined ? attempts.slice(0, Math.max(0, options.limit)) : attempts;
}
