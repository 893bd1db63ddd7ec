/**
 * `parapet demo seed`: synthetic traffic through the real pipeline. An in-process gateway (the demo model
 * table and policy over the deployment's store and detector settings) receives every planned request
 * over loopback HTTP from virtual keys of synthetic people; its wall clock is walked along the plan so
 * events spread over past days; a synthetic reviewer decides held requests; warned users acknowledge.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { compilePolicy, type Decider, validatePolicy } from '@parapet/core';
import type { Config } from '../config/index.ts';
import { detectorsForConfig } from '../detectors/builtin.ts';
import { ACK_HEADER, JUSTIFICATION_HEADER } from '../gateway/enforce.ts';
import { generateVirtualKey } from '../identity/virtual-keys.ts';
import { startServer } from '../main.ts';
import type { Logger } from '../observability/logger.ts';
import { policyCatalogue } from '../policy/catalogue.ts';
import { PolicyError } from '../policy/runtime.ts';
import type { ApprovalRecord, Store } from '../store/ports.ts';
import { demoConfig } from './demo-config.ts';
import { type DemoPlan, type PlannedRequest, type PlannedUnit, planTraffic } from './plan.ts';
import { hashLabel } from './random.ts';
import { wireRequest } from './requests.ts';

/** The setting that records demo seeding runs (so `parapet demo` knows the store already has demo data). */
export const DEMO_SETTING_KEY = 'demo.seed';

/** What the `demo.seed` setting holds. */
export interface DemoSeedRecord {
  /** Events recorded by every seeding run so far. */
  events: number;
  runs: number;
  lastSeed: number;
  lastRunAt: string;
}

export interface SeedOptions {
  /** The deployment's configuration: its store, content mode and detector settings are used. */
  config: Config;
  events: number;
  days: number;
  seed: number;
  /** End of the window (the real time, normally). */
  now: Date;
  /** Share of requests that stream (see planTraffic); default DEFAULT_STREAM_SHARE. */
  streamShare?: number;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  /** Environment (PARAPET_ENCRYPTION_KEY), so content is encrypted with the deployment's key. */
  env?: NodeJS.ProcessEnv;
  /** Gateway warnings and errors. */
  log: Logger;
  /** Called after every request with the number done so far. */
  onProgress?: (done: number, total: number) => void;
}

/** What a seeding run did. */
export interface SeedSummary {
  /** Requests sent (one event each). */
  requests: number;
  /** Events the store gained during the run. */
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** ISO times of the window. */
  from: string;
  to: string;
  /** People (distinct users) and virtual keys used. */
  users: number;
  keys: number;
  /** Requests by the decision the client saw (`x-parapet-decision`: allow, redact, block, warn, …). */
  decisions: Record<string, number>;
  /** Requests by HTTP status. */
  statuses: Record<string, number>;
  /** Held requests by the synthetic reviewer's decision. */
  approvals: { approved: number; denied: number; expired: number };
  /** Warned requests re-sent with an acknowledgement. */
  acknowledged: number;
  /** Requests that failed at the HTTP level (connection errors): should be 0. */
  transportErrors: number;
}

/** A clock the seeder sets: the gateway reads the planned time of the request being sent. */
interface WalkedClock {
  wallMs(): number;
  set(ms: number): void;
}

function walkedClock(startMs: number): WalkedClock {
  let current = startMs;
  return {
    wallMs: () => current,
    set(ms) {
      current = ms;
    },
  };
}

/**
 * Runs the plan against an in-process gateway and returns what happened. Keys created for the synthetic
 * people are revoked at the end (their secrets were never shown to anyone).
 */
