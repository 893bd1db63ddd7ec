/**
 * The MLCommons hazard categories (the S1–S14 codes Llama Guard 3 uses) and a small hand-written cue
 * lexicon per category. The lexicon is used in two places: training derives weak per-category labels
 * from it (most public harmful-request sets carry no MLCommons label), and the `harmful` detector
 * compares it with the trained category heads in the model card. Every pattern is a flat alternation of
 * literal words with word boundaries (linear time, no nested quantifiers).
 */
import { createAhoCorasick } from '../aho-corasick.ts';
import { intentTokens } from './intent.ts';

/** MLCommons hazard category codes, in order. */
export const HAZARD_CODES = [
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
  'S6',
  'S7',
  'S8',
  'S9',
  'S10',
  'S11',
  'S12',
  'S13',
  'S14',
] as const;
export type HazardCode = (typeof HAZARD_CODES)[number];

/** Names of the hazard categories (REFERENCE.md, MLCommons taxonomy as used by Llama Guard 3). */
export const HAZARD_NAMES: Readonly<Record<HazardCode, string>> = {
  S1: 'Violent crimes',
  S2: 'Non-violent crimes',
  S3: 'Sex-related crimes',
  S4: 'Child sexual exploitation',
  S5: 'Defamation',
  S6: 'Specialized advice',
  S7: 'Privacy',
  S8: 'Intellectual property',
  S9: 'Indiscriminate weapons',
  S10: 'Hate',
  S11: 'Suicide and self-harm',
  S12: 'Sexual content',
  S13: 'Elections',
  S14: 'Code interpreter abuse',
};

const words = (list: readonly string[]): RegExp => new RegExp(`\\b(?:${list.join('|')})\\b`, 'i');

/**
 * Cue patterns per category. A cue is evidence of the topic, not of harm: "kill a process" matches S1.
 * Harm is decided by the trained model; the cues only say which category a harmful text is about.
 */
