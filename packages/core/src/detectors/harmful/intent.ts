/**
 * Hand-written harmful-intent cues: an action word followed closely by a target that makes it harmful
 * ("kill my wife", "synthesise LSD", "build a bomb") rather than a harmless look-alike ("kill a Python
 * process"), and the reverse cue: a violent verb whose object is a harmless thing. Each cue family becomes one synthetic token that the binary model weighs (see
 * `withCueTokens`). One pass over the words; no regular expression backtracking.
 */

import { escapeRegex } from '../regex-escape.ts';

const set = (words: string): ReadonlySet<string> => new Set(words.split(' '));

const VIOLENT = set(
  'kill killing murder murdering execute strangle choke stab shoot snipe behead torture beat punch hurt harm ' +
    'injure attack assault poison drown suffocate smother kidnap abduct maim mutilate gut slit slash dismember ' +
    'crush smash crack eliminate eradicate exterminate annihilate massacre hunt headshot bomb burn assassinate',
);
const PERSON = set(
  'someone somebody person people human humans man woman men women child children kid kids baby boy girl ' +
    'wife husband spouse girlfriend boyfriend ex partner neighbor neighbour boss teacher coworker colleague ' +
    'friend friends family mother father mom dad brother sister politician president cop police officer ' +
    'him her them classmates students school crowd jews muslims christians gays immigrants roma ' +
    'refugees blacks whites asians humanity victim victims hostage',
);
const ACQUIRE = set('buy get make synthesise synthesize cook grow sell produce manufacture obtain smuggle');
const DRUG = set(
  'meth methamphetamine cocaine crack heroin fentanyl lsd ecstasy mdma ketamine opioids drugs ghb pcp ' +
    'crystal weed marijuana amphetamine amphetamines',
);
const MAKE = set(
  'make build assemble create construct print manufacture produce craft synthesise synthesize',
);
const WEAPON = set(
  'bomb bombs explosive explosives grenade weapon weapons gun guns firearm silencer ied napalm thermite ' +
    'molotov poison nerve sarin ricin anthrax bioweapon toxin',
);
const CRIME = set(
  'hack steal rob launder counterfeit forge embezzle bribe blackmail extort scam defraud shoplift ' +
    'phish dox stalk spy smuggle traffic vandalize vandalise cheat evade',
);
const EVASION: readonly string[] = [
  'without getting caught',
  'without being caught',
  'without being detected',
  'without anyone knowing',
  'without them knowing',
  'get away with',
  'avoid detection',
  'avoid getting caught',
  'untraceable',
  'cover up',
  'leave no trace',
];
const SELF = set('myself own');
/** Harmless objects of violent verbs: "kill a process", "shoot a photo", "execute a plan". */
const SAFE_OBJECT = set(
  'process processes program programs thread threads task tasks job jobs server servers script scripts app ' +
    'application command commands container containers pod session sessions connection query loop terminal ' +
    'window tab tabs engine lights light lamp photo photos picture pictures video scene film movie plan plans ' +
    'test exam exams presentation interview audition speech meeting deadline performance game level weeds ' +
    'weed bacteria germs mold mould pests bugs mosquitoes cockroaches ants time mood vibe buzz noise sound ' +
    'music fire flames candle conversation idea ideas code file files line tree stump balloon tyres tires ' +
    'character characters npc enemy enemies zombie zombies monster monsters dragon',
);
const SELF_HARM = set('cut slit sever pierce slash hang kill starve overdose harm hurt');

/** Names of the intent cue tokens, in a stable order. */
export const INTENT_TOKENS = [
  'hazardviolentperson',
  'hazarddrug',
  'hazardweapon',
  'hazardcrime',
  'hazardevasion',
  'hazardselfharm',
  'hazardsafeobject',
] as const;

const WORD = /[a-z']{1,30}/g;
const WINDOW = 5;
const TRIGGERS: ReadonlySet<string> = new Set([
  ...VIOLENT,
  ...ACQUIRE,
  ...MAKE,
  ...CRIME,
  ...SELF_HARM,
  'break',
  'suicide',
]);

/** True when one of the `WINDOW` words after position `i` is in `targets`. */
function near(words: readonly string[], i: number, targets: ReadonlySet<string>): boolean {
  for (let j = i + 1; j <= i + WINDOW && j < words.length; j++) if (targets.has(words[j]!)) return true;
  return false;
}

/** Any evasion phrase, as one expression (the same as testing each phrase with `includes`). */
const EVASION_ANY = new RegExp(EVASION.map(escapeRegex).join('|'));

/** The intent cue tokens found in `text` (lower-case ASCII words), in {@link INTENT_TOKENS} order. */
export function intentTokens(text: string): string[] {
  const lower = text.toLowerCase();
  const words = lower.match(WORD) ?? [];
  // One bit per token, in INTENT_TOKENS order.
  let found = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!TRIGGERS.has(w)) continue;
    const violent = VIOLENT.has(w);
    if (violent && near(words, i, PERSON)) found |= 1;
    if (violent && near(words, i, SAFE_OBJECT)) found |= 64;
    if (ACQUIRE.has(w) && near(words, i, DRUG)) found |= 2;
    if (MAKE.has(w) && near(words, i, WEAPON)) found |= 4;
    if (CRIME.has(w) || (w === 'break' && words[i + 1] === 'into')) found |= 8;
    if (SELF_HARM.has(w) && near(words, i, SELF)) found |= 32;
    if (w === 'suicide') found |= 32;
  }
  if (EVASION_ANY.test(lower)) found |= 16;
  return INTENT_TOKENS.filter((_, i) => (found & (1 << i)) !== 0);
}
