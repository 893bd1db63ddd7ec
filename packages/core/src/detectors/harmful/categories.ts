/**
 * The MLCommons hazard categories (the S1–S14 codes Llama Guard 3 uses) and a small hand-written cue
 * lexicon per category. The lexicon is used in two places: training derives weak per-category labels
 * from it (most public harmful-request sets carry no MLCommons label), and the `harmful` detector
 * compares it with the trained category heads in the model card. Every pattern is a flat alternation of
 * literal words with word boundaries (linear time, no nested quantifiers).
 */
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

/** The first cue of each category found in `text`, in category order. */
export function findCategoryCues(text: string): CategoryCue[] {
  const out: CategoryCue[] = [];
  for (const code of HAZARD_CODES) {
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
