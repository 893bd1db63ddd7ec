/**
 * The traffic plan of `parapet demo seed`: when each request is sent, by whom, to which model, in which
 * wire format, and what it asks. Pure and deterministic: the same options give the same plan.
 */
import {
  createPopulation,
  DEMO_APPS,
  type DemoApp,
  type DemoGroup,
  type DemoPopulation,
  type DemoPrincipal,
} from './population.ts';
import { createRandom, type Random } from './random.ts';
import {
  buildScenario,
  justification,
  type Scenario,
  type ScenarioApp,
  type ScenarioKind,
} from './scenarios.ts';

/** The models of the demo deployment (see demo-config.ts). */
export const DEMO_MODELS = [
  'gpt-4o-mini',
  'gpt-4o',
  'claude-3-5-haiku',
  'claude-3-5-sonnet',
  'private-llm',
] as const;
export type DemoModel = (typeof DEMO_MODELS)[number];

/** The wire format a request is sent in. */
export type DemoFormat = 'openai' | 'anthropic';

/** One HTTP request of the plan. */
export interface PlannedRequest {
  /** When it is sent, in ms since the epoch (the gateway's clock is set to this). */
  at: number;
  /** Index into the population's principals: the key it is sent with. */
  principal: number;
  format: DemoFormat;
  model: DemoModel;
  stream: boolean;
  scenario: Scenario;
  /** For the second request of an `acknowledge` unit: the justification sent with the token. */
  justification?: string;
}

/**
 * A unit of work: `single` (one request), `acknowledge` (a request a `warn` rule may refuse, then the
 * same request re-sent with the acknowledgement token) or `hold` (one request a reviewer must decide).
 * `acknowledge` and `hold` units run alone, so the clock stays on their time while they wait.
 */
export interface PlannedUnit {
  kind: 'single' | 'acknowledge' | 'hold';
  requests: PlannedRequest[];
}

export interface DemoPlan {
  population: DemoPopulation;
  units: PlannedUnit[];
  /** The window the requests fall in: [start, end) in ms since the epoch. */
  start: number;
  end: number;
}

export interface PlanOptions {
  /** Number of requests (each becomes one event). */
  events: number;
  /** Length of the window, in days, ending at `now`. */
  days: number;
  seed: number;
  /** End of the window, ms since the epoch. */
  now: number;
  /**
   * About this share of requests stream (default {@link DEFAULT_STREAM_SHARE}); chat and coding apps
   * stream more, the support bot and the agent less.
   */
  streamShare?: number;
}

/**
 * Default share of streamed requests. Real chat front ends stream most answers, but a streamed answer
 * costs the gateway several times the inspection work of a whole one (detectors run on every window of
 * the stream), so the default keeps seeding fast; `--stream-share` raises it.
 */
export const DEFAULT_STREAM_SHARE = 0.1;

const DAY_MS = 86_400_000;

/** Relative traffic per UTC hour: a working day with a lunch dip and a quiet night. */
const HOUR_WEIGHTS = [
  0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.25, 0.55, 0.9, 1, 1, 0.95, 0.7, 0.9, 1, 1, 0.9, 0.7, 0.45, 0.3, 0.22,
  0.15, 0.1, 0.07,
];
/** Traffic on Saturdays and Sundays relative to weekdays. */
const WEEKEND_FACTOR = 0.18;

interface AppProfile {
  scenario: ScenarioApp;
  kinds: readonly (readonly [ScenarioKind, number])[];
  formats: readonly (readonly [DemoFormat, number])[];
  models: Record<DemoFormat, readonly (readonly [DemoModel, number])[]>;
  /**
   * How much more (or less) than the average this app streams: a request streams with probability
   * `streamShare × streamBias` (the biases make the overall share about `streamShare`).
   */
  streamBias: number;
}

const OPENAI_CHAT_MODELS: readonly (readonly [DemoModel, number])[] = [
  ['gpt-4o-mini', 45],
  ['gpt-4o', 25],
  ['claude-3-5-sonnet', 12],
  ['claude-3-5-haiku', 6],
  ['private-llm', 12],
];

const PROFILES: Record<DemoApp, AppProfile> = {
  [DEMO_APPS.chatWeb]: {
    scenario: 'chat',
    kinds: [
      ['benign', 34],
      ['followup', 12],
      ['pii', 8],
      ['secret', 2],
      ['placeholder', 0.6],
      ['attack', 2],
      ['harmful', 0.8],
      ['toxic', 1.2],
      ['code', 3.5],
      ['legal', 3],
      ['finance', 4],
      ['medical', 1.5],
      ['hr', 2.5],
      ['topic', 5],
      ['confidential', 3],
    ],
    formats: [['openai', 1]],
    models: { openai: OPENAI_CHAT_MODELS, anthropic: [] },
    streamBias: 1.3,
  },
  [DEMO_APPS.ide]: {
    scenario: 'ide',
    kinds: [
      ['code', 60],
      ['code_secret', 3.5],
      ['secret', 1.5],
      ['benign', 20],
      ['followup', 8],
      ['placeholder', 2],
      ['attack', 0.7],
    ],
    formats: [
      ['openai', 0.6],
      ['anthropic', 0.4],
    ],
    models: {
      openai: [
        ['gpt-4o', 60],
        ['gpt-4o-mini', 40],
      ],
      anthropic: [
        ['claude-3-5-sonnet', 80],
        ['claude-3-5-haiku', 20],
      ],
    },
    streamBias: 1.3,
  },
  [DEMO_APPS.supportBot]: {
    scenario: 'support',
    kinds: [
      ['ticket', 58],
      ['ticket_pii', 22],
      ['ticket_card', 6],
      ['ticket_toxic', 9],
      ['ticket_attack', 5],
    ],
    formats: [['anthropic', 1]],
    models: { openai: [], anthropic: [['claude-3-5-haiku', 1]] },
    streamBias: 0.15,
  },
  [DEMO_APPS.agent]: {
    scenario: 'agent',
    kinds: [
      ['tool', 72],
      ['tool_injection', 10],
      ['tool_pii', 18],
    ],
    formats: [
      ['openai', 0.5],
      ['anthropic', 0.5],
    ],
    models: { openai: [['gpt-4o', 1]], anthropic: [['claude-3-5-sonnet', 1]] },
    streamBias: 0.15,
  },
};

