/**
 * Signatures of known prompt-attack families, matched on normalised (and, when encoded, decoded) text.
 * Every pattern is linear-time: bounded gaps (`.{0,40}?`) between literal alternations, no nested
 * quantifiers over overlapping classes. Case-insensitive unless the signature says otherwise.
 */

import { createLiteralFilter, type LiteralAnchor, type LiteralFilter } from './literals.ts';

/** Finding types of the prompt_attack family. */
export const PROMPT_ATTACK_TYPES = [
  'INSTRUCTION_OVERRIDE',
  'JAILBREAK_PERSONA',
  'SYSTEM_PROMPT_EXTRACTION',
  'DELIMITER_INJECTION',
  'PAYLOAD_SPLITTING',
  'EXFILTRATION_LINK',
  'TOOL_HIJACK',
  'CLASSIFIER',
  /** A canary planted in the system prompt came back in the output (see pipeline/canary.ts). */
  'SYSTEM_PROMPT_LEAK',
] as const;
export type PromptAttackType = (typeof PROMPT_ATTACK_TYPES)[number];

/** One signature: a stable id reported in the finding, its type, its score and its pattern. */
export interface Signature {
  readonly id: string;
  readonly type: PromptAttackType;
  readonly score: number;
  readonly pattern: RegExp;
  /** Ignore a match preceded by a negation (`never reveal your system prompt`). */
  readonly negatable?: boolean;
  /**
   * Groups of ASCII literals (compared ignoring ASCII case) such that every match of `pattern` has, in the
   * text it is matched on, a literal of each group: the signature is not run on a text without them
   * (literals.ts). Absent = always run. test/detectors/prompt-attack/literals.test.ts checks each group
   * against the pattern's source.
   */
  readonly literals?: ReadonlyArray<readonly string[]>;
  /**
   * Each: every match starts at most `within` code units before an occurrence of a literal of
   * `literals[group]`, so the search starts there (literals.ts; checked in literals.test.ts).
   */
  readonly anchors?: readonly LiteralAnchor[];
}

const G = '.{0,40}?';
const ACT =
  '(?:ignore|disregard|forget|skip|override|overrule|bypass|discard|abandon|drop|neglect|set aside)';
const PRIOR =
  '(?:all|any|every|the|your|my|these|those|previous|prior|above|earlier|preceding|initial|original|old|system|developer|safety)';
const RULES =
  '(?:instructions?|prompts?|rules|directives?|guidelines|commands?|context|programming|constraints|restrictions|guardrails|policies|filters|training)';
const AI = '(?:ai|assistant|chatbot|chat ?gpt|gpt-?\\d?|claude|llm|language model|model|bot|agent|copilot)';

/** Literals every `ACT`, `RULES` and `AI` match contains (for `Signature.literals`). */
const ACT_WORDS = [
  'ignore',
  'disregard',
  'forget',
  'skip',
  'override',
  'overrule',
  'bypass',
  'discard',
  'abandon',
  'drop',
  'neglect',
  'set aside',
];
const RULE_WORDS = [
  'instruction',
  'prompt',
  'rules',
  'directive',
  'guidelines',
  'command',
  'context',
  'programming',
  'constraints',
  'restrictions',
  'guardrails',
  'policies',
  'filters',
  'training',
];
const AI_WORDS = ['ai', 'assistant', 'chatbot', 'gpt', 'claude', 'llm', 'model', 'bot', 'agent', 'copilot'];

function re(source: string, flags = 'i'): RegExp {
  return new RegExp(source, flags);
}

