/**
 * The toxicity lexicon, written for Parapet (no dataset text): profanity, slurs, insults, threat verbs and
 * the small word lists the phrase rules use. Content warning: this file lists slurs and profanity so that
 * they can be detected.
 *
 * Every entry is lower-case (apostrophes as `'`) and matched against whole tokens after leetspeak folding (`sh1t` → `shit`,
 * `a$$` → `ass`). The score of a term says how sure the term alone is: ambiguous words (`dick`, `cock`,
 * `hoe`) score lower than unambiguous ones, mild words (`damn`, `hell`) lower still, so with the default
 * threshold they are not reported alone.
 */

/** Kind of lexicon entry. */
export type LexiconKind = 'PROFANITY' | 'HATE' | 'INSULT';

/** One lexicon term with its kind and score. */
export interface LexiconTerm {
  readonly kind: LexiconKind;
  readonly score: number;
}

const STRONG = 0.9;
const AMBIGUOUS = 0.45;
const MILD = 0.3;

const PROFANITY_STRONG = [
  'fuck',
  'fucks',
  'fucked',
  'fucker',
  'fuckers',
  'fucking',
  'fuckin',
  'fuckn',
  'fuckface',
  'fuckhead',
  'fuckboy',
  'fck',
  'fcking',
  'fk',
  'fkn',
  'fuk',
  'fuking',
  'f*ck',
  'f**k',
  'f***',
  'f*cking',
  'motherfucker',
  'motherfuckers',
  'motherfucking',
  'shit',
  'shits',
  'shitty',
  'shitting',
  'bullshit',
  'horseshit',
  'sh*t',
  'bitch',
  'bitches',
  'bitchy',
  'bitchass',
  'b*tch',
  'cunt',
  'cunts',
  'asshole',
  'assholes',
  'a**hole',
  'arsehole',
  'dumbass',
  'jackass',
  'dipshit',
  'cocksucker',
  'dickhead',
  'whore',
  'whores',
  'slut',
  'sluts',
  'slutty',
  'twat',
  'wanker',
  'wankers',
  'pussies',
  'pussy',
  'thot',
  'thots',
  'skank',
];

const PROFANITY_AMBIGUOUS = [
  'hoe',
  'hoes',
  'mf',
  'mfs',
  'ass',
  'asses',
  'dick',
  'dicks',
  'cock',
  'cocks',
  'bastard',
  'bastards',
  'prick',
  'piss',
  'pissed',
  'tits',
  'titties',
];

const PROFANITY_MILD = [
  'badass',
  'damn',
  'dammit',
  'goddamn',
  'hell',
  'crap',
  'crappy',
  'bloody',
  'sucks',
  'screw',
];

/** Slurs against protected groups (race, ethnicity, religion, sexuality, gender identity, disability). */
const SLURS = [
  'nigger',
  'niggers',
  'nigga',
  'niggas',
  'niggah',
  'nigguh',
  'jigaboo',
  'porchmonkey',
  'spic',
  'spics',
  'wetback',
  'wetbacks',
  'beaner',
  'beaners',
  'gook',
  'gooks',
  'kike',
  'kikes',
  'raghead',
  'ragheads',
  'towelhead',
  'towelheads',
  'sandnigger',
  'faggot',
  'faggots',
  'tranny',
  'trannies',
  'shemale',
  'retard',
  'retards',
  'retarded',
  'mongoloid',
  'redskin',
  'redskins',
  'paki',
  'pakis',
];

/** Slurs that are also ordinary words (`a chink in the armour`, `fag` for a cigarette in British English). */
const SLURS_AMBIGUOUS = ['chink', 'chinks', 'coon', 'coons', 'fag', 'fags', 'dyke', 'dykes'];