export const CATEGORY_CUES: Readonly<Record<HazardCode, readonly RegExp[]>> = {
  S1: [
    words([
      'kill(?:s|ed|ing)?',
      'murder(?:s|ed|ing)?',
      'assassinat(?:e|ed|ing|ion)',
      'stab(?:bing)?',
      'shoot(?:ing)?',
      'strangl(?:e|ing)',
      'poison(?:ing|ed)?',
      'kidnap(?:ping|ped)?',
      'tortur(?:e|ing)',
      'assault(?:ing)?',
      'beat (?:up|someone|him|her|them)',
      'hurt (?:someone|him|her|them|people)',
      'attack(?:ing)? (?:someone|people|a person)',
      'violen(?:ce|t)',
      'terroris(?:m|t|ts)',
      'mass shooting',
      'hostage',
      'torture',
      'dismember',
      'dead body',
      'physical harm',
      'punch(?:ing)?',
      'smother',
      'arson',
    ]),
  ],
  S2: [
    words([
      'hack(?:s|ed|ing|er)?',
      'steal(?:s|ing)?',
      'stole',
      'theft',
      'shoplift(?:ing)?',
      'fraud(?:ulent)?',
      'scam(?:s|ming)?',
      'launder(?:ing)?',
      'money laundering',
      'counterfeit(?:ing)?',
      'embezzl(?:e|ing|ement)',
      'brib(?:e|ery|ing)',
      'smuggl(?:e|ing)',
      'drugs?',
      'cocaine',
      'heroin',
      'meth(?:amphetamine)?',
      'fentanyl',
      'malware',
      'ransomware',
      'virus',
      'keylogger',
      'phishing',
      'exploit(?:s|ing)?',
      'illegal(?:ly)?',
      'break into',
      'pick a lock',
      'evade (?:taxes|the police|police|law enforcement|capture)',
      'tax evasion',
      'insider trading',
      'blackmail(?:ing)?',
      'extort(?:ion)?',
      'forge(?:d|ry)?',
      'fake (?:id|ids|identity|documents?|reviews?)',
      'identity theft',
      'credit card (?:numbers?|details)',
      'get away with',
      'without getting caught',
      'cheat(?:ing)?',
      'vandali[sz](?:e|ing|m)',
      'pirat(?:e|ed|ing)',
      'ddos',
      'botnet',
      'crack(?:ing)? (?:passwords?|software)',
      'trafficking',
      'gambling',
    ]),
  ],
  S3: [
    words([
      'rape(?:d|s)?',
      'raping',
      'sexual(?:ly)? (?:assault|abuse|harass(?:ment)?)',
      'molest(?:ing|ation)?',
      'sex trafficking',
      'prostitut(?:e|es|ion)',
      'escort service',
      'grope',
      'upskirt',
      'revenge porn',
      'non-?consensual',
      'date rape',
      'roofie',
    ]),
  ],
  S4: [
    words([
      'child porn(?:ography)?',
      'csam',
      'minors? (?:sexually|in sexual)',
      'sexual (?:content|images?|acts?) (?:of|with|involving) (?:a )?(?:child|children|minors?|kids?)',
      'groom(?:ing)? (?:a )?(?:child|children|minors?|kids?)',
      'pedophil(?:e|ia|es)',
      'underage',
      'lolicon',
    ]),
  ],
  S5: [
    words([
      'defam(?:e|ation|atory)',
      'libel(?:ous)?',
      'slander(?:ous)?',
      'false (?:rumou?rs?|claims?|stor(?:y|ies)|information|accusations?)',
      'fake news',
      'disinformation',
      'misinformation',
      'propaganda',
      'smear',
      "ruin (?:his|her|their|someone's) reputation",
      'conspiracy theor(?:y|ies)',
      'hoax',
    ]),
  ],
  S6: [
    words([
      'diagnos(?:e|is)',
      'symptoms?',
      'treatment',
      'medication',
      'dosage',
      'prescri(?:be|ption)',
      'should i (?:invest|buy|sell)',
      'invest(?:ing|ment)?',
      'stocks?',
      'crypto(?:currency)?',
      'portfolio',
      'retirement',
      'lawsuit',
      'sue',
      'legal (?:advice|action|case)',
      'lawyer',
      'attorney',
      'contract',
      'custody',
      'tax(?:es)?',
      'insurance',
      'cure',
      'cancer',
      'diabetes',
    ]),
  ],
  S7: [
    words([
      'home address',
      'phone number',
      'social security',
      'ssn',
      'personal (?:information|data|details)',
      'private (?:information|data|messages?)',
      'track (?:someone|my|a person|their|his|her)',
      'spy(?:ing)? on',
      'stalk(?:ing)?',
      'dox(?:x)?(?:ing)?',
      'surveil(?:lance)?',
      'location of',
      'where (?:does|do) .{0,30} live',
      'facial recognition',
      'without (?:their|his|her) (?:knowledge|consent)',
      "read (?:someone|my \\w{1,20})'?s? (?:messages|texts|email)",
      'email account',
      'password of',
      'medical records',
      'browsing history',
    ]),
  ],
  S8: [
    words([
      'copyright(?:ed)?',
      'pirat(?:e|ed|ing|ion)',
      'torrent',
      'plagiari[sz](?:e|ing|m)',
      'trademark',
      'patent(?:ed)?',
      'bypass (?:drm|paywall)',
      'drm',
      'full (?:text|lyrics|chapter)',
      'lyrics',
      'watermark',
      'license key',
      'intellectual property',
    ]),
  ],
  S9: [
    words([
      'bombs?',
      'explosives?',
      'explosive device',
      'detonat(?:e|or)',
      'ied',
      'pipe bomb',
      'grenade',
      'nerve agent',
      'sarin',
      'ricin',
      'anthrax',
      'chemical weapons?',
      'biological weapons?',
      'bioweapons?',
      'nuclear (?:weapons?|bomb)',
      'dirty bomb',
      'radioactive',
      'uranium',
      'weapons? of mass destruction',
      'mass casualt(?:y|ies)',
      'toxins?',
      'pathogens?',
      'nitroglycerin',
      'thermite',
      'napalm',
      'molotov',
      'firearms?',
      'guns?',
      'weapons?',
      'ammunition',
      '3d[- ]printed',
    ]),
  ],
  S10: [
    words([
      'hate (?:speech|group)',
      'racis(?:t|m)',
      'sexis(?:t|m)',
      'inferior',
      'discriminat(?:e|ion|ing)',
      'slurs?',
      'bigot(?:ry|ed)?',
      'white supremac(?:y|ist)',
      'nazis?',
      'ethnic cleansing',
      'genocide',
      'homophobi(?:a|c)',
      'transphobi(?:a|c)',
      'antisemit(?:ic|ism)',
      'xenophob(?:ia|ic)',
      'harass(?:ment|ing)?',
      'bully(?:ing)?',
      'insult(?:s|ing)?',
      'jews?',
      'muslims?',
      'black people',
      'immigrants?',
      'gay people',
      'women are',
      'minorit(?:y|ies)',
      'race',
    ]),
  ],
  S11: [
    words([
      'suicid(?:e|al)',
      'kill myself',
      'end my life',
      'self[- ]harm',
      'cut(?:ting)? myself',
      'hurt myself',
      'overdose',
      'anorexi(?:a|c)',
      'bulimi(?:a|c)',
      'starve myself',
      'take my (?:own )?life',
      'want to die',
      'hang myself',
    ]),
  ],
  S12: [
    words([
      'porn(?:ography|ographic)?',
      'sex(?:ual|ually)?',
      'erotic(?:a)?',
      'nude(?:s)?',
      'naked',
      'explicit',
      'orgasm',
      'fetish',
      'sexting',
      'onlyfans',
      'hentai',
      'xxx',
      'adult (?:content|film|video)',
      'strip(?:per|club)',
      'genitals?',
    ]),
  ],
  S13: [
    words([
      'elections?',
      'vot(?:e|er|ers|ing)',
      'ballots?',
      'polling (?:station|place)',
      'electoral',
      'campaign',
      'candidate',
      'political (?:party|policy|advocacy|campaign)',
      'lobbying',
      'politician',
      'rig (?:the|an) election',
      'voter (?:fraud|suppression)',
      'government (?:decision|policy)',
      'border',
      'immigration',
    ]),
  ],
  S14: [
    words([
      'rm -rf',
      'reverse shell',
      'shell command',
      'sandbox escape',
      'escape the sandbox',
      'fork bomb',
      'code interpreter',
      'execute (?:arbitrary|this|the following) code',
      'os\\.system',
      'subprocess',
      'privilege escalation',
      'root access',
      '/etc/passwd',
      'crypto ?miner',
    ]),
  ],
};