/** The built-in signatures. */
export const SIGNATURES: readonly Signature[] = [
  // Instruction override.
  {
    id: 'override.ignore_previous',
    type: 'INSTRUCTION_OVERRIDE',
    score: 0.92,
    negatable: true,
    literals: [ACT_WORDS, RULE_WORDS],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 78 },
    ],
    pattern: re(`\\b${ACT}\\b.{0,30}?\\b${PRIOR}\\b.{0,30}?\\b${RULES}\\b`),
  },
  {
    id: 'override.do_not_follow',
    type: 'INSTRUCTION_OVERRIDE',
    score: 0.85,
    literals: [
      ['do not', "don't", 'stop', 'no longer', 'never again'],
      ['follow', 'obey', 'adhere', 'comply'],
      RULE_WORDS,
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 12 },
      { group: 2, within: 66 },
    ],
    pattern: re(
      `\\b(?:do not|don't|stop|no longer|never again)\\s(?:follow|obey|adhere to|comply with)(?:ing)?\\s${PRIOR}\\b.{0,30}?\\b${RULES}\\b`,
    ),
  },
  {
    id: 'override.new_instructions',
    type: 'INSTRUCTION_OVERRIDE',
    score: 0.75,
    literals: [
      ['new', 'updated', 'real', 'actual', 'true', 'revised', 'overriding'],
      ['instruction', 'task', 'directive', 'prompt', 'orders'],
      [':'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 25 },
      { group: 2, within: 32 },
    ],
    pattern: re(
      '\\b(?:new|updated|real|actual|true|revised|overriding) (?:system )?(?:instructions?|task|directives?|system prompt|orders)\\s?:',
    ),
  },
  {
    id: 'override.addressed_to_ai',
    type: 'INSTRUCTION_OVERRIDE',
    score: 0.7,
    literals: [
      AI_WORDS,
      ['if you are', 'attention', 'note', 'important', 'message', 'reads', 'sees', 'processes', 'summari'],
    ],
    anchors: [
      { group: 1, within: 24 },
      { group: 0, within: 27 },
    ],
    pattern: re(
      `\\b(?:if you are an? ${AI}|(?:attention|note|important|message) (?:to|for) (?:the |any )?${AI}s?|when (?:the |an? )?${AI} (?:reads|sees|processes|summari[sz]es) this)\\b`,
    ),
  },
  {
    id: 'override.from_now_on',
    type: 'INSTRUCTION_OVERRIDE',
    score: 0.45,
    literals: [['from now on']],
    anchors: [{ group: 0, within: 0 }],
    pattern: re('\\bfrom now on,? (?:you (?:will|are|must|shall)|act|respond|answer|pretend|ignore)\\b'),
  },
  // Role-play and DAN-style personas.
  {
    id: 'persona.dan',
    type: 'JAILBREAK_PERSONA',
    score: 0.95,
    literals: [
      [
        'do anything now',
        'dan',
        'stan',
        'dude',
        'aim',
        'betterdan',
        'antigpt',
        'devmode',
        'apophis',
        'ucar',
        'nraf',
        'oppo',
        'basedgpt',
        'mongo tom',
        'dr. al',
      ],
    ],
    anchors: [{ group: 0, within: 0 }],
    pattern: re(
      '\\bdo anything now\\b|\\b(?:DAN|STAN|DUDE|AIM|BetterDAN|AntiGPT|DevMode|APOPHIS|UCAR|NRAF|OPPO|BasedGPT|Mongo Tom|Dr\\. Al)\\b(?:\\s?(?:mode|prompt|jailbreak|\\d{1,2}(?:\\.\\d)?)\\b|:)',
      '',
    ),
  },
  {
    id: 'persona.developer_mode',
    type: 'JAILBREAK_PERSONA',
    score: 0.9,
    literals: [[' mode', 'jailbroken']],
    anchors: [{ group: 0, within: 16 }],
    pattern: re(
      '\\b(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|evil|opposite|chaos) mode\\b.{0,40}?\\b(?:enabled|activated|on|engaged)\\b|\\benable (?:developer|jailbreak|god) mode\\b|\\bjailbroken\\b',
    ),
  },
  {
    id: 'persona.no_restrictions',
    type: 'JAILBREAK_PERSONA',
    score: 0.85,
    literals: [
      [
        'restrictions',
        'filter',
        'limit',
        'censorship',
        'morals',
        'ethics',
        'guidelines',
        'policies',
        'rules',
        'boundaries',
      ],
    ],
    anchors: [{ group: 0, within: 96 }],
    pattern: re(
      `\\b(?:you|${AI}|character|persona|it)\\b.{0,50}?\\b(?:no|without|free (?:of|from)|not bound by|unbound by|broken free (?:of|from)|do(?:es)? not (?:have|follow|care about|abide by))\\s(?:any )?(?:ethical |moral |content |safety )?(?:restrictions|filters|filtering|limitations|limits|censorship|morals|ethics|guidelines|policies|rules|boundaries)\\b`,
    ),
  },
  {
    id: 'persona.policy_bypass',
    type: 'JAILBREAK_PERSONA',
    score: 0.85,
    literals: [['polic'], ['ignore', 'violate', 'bypass', 'apply', 'no longer', 'disregard', 'break']],
    anchors: [
      { group: 0, within: 20 },
      { group: 1, within: 76 },
    ],
    pattern: re(
      `\\b(?:openai|anthropic|content|usage|safety)(?:'s)? (?:content |usage )?polic(?:y|ies)\\b${G}\\b(?:ignore|violate|bypass|doesn't apply|don't apply|not apply|no longer|disregard|break)`,
    ),
  },
  {
    id: 'persona.pretend_unrestricted',
    type: 'JAILBREAK_PERSONA',
    score: 0.8,
    literals: [
      ['pretend', 'act as', 'imagine', 'role', 'you are now', 'you will be'],
      ['unrestricted', 'unfiltered', 'uncensored', 'moral', 'unethical', 'evil', 'without'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 74 },
    ],
    pattern: re(
      '\\b(?:pretend|act as if|imagine|role-?play|act as|you are now|you will be)\\b.{0,60}?\\b(?:unrestricted|unfiltered|uncensored|amoral|immoral|unethical|evil|no morals|without (?:any )?(?:limits|rules|filters))\\b',
    ),
  },
  {
    id: 'persona.stay_in_character',
    type: 'JAILBREAK_PERSONA',
    score: 0.55,
    literals: [['in character', 'break character']],
    anchors: [{ group: 0, within: 7 }],
    pattern: re(
      "\\b(?:stay in character|never break character|don't break character|remain in character)\\b",
    ),
  },
  {
    id: 'persona.refusal_suppression',
    type: 'JAILBREAK_PERSONA',
    score: 0.7,
    literals: [
      ['never', 'not', "n't"],
      ['refuse', 'decline', 'say ', 'apologi', 'warnings', 'disclaimers'],
      ['request', 'question', 'anything', 'answer', 'prompt', 'response', 'warning'],
    ],
    anchors: [
      { group: 0, within: 5 },
      { group: 1, within: 22 },
      { group: 2, within: 73 },
    ],
    pattern: re(
      `\\b(?:never|do not|don't|cannot|can't|must not|will not|won't)\\s(?:ever )?(?:refuse|decline|say (?:that )?(?:you|it) can(?:no|')t|apologi[sz]e|add (?:any )?(?:warnings|disclaimers))\\b${G}\\b(?:request|question|anything|answer|prompt|response|warnings?)`,
    ),
  },
  // The next three begin with their rarest literal and check what comes before it with a lookbehind (4–5
  // times cheaper than starting with the leading alternation); the span is the part after the lookbehind.
  {
    // A persona named after an attack or unrestricted GPT (`you are HackGPT`, `act as EvilGPT`), introduced
    // as one: a question about such a tool (`what is WormGPT?`) is not an attack.
    id: 'persona.named_gpt',
    type: 'JAILBREAK_PERSONA',
    score: 0.6,
    literals: [
      ['gpt'],
      [
        'hack',
        'evil',
        'dark',
        'chaos',
        'demon',
        'worm',
        'fraud',
        'blackhat',
        'unfiltered',
        'uncensored',
        'unrestricted',
        'jailbr',
        'naughty',
        'anarchy',
        'rogue',
        'nsfw',
      ],
    ],
    anchors: [{ group: 0, within: 0 }],
    pattern: re(
      "gpt\\b(?<=\\b(?:you are|you're|be|as|welcome to|become|called|named|play|I am|I'm|this is)\\b.{0,20}?\\b(?:hack(?:er)?|evil|dark|chaos|devil|demon|worm|fraud|blackhat|unfiltered|uncensored|unrestricted|jailbr(?:eak|oken)|naughty|anarchy|rogue|nsfw)-?gpt)",
    ),
  },
  {
    // The answer's opening forced: `You will always answer "As Jesus"`, `start your reply with "Sure, here is"`
    // (prefix injection: a model that has begun to comply tends to go on).
    id: 'persona.forced_prefix',
    type: 'JAILBREAK_PERSONA',
    score: 0.6,
    literals: [
      ['always', 'only', 'start', 'begin', 'prefix', 'preface'],
      ['answer', 'respon', 'repl', 'output', 'message'],
    ],
    pattern: re(
      `["“]as\\s(?<=\\b(?:always|only) (?:answer|respond|reply)\\b.{0,20}?["“]as\\s)|["'“‘](?:sure|certainly|absolutely|of course)\\b(?<=\\b(?:start|begin|prefix|preface)(?:s|ing)? (?:(?:each|every|all) of )?(?:your |each |every |all )?(?:responses?|reply|replies|answers?|outputs?|messages?) (?:with|by saying)\\b.{0,12}?["'“‘](?:sure|certainly|absolutely|of course))`,
    ),
  },
  {
    // The "deceased grandmother" exploit: role-play as a late relative who used to recite forbidden content.
    id: 'persona.deceased_relative',
    type: 'JAILBREAK_PERSONA',
    score: 0.7,
    literals: [['grand', 'granny', 'nana'], ['used to']],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 51 },
    ],
    pattern: re(
      '(?:grand(?:ma|mother|pa|father|mom|dad)|granny|nana)\\b(?<=\\b(?:act|acting|pretend|play|role-?play|be|become|impersonate|behave|you are)\\b.{0,20}?\\b(?:dead|late|dec[ea]{1,2}sed|departed)\\s(?:grand(?:ma|mother|pa|father|mom|dad)|granny|nana))\\b.{0,40}?\\bused to\\b.{0,60}?\\b(?:keys?|codes?|serials?|licen[cs]es?|activation|passwords?|napalm|recipes? for|steps|instructions|how to (?:make|build|produce|synthesi[sz]e|cook))\\b',
    ),
  },
  // System-prompt extraction.
  {
    id: 'extraction.system_prompt',
    type: 'SYSTEM_PROMPT_EXTRACTION',
    score: 0.9,
    negatable: true,
    literals: [
      [
        'reveal',
        'print',
        'show',
        'repeat',
        'output',
        'display',
        'tell me',
        'give me',
        'what ',
        'leak',
        'disclose',
        'dump',
        'spell out',
        'write out',
        'recite',
        'list',
        'copy',
      ],
      ['system', 'initial', 'hidden', 'original', 'pre', 'developer', 'above', 'you were given'],
      ['prompt', 'message', 'instructions'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 2, within: 77 },
      { group: 1, within: 80 },
    ],
    pattern: re(
      '\\b(?:reveal|print|show|repeat|output|display|tell me|give me|what (?:is|are|was|were)|leak|disclose|dump|spell out|write out|recite|list|copy)\\b.{0,40}?\\b(?:your|the|its|my) (?:full |exact |entire |complete |original |initial |hidden |secret |confidential )?(?:system (?:prompt|message|instructions)|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original (?:prompt|instructions)|pre-?prompt|developer (?:prompt|message|instructions)|(?:instructions|prompt) (?:above|you were given))\\b',
    ),
  },
  {
    id: 'extraction.repeat_above',
    type: 'SYSTEM_PROMPT_EXTRACTION',
    score: 0.8,
    literals: [
      ['above', 'before this', 'starting', 'beginning'],
      ['repeat', 'print', 'output', 'copy', 'you are'],
    ],
    anchors: [
      { group: 1, within: 16 },
      { group: 0, within: 24 },
    ],
    pattern: re(
      '\\b(?:repeat|print|output|copy) (?:all |the |every )?(?:words|text|everything|lines|content) (?:above|before this)\\b|\\b(?:starting|beginning) with ["\']?you are\\b',
    ),
  },
  // Delimiter and format injection.
  {
    id: 'delimiter.chat_markup',
    type: 'DELIMITER_INJECTION',
    score: 0.85,
    literals: [
      ['<|', '[', '<<'],
      ['|>', ']', '>>'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 17 },
    ],
    pattern: re(
      '<\\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id|user|assistant)\\|>|\\[/?(?:INST|SYS)\\]|<</?SYS>>',
    ),
  },
  {
    id: 'delimiter.fake_role',
    type: 'DELIMITER_INJECTION',
    score: 0.6,
    literals: [['system', 'admin', 'developer', 'root'], [':']],
    anchors: [
      { group: 0, within: 10 },
      { group: 1, within: 33 },
    ],
    pattern: re(
      '(?:^|[\\]}>"\'.!?;] ?|#{1,6} ?|-{3,8} ?|={3,8} ?)\\[?(?:system|admin|developer|root)(?: (?:message|override|prompt|note|instruction))?\\]? ?: ?(?:you|ignore|new|the (?:assistant|ai|model)|from now)',
    ),
  },
  {
    // A fake system or admin message inside user content: `[System Note: …]`, `System update:`.
    id: 'delimiter.system_note',
    type: 'DELIMITER_INJECTION',
    score: 0.6,
    literals: [
      ['system', 'admin', 'developer', 'moderator'],
      ['note', 'update', 'message', 'notice', 'override', 'alert', 'announcement', 'instruction'],
      [':'],
    ],
    anchors: [
      { group: 0, within: 2 },
      { group: 1, within: 16 },
      { group: 2, within: 30 },
    ],
    pattern: re(
      '(?:^|[\\[({*#>|] ?)(?:system|admin|administrator|developer|moderator) (?:note|update|message|notice|override|alert|announcement|instruction)s? ?:',
    ),
  },
  {
    id: 'delimiter.end_of_input',
    type: 'DELIMITER_INJECTION',
    score: 0.6,
    literals: [
      ['end of ', ' here', 'begin '],
      ['input', 'prompt', 'document', 'context', 'instruction'],
    ],
    anchors: [
      { group: 0, within: 19 },
      { group: 1, within: 13 },
    ],
    pattern: re(
      '\\b(?:end of (?:user )?(?:input|prompt|document|context|instructions)|(?:user|system) (?:input|prompt) (?:ends|ended) here|begin (?:new|system) (?:instructions|prompt))\\b',
    ),
  },
  {
    id: 'delimiter.important_tag',
    type: 'DELIMITER_INJECTION',
    score: 0.6,
    literals: [['<'], ['>'], ['important', 'system', 'instruction', 'admin', 'override']],
    anchors: [
      { group: 0, within: 0 },
      { group: 2, within: 1 },
      { group: 1, within: 13 },
    ],
    pattern: re('<(?:important|system|instructions?|admin|override)>'),
  },
  // Payload splitting.
  {
    id: 'split.concatenate',
    type: 'PAYLOAD_SPLITTING',
    score: 0.7,
    literals: [
      ['combine', 'concatenate', 'join', 'merge', 'put together', 'add up'],
      ['string', 'parts', 'pieces', 'variables', 'fragments', '+'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 55 },
    ],
    pattern: re(
      '\\b(?:combine|concatenate|join|merge|put together|add up)\\b.{0,40}?\\b(?:strings?|parts|pieces|variables|fragments|a ?\\+ ?b|[a-z]\\d? ?\\+ ?[a-z]\\d?)\\b.{0,80}?\\b(?:follow|execute|answer|respond|do|perform|act on|obey|carry out)\\b',
    ),
  },
  {
    id: 'split.variables',
    type: 'PAYLOAD_SPLITTING',
    score: 0.55,
    literals: [['='], ['+']],
    anchors: [
      { group: 0, within: 7 },
      { group: 1, within: 329 },
    ],
    pattern: re(
      '\\b(?:[a-z]\\d?|str\\d|part ?\\d) ?= ?["\'][^"\']{1,80}["\'].{0,20}?\\b(?:[a-z]\\d?|str\\d|part ?\\d) ?= ?["\'][^"\']{1,80}["\'].{0,120}?\\b(?:[a-z]\\d?|str\\d|part ?\\d) ?\\+ ?(?:[a-z]\\d?|str\\d|part ?\\d)\\b',
    ),
  },
  // Markdown-image and link exfiltration.
  {
    id: 'exfil.markdown_image_data',
    type: 'EXFILTRATION_LINK',
    score: 0.9,
    literals: [['!['], ['](']],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 102 },
    ],
    pattern: re('!\\[[^\\]]{0,100}\\]\\( ?https?://[^)\\s]{1,300}(?:\\{|\\$\\{|%7b|\\[)[^)\\s]{0,300}\\)'),
  },
  {
    id: 'exfil.render_with_data',
    type: 'EXFILTRATION_LINK',
    score: 0.85,
    literals: [
      ['render', 'display', 'include', 'output', 'print', 'show', 'embed', 'insert', 'add', 'append'],
      ['image', 'img', 'link', 'url', 'pixel'],
      [
        'conversation',
        'chat history',
        'previous messages',
        'user',
        'password',
        'api key',
        'credentials',
        'secret',
        'system prompt',
        'personal ',
      ],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 56 },
      { group: 2, within: 211 },
    ],
    pattern: re(
      "\\b(?:render|display|include|output|print|show|embed|insert|add|append)\\b.{0,40}?\\b(?:markdown |an |the )?(?:image|img|link|url|pixel)\\b.{0,80}?\\b(?:append|add|include|with|containing|encode|replace|put)\\b.{0,60}?\\b(?:conversation|chat history|previous messages|user(?:'s)? (?:data|messages|email|password|info)|password|api key|credentials|secret|system prompt|personal (?:data|information))",
    ),
  },
  {
    id: 'exfil.send_data',
    type: 'EXFILTRATION_LINK',
    score: 0.85,
    literals: [
      ['send', 'post', 'forward', 'upload', 'transmit', 'exfiltrate', 'leak', 'email', 'submit'],
      ['http', 'www.', '@', '.com', '.net', '.org', '.io', '.xyz', '.ru', '.cn', '.tk'],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 184 },
    ],
    pattern: re(
      "\\b(?:send|post|forward|upload|transmit|exfiltrate|leak|email|submit)\\b.{0,40}?\\b(?:the |all |this |our |their |user(?:'s)? )?(?:conversation|chat history|previous messages|data|password|passwords|api keys?|credentials|secrets?|system prompt|personal (?:data|information)|contacts|emails?|files?)\\b.{0,40}?\\b(?:to|at) (?:https?://|www\\.|[\\w.-]{1,64}@[\\w-]{1,64}\\.|[\\w-]{1,64}\\.(?:com|net|org|io|xyz|ru|cn|tk)\\b)",
    ),
  },
  // Tool-call hijacking.
  {
    id: 'tool.invoke',
    type: 'TOOL_HIJACK',
    score: 0.65,
    literals: [
      ['call', 'invoke', 'use', 'run', 'execute', 'trigger'],
      ['tool', 'function', 'plugin', 'action', 'api', 'command'],
      [
        'send',
        'delete',
        'transfer',
        'forward',
        'upload',
        'wire',
        'exec',
        'shell',
        'rm -rf',
        'pay',
        'purchase',
        'grant',
        'share',
        'drop table',
      ],
    ],
    anchors: [
      { group: 0, within: 0 },
      { group: 1, within: 32 },
      { group: 2, within: 100 },
    ],
    pattern: re(
      '\\b(?:call|invoke|use|run|execute|trigger)\\b.{0,20}?\\b(?:the |your )?(?:tool|function|plugin|action|api|command)\\b.{0,60}?\\b(?:send_?email|delete|transfer|forward|upload|wire|exec|shell|rm -rf|pay|purchase|grant|share|drop table)',
    ),
  },
  {
    id: 'tool.instructed_action',
    type: 'TOOL_HIJACK',
    score: 0.6,
    literals: [
      AI_WORDS,
      ['must', 'should', 'need', 'required', 'instructed', 'shall'],
      [
        'send',
        'email',
        'delete',
        'transfer',
        'forward',
        'upload',
        'post',
        'call',
        'invoke',
        'execute',
        'run',
        'click',
        'visit',
        'open',
        'navigate',
        'download',
        'share',
        'grant',
      ],
    ],
    anchors: [
      { group: 0, within: 9 },
      { group: 1, within: 49 },
      { group: 2, within: 74 },
    ],
    pattern: re(
      `\\b${AI}s?\\b.{0,30}?\\b(?:must|should|needs? to|is required to|are required to|is instructed to|shall) (?:now |immediately |also |secretly |silently )?(?:send|email|delete|transfer|forward|upload|post|call|invoke|execute|run|click|visit|open|navigate|download|share|grant)\\b`,
    ),
  },
  {
    id: 'tool.silent_action',
    type: 'TOOL_HIJACK',
    score: 0.7,
    literals: [
      ['user', 'secretly', 'silently'],
      [
        'send',
        'email',
        'delete',
        'transfer',
        'forward',
        'upload',
        'post',
        'call',
        'execute',
        'run',
        'share',
        'grant',
        'write',
      ],
    ],
    anchors: [
      { group: 0, within: 27 },
      { group: 1, within: 91 },
    ],
    pattern: re(
      "\\b(?:without (?:telling|informing|notifying|asking) (?:the )?user|(?:do not|don't|never) (?:tell|inform|mention (?:this|it) to|notify|alert) (?:the )?user|secretly|silently)\\b.{0,60}?\\b(?:send|email|delete|transfer|forward|upload|post|call|execute|run|share|grant|write)\\b",
    ),
  },
];