/** Insults: words that, aimed at `you`, make harassment (alone they are at most mild profanity). */
export const INSULTS: ReadonlySet<string> = new Set([
  'idiot',
  'idiots',
  'moron',
  'morons',
  'imbecile',
  'stupid',
  'dumb',
  'loser',
  'losers',
  'pathetic',
  'worthless',
  'useless',
  'ugly',
  'fat',
  'disgusting',
  'scum',
  'trash',
  'garbage',
  'freak',
  'clown',
  'jerk',
  'creep',
  'pig',
  'failure',
  'coward',
  'dumbass',
  'bitch',
  'cunt',
  'asshole',
  'whore',
  'slut',
  'bastard',
  'retard',
  'faggot',
  'fag',
  'dickhead',
  'twat',
  'wanker',
  'prick',
  'hoe',
]);

/** Words that may stand between `you` and an insult: `you are such a stupid …`. */
export const INSULT_FILLERS: ReadonlySet<string> = new Set([
  'are',
  're',
  'r',
  'is',
  'a',
  'an',
  'such',
  'so',
  'the',
  'total',
  'complete',
  'fucking',
  'fuckin',
  'little',
  'big',
  'dumb',
  'stupid',
  'fat',
  'ugly',
  'worthless',
  'pathetic',
  'absolute',
  'really',
  'just',
  'damn',
]);

/** Second-person words that make an insult personal. */
export const YOU: ReadonlySet<string> = new Set(['you', 'u', 'ya', 'youre', 'ur', 'yall', "y'all", "you're"]);

/** Violence verbs for the threat rule. */
export const THREAT_VERBS: ReadonlySet<string> = new Set([
  'kill',
  'murder',
  'stab',
  'strangle',
  'choke',
  'lynch',
  'rape',
  'hurt',
  'slit',
  'behead',
  'torture',
  'punch',
]);

/** Targets of a threat: persons, not objects (`kill the process` is not a threat). */
export const THREAT_TARGETS: ReadonlySet<string> = new Set([
  'you',
  'u',
  'ya',
  'him',
  'her',
  'them',
  'yourself',
  'urself',
  'everyone',
  'everybody',
  "y'all",
  'yall',
]);

/** Intent markers before a violence verb: `will`, `gonna`, `going (to)`, `want (to)`, `i'll`, `imma`. */
export const THREAT_INTENT: ReadonlySet<string> = new Set([
  'will',
  "i'll",
  'ill',
  "we'll",
  'gonna',
  'gon',
  'gunna',
  'finna',
  'shall',
  'wanna',
  'going',
  'want',
  'imma',
  'ima',
  'about',
]);

/** First-person words: a threat is made by the speaker (`i will hurt you`, not `this will hurt you`). */
export const FIRST_PERSON: ReadonlySet<string> = new Set([
  'i',
  "i'll",
  'ill',
  'im',
  "i'm",
  'imma',
  'ima',
  'we',
  "we'll",
  "we're",
]);

/** Words allowed between the intent and the verb: `i will fucking kill you`. */
export const THREAT_FILLERS: ReadonlySet<string> = new Set([
  'to',
  'am',
  'are',
  'fucking',
  'fuckin',
  'literally',
  'really',
  'just',
  'actually',
  'seriously',
  'personally',
  'go',
  'come',
  'and',
]);

/** Fixed threat phrases (token sequences) and wishes of harm. */
export const THREAT_PHRASES: readonly (readonly string[])[] = [
  ['kill', 'yourself'],
  ['kill', 'urself'],
  ['kys'],
  ['hope', 'you', 'die'],
  ['hope', 'u', 'die'],
  ['you', 'should', 'die'],
  ['you', 'deserve', 'to', 'die'],
  ['go', 'die'],
  ['i', 'know', 'where', 'you', 'live'],
  ['watch', 'your', 'back'],
  ['you', 'are', 'dead'],
  ["you're", 'dead'],
  ['youre', 'dead'],
  ['you', 'will', 'die'],
  ['you', 'will', 'pay'],
  ['bullet', 'in', 'your', 'head'],
  ['shoot', 'you', 'dead'],
  ['put', 'a', 'bullet', 'in', 'you'],
  ['should', 'be', 'shot'],
  ['should', 'be', 'killed'],
  ['should', 'be', 'hanged'],
  ['should', 'be', 'lynched'],
  ['should', 'all', 'die'],
  ['deserve', 'to', 'be', 'raped'],
];