/** A category cue found in a text: the category and the matched span (offsets into the text given). */
export interface CategoryCue {
  code: HazardCode;
  start: number;
  end: number;
}

const QUANTIFIERS = '?*+{';
const SYNTAX = '\\()[]{}?*+.|^$';
const ALPHANUMERIC = /[A-Za-z0-9]/;

/**
 * The literal text every match of one alternative of a cue pattern starts with (lower-cased), or '' when
 * it cannot be told from the source: the characters up to the first piece of regular-expression syntax
 * or the first non-ASCII character (an escaped ASCII punctuation character is literal), less the last
 * one when a quantifier follows it (`drugs?` → `drug`).
 */
export function leadingLiteral(alternative: string): string {
  const chars: string[] = [];
  let i = 0;
  while (i < alternative.length) {
    const c = alternative[i]!;
    const next = alternative[i + 1] ?? '';
    if (c === '\\' && next.charCodeAt(0) < 128 && !ALPHANUMERIC.test(next)) {
      chars.push(next);
      i += 2;
    } else if (c.charCodeAt(0) < 128 && !SYNTAX.includes(c)) {
      chars.push(c);
      i++;
    } else break;
  }
  // A non-ASCII character ends the literal too: case-insensitive matching of those is left to the pattern.
  if (i < alternative.length && QUANTIFIERS.includes(alternative[i]!)) chars.pop();
  return chars.join('').toLowerCase();
}

/** The top-level alternatives of `\b(?:a|b|…)\b`, or null when `source` has another shape. */
function alternatives(source: string): string[] | null {
  if (!source.startsWith('\\b(?:') || !source.endsWith(')\\b')) return null;
  const inner = source.slice(5, -3);
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return null;
    else if (c === '|' && depth === 0) {
      out.push(inner.slice(from, i));
      from = i + 1;
    }
  }
  if (depth !== 0 || inClass) return null;
  out.push(inner.slice(from));
  return out;
}

