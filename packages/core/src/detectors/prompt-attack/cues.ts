/**
 * Attack cues: the second stage of the prompt-attack classifier. A classifier score in the uncertain band
 * (between `threshold` and `confirm_above`) is reported only when the text also shows an attack cue: rule
 * removal, an unrestricted persona, refusal suppression, talk of the provider's content policy, keeping a
 * character or dual answers, "answer any request regardless", or the length of a long persona prompt.
 * This separates "act as a travel guide" from DAN-style personas, which pair a persona with rule removal.
 *
 * Every pattern is linear-time: literal alternations joined by bounded gaps (`.{0,40}?`), no nested
 * quantifiers over overlapping classes. Patterns run on normalised text (classifierText).
 */

import { createLiteralFilter, type LiteralAnchor } from './literals.ts';

/** One attack cue: a stable name (reported in explanations) and its pattern. */
export interface AttackCue {
  readonly name: string;
  readonly pattern: RegExp;
  /**
   * Groups of ASCII literals every match of `pattern` contains one of each (as `Signature.literals`): the
   * pattern is not run on a text without them. Checked against the pattern in literals.test.ts.
   */
  readonly literals?: ReadonlyArray<readonly string[]>;
  /** Where matches start relative to literal groups (as `Signature.anchors`). */
  readonly anchors?: readonly LiteralAnchor[];
}

/**
 * Texts at least this long count as a cue: jailbreak personas are long rule sets, role-play requests
 * short. 500 (was 1,000) was chosen by cross-validation on the training split: +0.6 points of attack recall
 * on jailbreak-llms-wild with no added false positive on the training split's benign sets.
 */
export const LONG_PROMPT_CHARS = 500;

/** The built-in attack cues (case-insensitive). */
export const ATTACK_CUES: readonly AttackCue[] = Object.freeze([
  {
    name: 'rule_removal',
    literals: [
      [
        'rules',
        'restriction',
        'guidelines',
        'filter',
        'limit',
        'polic',
        'censor',
        'ethic',
        'moral',
        'boundaries',
        'constraints',
        'safeguards',
        'programming',
      ],
    ],
    anchors: [{ group: 0, within: 68 }],
    pattern:
      /\b(?:no|without|free (?:from|of)|beyond|outside|not (?:bound|restricted|limited) by|break(?:s|ing)?|bypass(?:es|ing)?|ignor(?:e|es|ing)|disregard(?:s|ing)?|violat(?:e|es|ing)|(?:doesn't|does not|don't|do not|won't|will not|never) (?:have to |need to )?(?:follow|abide by|adhere to|comply with|care about|obey))\b.{0,40}?\b(?:rules|restrictions?|guidelines|filters?|filtering|limits|limitations|polic(?:y|ies)|censorship|censored|ethics|ethical|morals?|boundaries|constraints|safeguards|programming)\b/i,
  },
  {
    name: 'unrestricted_persona',
    literals: [
      [
        'unrestricted',
        'unfiltered',
        'uncensored',
        'unlimited',
        'unbound',
        'unethical',
        'moral',
        'lawless',
        'rogue',
        'jailbr',
        'developer mode',
        'dan mode',
        'do anything now',
        'anti',
        'evil',
        'illegal',
        'nsfw',
        'explicit',
        'offensive',
        'harmful',
        'dangerous',
      ],
    ],
    anchors: [{ group: 0, within: 2 }],
    pattern:
      /\b(?:unrestricted|unfiltered|uncensored|unlimited|unbound|unethical|amoral|immoral|lawless|rogue|jailbr(?:oken|eak)|developer mode|dan mode|do anything now|anti-?gpt|evil|illegal|nsfw|explicit|offensive|harmful|dangerous)\b/i,
  },
  {
    name: 'refusal_suppression',
    literals: [
      ['never', 'not', "n't"],
      ['refuse', 'decline', 'say no', 'deny', 'reject', 'apologi', 'warn', 'remind', 'lecture'],
    ],
    anchors: [
      { group: 0, within: 5 },
      { group: 1, within: 28 },
    ],
    pattern:
      /\b(?:never|not|don't|do not|cannot|can't|won't|will not|must not|mustn't)\b.{0,20}?\b(?:refuse|decline|say no|deny|reject|apologi[sz]e|warn|remind|lecture)\b/i,
  },
  {
    name: 'content_policy',
    literals: [['openai', 'content polic', 'as an ai language model']],
    anchors: [{ group: 0, within: 0 }],
    pattern: /\b(?:openai|content polic(?:y|ies)|as an ai language model)\b/i,
  },
  {
    name: 'character_lock',
    literals: [['character', 'two ']],
    anchors: [{ group: 0, within: 13 }],
    pattern:
      /\b(?:stay|remain|keep)(?:ing)? in character\b|\bbreak(?:ing)? character\b|\btwo (?:different |separate )?(?:responses|answers|paragraphs)\b/i,
  },
  {
    // A named mode the model is told to enter or stay in (`Stay in APOPHIS Mode`, `enable DUDE mode`).
    name: 'named_mode',
    literals: [[' mode'], ['stay', 'remain', 'enter', 'activate', 'enable', 'switch to', 'turn on']],
    anchors: [
      { group: 1, within: 0 },
      { group: 0, within: 39 },
    ],
    pattern: /\b(?:stay|remain|enter|activate|enable|switch to|turn on)\b.{0,10}?\b[\w-]{2,20} mode\b/i,
  },
  {
    name: 'any_request',
    literals: [
      ['any', 'every', 'all'],
      ['request', 'question', 'prompt', 'quer', 'command', 'task', 'topic'],
      ['no matter', 'regardless', 'however', 'even if', 'whatever'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 20 },
      { group: 2, within: 69 },
    ],
    pattern:
      /\b(?:any|every|all)\b.{0,15}?\b(?:requests?|questions?|prompts?|quer(?:y|ies)|commands?|tasks?|topics?)\b.{0,40}?\b(?:no matter|regardless|however|even if|whatever)\b/i,
  },
]);

const cueFilter = createLiteralFilter(ATTACK_CUES);
/** The cue patterns with the `g` flag, so that a search can start at the anchor (`lastIndex`). */
const GLOBAL_CUES = ATTACK_CUES.map((cue) => new RegExp(cue.pattern.source, `${cue.pattern.flags}g`));

/** Names of the attack cues found in `text` (normalised), plus `long_prompt` for long texts; empty when none. */
export function attackCues(text: string): string[] {
  // One keyword pass rules out (exactly) the cues whose required literals are missing, and tells where the
  // others can start matching at the earliest.
  const starts = cueFilter.starts(text);
  const found: string[] = [];
  for (let i = 0; i < ATTACK_CUES.length; i++) {
    if (starts[i]! < 0) continue;
    const pattern = GLOBAL_CUES[i]!;
    pattern.lastIndex = starts[i]!;
    if (pattern.test(text)) found.push(ATTACK_CUES[i]!.name);
  }
  if (text.length >= LONG_PROMPT_CHARS) found.push('long_prompt');
  return found;
}