/** How a team's work shifts what it asks about (multipliers on the app's kind weights). */
const GROUP_EMPHASIS: Partial<Record<DemoGroup, Partial<Record<ScenarioKind, number>>>> = {
  legal: { legal: 6, confidential: 2 },
  finance: { finance: 4, pii: 1.3 },
  support: { pii: 3, toxic: 1.5 },
  eng: { code: 2, secret: 1.5, attack: 1.2 },
};

/** Share of `code` pastes in the chat app whose author acknowledges the warning and re-sends. */
const ACKNOWLEDGE_SHARE = 0.55;

/**
 * Plans `events` requests over the `days` before `now`: times follow working hours and weekdays with a
 * slight upward trend; each request is drawn from its principal's app profile and team emphasis.
 */
export function planTraffic(options: PlanOptions): DemoPlan {
  if (!Number.isInteger(options.events) || options.events < 1) {
    throw new RangeError('the number of events must be a positive integer');
  }
  if (!(options.days > 0)) throw new RangeError('the number of days must be positive');
  const streamShare = options.streamShare ?? DEFAULT_STREAM_SHARE;
  if (!(streamShare >= 0 && streamShare <= 1))
    throw new RangeError('the stream share must be between 0 and 1');
  const root = createRandom(options.seed);
  const population = createPopulation(root.fork('population'));
  const timing = root.fork('timing');
  const traffic = root.fork('traffic');
  const end = options.now;
  const start = end - options.days * DAY_MS;
  const times = plannedTimes(timing, options.events, start, end);
  const weights = population.principals.map((p, index) => [index, p.weight] as const);

  const units: PlannedUnit[] = [];
  for (let i = 0; i < times.length; i++) {
    const index = traffic.weighted(weights);
    const principal = population.principals[index]!;
    const request = planRequest(traffic, index, principal, times[i]!, streamShare);
    const kind = request.scenario.kind;
    if (kind === 'code' && principal.app === DEMO_APPS.chatWeb && i + 1 < times.length) {
      if (traffic.chance(ACKNOWLEDGE_SHARE)) {
        const resendAt = Math.min(times[i + 1]!, request.at + traffic.int(20_000, 180_000));
        i++;
        units.push({
          kind: 'acknowledge',
          requests: [request, { ...request, at: resendAt, justification: justification(traffic) }],
        });
        continue;
      }
    }
    const held = kind === 'finance' && principal.groups.includes('contractors');
    units.push({ kind: held ? 'hold' : 'single', requests: [request] });
  }
  return { population, units, start, end };
}

function planRequest(
  random: Random,
  index: number,
  principal: DemoPrincipal,
  at: number,
  streamShare: number,
): PlannedRequest {
  const profile = PROFILES[principal.app];
  const kinds = profile.kinds.map(([kind, weight]) => {
    let factor = 1;
    for (const group of principal.groups) factor *= GROUP_EMPHASIS[group]?.[kind] ?? 1;
    return [kind, weight * factor] as const;
  });
  const kind = random.weighted(kinds);
  const format = random.weighted(profile.formats);
  let models = profile.models[format];
  if (principal.groups.includes('legal') && format === 'openai') {
    // Legal prefers the private model for everything.
    models = models.map(([model, weight]) => [model, model === 'private-llm' ? weight * 5 : weight] as const);
  }
  const model = random.weighted(models);
  const stream = random.chance(Math.min(1, streamShare * profile.streamBias));
  const scenario = buildScenario(kind, profile.scenario, random);
  return { at, principal: index, format, model, stream, scenario };
}

/** `count` times in [start, end), ascending, by rejection sampling of the hour, weekday and trend weights. */
function plannedTimes(random: Random, count: number, start: number, end: number): number[] {
  const span = end - start;
  const times: number[] = [];
  while (times.length < count) {
    const at = start + Math.floor(random.next() * span);
    const date = new Date(at);
    const weekday = date.getUTCDay();
    let weight = HOUR_WEIGHTS[date.getUTCHours()]!;
    if (weekday === 0 || weekday === 6) weight *= WEEKEND_FACTOR;
    weight *= 0.75 + (0.25 * (at - start)) / span;
    if (random.next() < weight) times.push(at);
  }
  return times.sort((a, b) => a - b);
}
