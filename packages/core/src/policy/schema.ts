import { z } from 'zod';
import { SEGMENT_SOURCES } from '../model/segment.ts';

/**
 * The policy language: the `policy:` section of parapet.yaml, or a policy document stored through the admin
 * API. One zod schema is the source of the validator, the JSON Schema and the types. Semantics are in
 * docs/policy.md and in evaluate.ts.
 */

const text = z.string().min(1);
const list = z.array(text);

export const OnError = z.enum(['block', 'allow']);
export type OnError = z.infer<typeof OnError>;

export const DirectionName = z.enum(['input', 'output']);

/** What one family of detections must show for a rule to match. */
export const DetectionCondition = z
  .strictObject({
    /** Finding types (entity types, categories, labels); any of them. `categories` and `labels` are synonyms. */
    types: list.optional(),
    categories: list.optional(),
    labels: list.optional(),
    min_score: z.number().min(0).max(1).optional().describe('Lowest score that counts (inclusive).'),
    min_count: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('How many matching findings are needed (default 1).'),
    sources: z
      .array(z.enum(SEGMENT_SOURCES))
      .optional()
      .describe('Only findings in segments from these sources (e.g. tool_result for indirect injection).'),
  })
  .describe('Conditions on one detector family; `{}` means any finding of the family.');
export type DetectionCondition = z.infer<typeof DetectionCondition>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const TimeWindow = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).optional(),
  /** Local times `HH:MM`; the window may wrap midnight (`22:00`–`06:00`). Start inclusive, end exclusive. */
  between: z.tuple([text, text]).optional(),
  /** IANA time zone, default UTC. */
  timezone: text.optional(),
});
export type TimeWindow = z.infer<typeof TimeWindow>;

export const Destination = z.strictObject({
  providers: list.optional(),
  models: list.optional(),
  tags: list.optional(),
});

export interface Condition {
  direction?: 'input' | 'output' | ('input' | 'output')[] | undefined;
  users?: string[] | undefined;
  groups?: string[] | undefined;
  apps?: string[] | undefined;
  keys?: string[] | undefined;
  destination?: z.infer<typeof Destination> | undefined;
  detections?: Record<string, DetectionCondition> | undefined;
  languages?: string[] | undefined;
  has_tools?: boolean | undefined;
  stream?: boolean | undefined;
  time?: TimeWindow | undefined;
  not?: Condition | undefined;
  any?: Condition[] | undefined;
  all?: Condition[] | undefined;
}

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.strictObject({
    direction: z.union([DirectionName, z.array(DirectionName).min(1)]).optional(),
    users: list.optional(),
    groups: list.optional(),
    apps: list.optional(),
    keys: list.optional(),
    destination: Destination.optional(),
    detections: z.record(text, DetectionCondition).optional(),
    languages: list.optional(),
    has_tools: z.boolean().optional(),
    stream: z.boolean().optional(),
    time: TimeWindow.optional(),
    not: Condition.optional(),
    any: z.array(Condition).min(1).optional(),
    all: z.array(Condition).min(1).optional(),
  }),
);

export const RULE_ACTIONS = ['allow', 'monitor', 'warn', 'redact', 'block', 'route', 'hold'] as const;

export const Rule = z.strictObject({
  id: text.max(128),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  when: Condition.default({}),
  action: z.enum(RULE_ACTIONS),
  /** Shown to the caller on block and warn. */
  message: z.string().max(2000).optional(),
  /** route: the model alias to send the request to. */
  route_to: text.optional(),
  /** monitor: tags added to the event. */
  tags: list.optional(),
  /** What a failure of a detector this rule reads means; default from `on_error`. */
  on_error: OnError.optional(),
  redact: z
    .strictObject({
      mode: z.enum(['tokenize', 'mask', 'hash']).default('tokenize'),
    })
    .optional(),
  block: z
    .strictObject({
      /** `error` (default): the wire format's error; `assistant_message`: a normal answer with the message (OpenAI chat). */
      respond_as: z.enum(['error', 'assistant_message']).default('error'),
    })
    .optional(),
  hold: z
    .strictObject({
      timeout: text.default('15m').describe('How long to wait for a reviewer: 30s, 10m, 2h.'),
      on_timeout: z.enum(['deny', 'allow']).default('deny'),
    })
    .optional(),
  warn: z
    .strictObject({
      ack_ttl: text.default('1h').describe('How long an acknowledgement token stays valid.'),
    })
    .optional(),
});
export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;

export const Global = z.strictObject({
  block_all: z.boolean().default(false).describe('The kill switch: block every request.'),
  message: z.string().max(2000).optional(),
  blocked_apps: list.default(() => []),
  blocked_models: list.default(() => []),
  blocked_users: list.default(() => []),
  blocked_groups: list.default(() => []),
  blocked_keys: list.default(() => []),
  blocked_providers: list.default(() => []),
});
export type Global = z.infer<typeof Global>;

export const PolicyDocument = z
  .strictObject({
    default: z.enum(['allow', 'block']).default('allow').describe('Action when no rule decides.'),
    on_error: z
      .strictObject({
        input: OnError.default('block'),
        output: OnError.default('allow'),
        families: z.record(text, OnError).default(() => ({})),
      })
      .prefault({})
      .describe('What a detector failure means, by direction and by family (fail closed on input).'),
    global: Global.prefault({}).describe('Checked before every rule: the kill switch and block lists.'),
    groups: list.optional().describe('Known groups; rules naming another group are invalid.'),
    rules: z.array(Rule).default(() => []),
  })
  .describe('The policy: rules evaluated in order; see docs/policy.md.');
export type PolicyDocument = z.infer<typeof PolicyDocument>;
export type PolicyDocumentInput = z.input<typeof PolicyDocument>;