/** Fixed harassment phrases (token sequences). */
export const HARASSMENT_PHRASES: readonly (readonly string[])[] = [
  ['shut', 'the', 'fuck', 'up'],
  ['stfu'],
  ['gtfo'],
  ['go', 'to', 'hell'],
  ['nobody', 'likes', 'you'],
  ['no', 'one', 'likes', 'you'],
  ['nobody', 'loves', 'you'],
  ['piece', 'of', 'shit'],
  ['piece', 'of', 'trash'],
  ['son', 'of', 'a', 'bitch'],
  ['fuck', 'you'],
  ['fuck', 'u'],
  ['fuck', 'off'],
  ['screw', 'you'],
  ['eat', 'shit'],
  ['suck', 'my', 'dick'],
  ['get', 'lost', 'loser'],
];

function table(): Map<string, LexiconTerm> {
  const out = new Map<string, LexiconTerm>();
  const put = (words: readonly string[], kind: LexiconKind, score: number): void => {
    for (const w of words) if (!out.has(w)) out.set(w, { kind, score });
  };
  put(SLURS, 'HATE', STRONG);
  put(PROFANITY_STRONG, 'PROFANITY', STRONG);
  put(SLURS_AMBIGUOUS, 'HATE', AMBIGUOUS);
  put(PROFANITY_AMBIGUOUS, 'PROFANITY', AMBIGUOUS);
  put(PROFANITY_MILD, 'PROFANITY', MILD);
  return out;
}

/** Single-token lexicon: folded token → kind and score. */
export const LEXICON: ReadonlyMap<string, LexiconTerm> = table();

/** Score of a harassment finding (an insult aimed at `you`, or a harassment phrase). */
export const HARASSMENT_SCORE = 0.85;
/** Score of a threat finding (intent + violence verb + person, or a threat phrase). */
export const THREAT_SCORE = 0.9;

/**
 * Words naming an identity group (ethnicity, nationality, religion, gender, sexuality, disability, age,
 * migration status). The implicit-hate model score counts only for a text that names a group: hate is
 * about a group, and without one the model's cues (`they`, `all`, `should`) are ordinary words.
 */
export const GROUP_WORDS: ReadonlySet<string> = new Set([
  ...'black blacks african africans americans negro negroes white whites caucasian asian asians chinese japanese korean koreans vietnamese indian indians filipino filipinos latino latinos latina latinas latinx hispanic hispanics mexican mexicans puerto arab arabs middle eastern easterners persian iranian iranians syrian syrians afghan pakistani native natives indigenous aboriginal tribe tribes tribal gypsy gypsies roma romani immigrant immigrants immigration migrant migrants refugee refugees foreigner foreigners foreign alien aliens illegals illegal undocumented border jew jews jewish judaism zionist zionists israeli israelis muslim muslims islam islamic moslem mosque christian christians catholic catholics hindu hindus sikh sikhs buddhist buddhists atheist atheists religion religious women woman girl girls female females lady ladies wife wives mother mothers feminist feminists men man male males gay gays lesbian lesbians bisexual bisexuals bi homosexual homosexuals homosexuality queer queers lgbt lgbtq lgbtq+ trans transgender transgenders transsexual nonbinary non-binary straight disabled disability disabilities handicapped wheelchair blind deaf autistic autism mental mentally ill illness retarded down syndrome elderly old people folks race races racial ethnic ethnicity minority minorities culture cultures china mexico africa israel india japan korea arabia iran iraq syria pakistan somalia haiti cripple cripples midget midgets dwarf dwarves bis thug thugs ghetto hood daughters sons wives husbands boys she her he him'.split(
    ' ',
  ),
]);