export async function seedDemo(options: SeedOptions): Promise<SeedSummary> {
  const concurrency = options.concurrency ?? 8;
  const plan = planTraffic({
    events: options.events,
    days: options.days,
    seed: options.seed,
    now: options.now.getTime(),
    ...(options.streamShare === undefined ? {} : { streamShare: options.streamShare }),
  });
  const config = demoConfig(options.config, { adminToken: null, logLevel: 'warn', approvalPollMs: 10 });
  const detectors = await detectorsForConfig(config);
  const clock = walkedClock(plan.start);

  // The demo policy is compiled here rather than recorded as a policy version, so seeding leaves the
  // deployment's policy history and active version untouched.
  const groups = plan.population.principals.flatMap((p) => p.groups);
  const checked = validatePolicy(config.policy, policyCatalogue(config, detectors, groups));
  if (checked.policy === null) throw new PolicyError(checked.issues);
  const compiled = compilePolicy(checked.policy);
  const decider: Decider = (input) => compiled.evaluate(input);

  const server = await startServer(config, {
    log: options.log,
    detectors,
    decider,
    env: options.env ?? process.env,
    clock,
  });
  const store = server.context.store;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const started = performance.now();
  const summary: SeedSummary = {
    requests: 0,
    events: 0,
    seconds: 0,
    eventsPerSecond: 0,
    from: new Date(plan.start).toISOString(),
    to: new Date(plan.end).toISOString(),
    users: new Set(plan.population.principals.map((p) => p.user).filter((u) => u !== null)).size,
    keys: plan.population.principals.length,
    decisions: {},
    statuses: {},
    approvals: { approved: 0, denied: 0, expired: 0 },
    acknowledged: 0,
    transportErrors: 0,
  };
  const reviewer = startReviewer(store, options.seed, options.log);
  try {
    const before = await store.countEvents();
    const keys = await createKeys(store, plan, options.now);
    const total = plan.units.reduce((n, unit) => n + unit.requests.length, 0);
    const send = async (request: PlannedRequest, extra: Record<string, string> = {}): Promise<Answer> => {
      const wire = wireRequest(request);
      let answer: Answer;
      try {
        answer = await post(agent, `${server.url}${wire.path}`, JSON.stringify(wire.body), {
          authorization: `Bearer ${keys[request.principal]!.key}`,
          ...extra,
        });
      } catch {
        answer = { status: 0, headers: {} };
        summary.transportErrors++;
      }
      summary.requests++;
      count(summary.statuses, String(answer.status));
      count(summary.decisions, decisionOf(answer));
      options.onProgress?.(summary.requests, total);
      return answer;
    };
    const runUnit = async (unit: PlannedUnit): Promise<void> => {
      const [first, second] = unit.requests;
      clock.set(first!.at);
      let answer: Answer;
      if (unit.kind === 'hold') {
        // The reviewer looks at the queue every few milliseconds while this request waits.
        let waiting = true;
        const pending = send(first!).finally(() => {
          waiting = false;
        });
        while (waiting) {
          await reviewer.sweep();
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        answer = await pending;
      } else answer = await send(first!);
      if (second === undefined) return;
      clock.set(second.at);
      const token = answer.headers['x-parapet-acknowledge-token'];
      if (token === undefined) {
        await send(second);
        return;
      }
      summary.acknowledged++;
      await send(second, { [ACK_HEADER]: token, [JUSTIFICATION_HEADER]: second.justification ?? '' });
    };

    const inFlight = new Set<Promise<void>>();
    for (const unit of plan.units) {
      if (unit.kind !== 'single') {
        // Acknowledgements and approvals depend on the clock standing still while they wait: run alone.
        await Promise.all(inFlight);
        await runUnit(unit);
        continue;
      }
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const running: Promise<void> = runUnit(unit).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    await Promise.all(inFlight);
    await server.context.recorder.flush();
    summary.events = (await store.countEvents()) - before;
    const revokedAt = options.now.toISOString();
    for (const key of keys) await store.revokeKey(key.id, revokedAt);
    await recordRun(store, summary.events, options.seed, options.now);
    summary.approvals = reviewer.counts();
  } finally {
    await reviewer.stop();
    agent.destroy();
    await server.close();
  }
  summary.seconds = round((performance.now() - started) / 1000, 2);
  summary.eventsPerSecond = summary.seconds === 0 ? 0 : round(summary.requests / summary.seconds, 1);
  return summary;
}

/** The `demo.seed` setting, or null when no seeding run was recorded in this store. */
export async function demoSeedRecord(store: Store): Promise<DemoSeedRecord | null> {
  const setting = await store.getSetting(DEMO_SETTING_KEY);
  return setting === null ? null : (setting.value as DemoSeedRecord);
}

async function recordRun(store: Store, events: number, seed: number, now: Date): Promise<void> {
  const previous = await demoSeedRecord(store);
  const record: DemoSeedRecord = {
    events: (previous?.events ?? 0) + events,
    runs: (previous?.runs ?? 0) + 1,
    lastSeed: seed,
    lastRunAt: now.toISOString(),
  };
  await store.putSetting(DEMO_SETTING_KEY, record, 'parapet demo seed', now.toISOString());
}

interface CreatedKey {
  id: string;
  key: string;
}

/** One virtual key per principal, created a day before the window opens. */
async function createKeys(store: Store, plan: DemoPlan, now: Date): Promise<CreatedKey[]> {
  const createdAt = new Date(Math.min(plan.start - 86_400_000, now.getTime())).toISOString();
  const keys: CreatedKey[] = [];
  for (const principal of plan.population.principals) {
    const generated = generateVirtualKey(randomBytes);
    await store.createKey({
      id: generated.id,
      hash: generated.hash,
      user: principal.user,
      groups: [...principal.groups],
      app: principal.app,
      models: null,
      createdAt,
      expiresAt: null,
      revokedAt: null,
    });
    keys.push({ id: generated.id, key: generated.key });
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------------
// The synthetic reviewer

const REVIEWERS = ['demo-ines.moreau', 'demo-kofi.mensah', 'demo-wei.larsen'];
const APPROVE_REASONS = [
  null,
  'Aggregated figures only; fine for the model.',
  'Needed for the month-end close.',
];
const DENY_REASONS = [
  'Unreleased financials: use the private model instead.',
  'Contractors may not share forecasts with external models.',
  'Please ask your finance lead directly.',
];

interface Reviewer {
  /** Decides every pending approval now. */
  sweep(): Promise<void>;
  /** Approvals decided so far; `expired` counts those the gateway expired before the reviewer came. */
  counts(): { approved: number; denied: number; expired: number };
  /** Stops polling and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Polls the approval queue and decides every pending request: about 70% approved, the rest denied, by a
 * hash of the seed and the request's summary (so the same plan gets the same decisions), a few minutes
 * after the request on the gateway's clock.
 */
function startReviewer(store: Store, seed: number, log: Logger): Reviewer {
  const counts = { approved: 0, denied: 0, expired: 0 };
  let running: Promise<void> | null = null;
  let stopped = false;
  const decide = async (approval: ApprovalRecord): Promise<void> => {
    const h = hashLabel(`${seed}:${approval.ruleId}:${approval.principal.user ?? ''}:${approval.summary}`);
    const approve = h % 100 < 70;
    const created = Date.parse(approval.createdAt);
    const limit = Date.parse(approval.expiresAt) - created;
    const delay = Math.min(60_000 * (1 + (h % 11)), Math.max(1, limit - 1000));
    const decided = await store.decideApproval(approval.id, {
      status: approve ? 'approved' : 'denied',
      by: REVIEWERS[h % REVIEWERS.length]!,
      reason: approve
        ? APPROVE_REASONS[(h >>> 8) % APPROVE_REASONS.length]!
        : DENY_REASONS[(h >>> 8) % DENY_REASONS.length]!,
      at: new Date(created + delay).toISOString(),
    });
    counts[decided === null ? 'expired' : approve ? 'approved' : 'denied']++;
  };
  const pass = async (): Promise<void> => {
    try {
      for (const approval of await store.listApprovals({ status: 'pending', limit: 100 })) {
        await decide(approval);
      }
    } catch (error) {
      log.warn('demo reviewer failed', { error });
    }
  };
  const sweep = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };
  // Planned holds are swept eagerly while they wait (see runUnit); this catches the unplanned ones.
  const timer = setInterval(() => void sweep(), 50);
  return {
    sweep,
    counts: () => ({ ...counts }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  headers: Record<string, string>;
}

/**
 * POSTs JSON over a keep-alive agent and reads the whole answer (streams included). node:http rather than
 * fetch: on two cores the gateway and this client share one thread, and fetch costs about a third more
 * CPU per request.
 */
function post(
  agent: http.Agent,
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') flat[name] = value;
          }
          resolve({ status: res.statusCode ?? 0, headers: flat });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function decisionOf(answer: Answer): string {
  const header = answer.headers['x-parapet-decision'];
  if (header === undefined) return 'none';
  const semicolon = header.indexOf(';');
  return semicolon === -1 ? header : header.slice(0, semicolon);
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