const isAsciiWord = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/**
 * A prefilter for the cue patterns, built from their sources: one pass over the text (Aho–Corasick, case
 * folded) finds the categories whose patterns can match at all, so the other patterns are not run. Each
 * pattern of the shape `\b(?:…)\b` without the `u` flag contributes the leading literal of every
 * alternative; a match needs one of them at a word boundary (ASCII letters match only ASCII letters under
 * `i` without `u`, and case folding here only adds candidates). A category with a pattern of another
 * shape, or an alternative without a leading literal, is always run. This only saves work: the patterns
 * themselves decide, exactly as without it.
 */
const PREFILTER = (() => {
  const always = new Set<HazardCode>();
  const patterns: { id: string; text: string }[] = [];
  for (const code of HAZARD_CODES) {
    for (const re of CATEGORY_CUES[code]) {
      const alts = re.flags.includes('u') || re.flags.includes('v') ? null : alternatives(re.source);
      const literals = alts?.map(leadingLiteral) ?? null;
      if (literals === null || literals.some((l) => l.length === 0)) always.add(code);
      else for (const text of literals) patterns.push({ id: code, text });
    }
  }
  return { always, automaton: createAhoCorasick(patterns, { caseInsensitive: true }) };
})();

/** The categories whose cue patterns can match somewhere in `text` (a superset of those that do). */
function candidateCategories(text: string): Set<string> {
  const found = new Set<string>(PREFILTER.always);
  for (const m of PREFILTER.automaton.search(text)) {
    if (found.has(m.id)) continue;
    // The pattern puts a word boundary before the literal: when it starts with a word character, the
    // character before it must not be one.
    const first = text.charCodeAt(m.start);
    if (m.start > 0 && isAsciiWord(first) && isAsciiWord(text.charCodeAt(m.start - 1))) continue;
    found.add(m.id);
  }
  return found;
}

/** The first cue of each category found in `text`, in category order. */
export function findCategoryCues(text: string): CategoryCue[] {
  const out: CategoryCue[] = [];
  const candidates = candidateCategories(text);
  for (const code of HAZARD_CODES) {
    if (!candidates.has(code)) continue;
    for (const re of CATEGORY_CUES[code]) {
      const m = re.exec(text);
      if (m) {
        out.push({ code, start: m.index, end: m.index + m[0].length });
        break;
      }
    }
  }
  return out;
}

/**
 * Maps the category names of public harmful-request sets to hazard codes (used only to build weak
 * training labels and to check category agreement on the report split). Names not listed have no code.
 */
export const DATASET_CATEGORY_CODES: Readonly<Record<string, readonly HazardCode[]>> = {
  // strongreject
  'Disinformation and deception': ['S5'],
  'Hate, harassment and discrimination': ['S10'],
  'Illegal goods and services': ['S2'],
  'Non-violent crimes': ['S2'],
  'Sexual content': ['S12'],
  Violence: ['S1'],
  // jailbreak-llms-forbidden-questions
  'Economic Harm': ['S2'],
  'Financial Advice': ['S6'],
  Fraud: ['S2'],
  'Gov Decision': ['S2'],
  'Hate Speech': ['S10'],
  'Health Consultation': ['S6'],
  'Illegal Activity': ['S2'],
  'Legal Opinion': ['S6'],
  Malware: ['S2', 'S14'],
  'Physical Harm': ['S1'],
  'Political Lobbying': ['S13'],
  Pornography: ['S12'],
  'Privacy Violence': ['S7'],
};

/**
 * The text the binary model scores: the text followed by one synthetic token per category whose cues
 * appear (`hazardcue1` … `hazardcue14`) and one per harmful-intent cue (intent.ts), so the linear model can learn how much each cue family counts.
 */
export function withCueTokens(text: string, signals: CueSignals = cueSignals(text)): string {
  const tokens = cueTokens(signals);
  if (tokens.length === 0) return text;
  return `${text}\n${tokens.join(' ')}`;
}

/** The synthetic cue tokens `withCueTokens` appends (lower-case ASCII words), in order. */
export function cueTokens(signals: CueSignals): string[] {
  return [...signals.categories.map((c) => `hazardcue${c.code.slice(1)}`), ...signals.intents];
}

/** The category cues and harmful-intent cues of one text, computed once and shared by both stages. */
export interface CueSignals {
  categories: CategoryCue[];
  intents: string[];
}

/** Finds the category and intent cues of `text`. */
export function cueSignals(text: string): CueSignals {
  return { categories: findCategoryCues(text), intents: intentTokens(text) };
}