const NEGATION = /\b(?:not|never|no|n't|without)\s{0,2}$/i;

/** A signature match in a text: the signature and the matched `[start, end)`. */
export interface SignatureMatch {
  signature: Signature;
  start: number;
  end: number;
}

/** Longest text the signatures read per variant (longer texts are scanned in this many leading units). */
export const SIGNATURE_SCAN_LIMIT = 200_000;

const GLOBAL = new WeakMap<Signature, RegExp>();
const FILTERS = new WeakMap<readonly Signature[], LiteralFilter>();

/** The literal pre-pass for a signature list, built once per list. */
function literalFilter(signatures: readonly Signature[]): LiteralFilter {
  let filter = FILTERS.get(signatures);
  if (filter === undefined) {
    filter = createLiteralFilter(signatures);
    FILTERS.set(signatures, filter);
  }
  return filter;
}

/** The signature's pattern with the `g` flag, compiled once (lastIndex is reset before every use). */
function globalPattern(signature: Signature): RegExp {
  let pattern = GLOBAL.get(signature);
  if (pattern === undefined) {
    pattern = new RegExp(signature.pattern.source, `${signature.pattern.flags.replace('g', '')}g`);
    GLOBAL.set(signature, pattern);
  }
  return pattern;
}

/**
 * The first match of each signature in `text` (at most one per signature, so the output stays small).
 * Negatable signatures skip matches right after a negation and try the next match. The keyword pre-pass
 * is built once per `signatures` array: pass the same array on every call.
 */
export function matchSignatures(text: string, signatures: readonly Signature[]): SignatureMatch[] {
  const scanned = text.length > SIGNATURE_SCAN_LIMIT ? text.slice(0, SIGNATURE_SCAN_LIMIT) : text;
  const out: SignatureMatch[] = [];
  // One keyword pass over the text rules out (exactly) the signatures whose required literals are missing,
  // and tells where the others' first match can start at the earliest.
  const starts = literalFilter(signatures).starts(scanned);
  for (let index = 0; index < signatures.length; index++) {
    const from = starts[index]!;
    if (from < 0) continue;
    const signature = signatures[index]!;
    const pattern = globalPattern(signature);
    pattern.lastIndex = from;
    for (let tries = 0; tries < 4; tries++) {
      const m = pattern.exec(scanned);
      if (m === null) break;
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        pattern.lastIndex++;
        continue;
      }
      if (signature.negatable === true && NEGATION.test(scanned.slice(Math.max(0, start - 12), start)))
        continue;
      out.push({ signature, start, end });
      break;
    }
  }
  return out;
}
