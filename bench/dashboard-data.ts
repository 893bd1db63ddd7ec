// Synthetic traffic for `npm run bench:dashboard` (bench/dashboard.ts): deterministic events in realistic
// proportions — 2,000 users (a few very active), 12 teams, 20 apps, 8 models; personal data, secrets,
// prompt attacks, topics, code and toxicity; decisions with every outcome, as a policy would take them.
import type { Decision, Event, Finding } from '@parapet/core';

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const USERS = 2000;
const TEAMS = [
  'eng',
  'sales',
  'legal',
  'finance',
  'hr',
  'support',
  'marketing',
  'ops',
  'data',
  'security',
  'exec',
  'design',
];
const APPS = Array.from({ length: 20 }, (_, i) => `app-${String(i + 1).padStart(2, '0')}`);
const MODELS: Array<{ name: string; provider: string; inPerM: number; outPerM: number; weight: number }> = [
  { name: 'gpt-4o-mini', provider: 'openai', inPerM: 0.15, outPerM: 0.6, weight: 40 },
  { name: 'gpt-4o', provider: 'openai', inPerM: 2.5, outPerM: 10, weight: 15 },
  { name: 'o3-mini', provider: 'openai', inPerM: 1.1, outPerM: 4.4, weight: 5 },
  { name: 'claude-sonnet', provider: 'anthropic', inPerM: 3, outPerM: 15, weight: 15 },
  { name: 'claude-haiku', provider: 'anthropic', inPerM: 0.8, outPerM: 4, weight: 10 },
  { name: 'gemini-flash', provider: 'google', inPerM: 0.1, outPerM: 0.4, weight: 7 },
  { name: 'llama-private', provider: 'local', inPerM: 0, outPerM: 0, weight: 6 },
  { name: 'mistral-small', provider: 'mistral', inPerM: 0.2, outPerM: 0.6, weight: 2 },
];
const MODEL_WEIGHT = MODELS.reduce((n, m) => n + m.weight, 0);
/** The model whose weight range holds `at` (0 ≤ at < MODEL_WEIGHT). */
function pickModel(at: number): (typeof MODELS)[number] {
  let left = at;
  for (const m of MODELS) {
    left -= m.weight;
    if (left < 0) return m;
  }
  return MODELS[0]!;
}
const PII = ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'CREDIT_CARD', 'US_SSN', 'IBAN_CODE', 'LOCATION'];
const TOPICS = ['legal', 'finance', 'health', 'hr', 'security', 'code-review', 'marketing', 'travel'];

const finding = (family: string, type: string, score: number): Finding => ({
  family,
  type,
  score,
  segment: 1,
  span: { start: 0, end: 8 },
  detector: `${family}.bench`,
});

const decision = (
  action: Decision['action'],
  ruleId: string | null,
  extra: Partial<Decision> = {},
): Decision => ({
  action,
  ruleId,
  findings: [],
  failures: [],
  tags: [],
  ...extra,
});

/** The events of one batch: `count` events from index `first`, times increasing from `startMs` over `spanMs`. */
export function syntheticBatch(
  first: number,
  count: number,
  totalEvents: number,
  startMs: number,
  spanMs: number,
): Event[] {
  const out: Event[] = [];
  for (let i = first; i < first + count; i++) {
    const next = random(i * 7919 + 17);
    const u = Math.floor(USERS * next() ** 2.5);
    const groups = [TEAMS[u % TEAMS.length]!];
    if (u % 2 === 0) groups.push('all-staff');
    if (u % 10 === 3) groups.push('contractors');
    const app = next() < 0.7 ? APPS[u % APPS.length]! : APPS[Math.floor(next() * APPS.length)]!;
    const model = pickModel(next() * MODEL_WEIGHT);
    const input: Finding[] = [];
    const output: Finding[] = [];
    if (next() < 0.3) input.push(finding('pii', PII[Math.floor(next() * PII.length)]!, 0.95));
    if (next() < 0.1) input.push(finding('pii', 'EMAIL_ADDRESS', 0.99));
    if (next() < 0.04) input.push(finding('secrets', next() < 0.5 ? 'AWS_ACCESS_KEY' : 'GITHUB_TOKEN', 0.99));
    if (next() < 0.02) input.push(finding('prompt_attack', 'INSTRUCTION_OVERRIDE', 0.7 + next() * 0.3));
    if (next() < 0.45) input.push(finding('topics', TOPICS[Math.floor(next() * TOPICS.length)]!, 0.8));
    if (next() < 0.1) input.push(finding('code', 'python', 0.9));
    if (next() < 0.02) input.push(finding('toxicity', 'INSULT', 0.85));
    if (next() < 0.03) output.push(finding('pii', 'PERSON', 0.9));
    const has = (family: string, type?: string) =>
      input.some((f) => f.family === family && (type === undefined || f.type === type));
    let inputDecision: Decision;
    if (has('secrets')) inputDecision = decision('block', 'block-secrets');
    else if (has('prompt_attack') && next() < 0.8) inputDecision = decision('block', 'attacks');
    else if (has('topics', 'finance') && groups.includes('contractors'))
      inputDecision = decision('allow', null, {
        approval: {
          id: `ap-${i}`,
          ruleId: 'contractor-finance',
          status: 'approved',
          by: 'rev',
          at: null,
          reason: null,
        },
      });
    else if (has('topics', 'legal') && next() < 0.5)
      inputDecision = decision('route', 'legal-private', { routeTo: 'llama-private' });
    else if (has('pii', 'CREDIT_CARD') || has('pii', 'US_SSN'))
      inputDecision = decision('redact', 'mask-ids', {
        redactions: [{ ruleId: 'mask-ids', mode: 'tokenize', findings: [0] }],
      });
    else if (has('toxicity')) inputDecision = decision('warn', 'coach');
    else if (has('code')) inputDecision = decision('monitor', 'code', { tags: ['code'] });
    else inputDecision = decision('allow', null);
    const blocked = inputDecision.action === 'block';
    const outputDecision = blocked
      ? null
      : output.length > 0 && next() < 0.5
        ? decision('redact', 'mask-out', {
            redactions: [{ ruleId: 'mask-out', mode: 'mask', findings: [0] }],
          })
        : next() < 0.005
          ? decision('block', 'harmful-out')
          : decision('allow', null);
    const failed = !blocked && next() < 0.01;
    const inputTokens = 50 + Math.floor(next() * 1500);
    const outputTokens = blocked || failed ? 0 : 20 + Math.floor(next() * 800);
    const costUsd = (inputTokens * model.inPerM + outputTokens * model.outPerM) / 1e6;
    const time = new Date(startMs + Math.floor(((i + next()) / totalEvents) * spanMs)).toISOString();
    out.push({
      id: `bench-${String(i).padStart(8, '0')}`,
      time,
      principal: {
        keyId: `key-${u}`,
        user: `user-${String(u).padStart(4, '0')}`,
        groups,
        app,
        via: 'key',
      },
      route: 'chat.completions',
      provider: model.provider,
      modelRequested: model.name,
      modelServed: inputDecision.action === 'route' ? 'llama-private' : model.name,
      stream: next() < 0.6,
      httpStatus: blocked ? 403 : failed ? 502 : 200,
      status: blocked ? 'blocked' : failed ? 'upstream_error' : 'success',
      errorCode: blocked ? 'PARAPET_POLICY_BLOCKED' : failed ? 'PARAPET_UPSTREAM_UNAVAILABLE' : null,
      latency: { totalMs: 420.5, upstreamTtfbMs: 180.2, upstreamTotalMs: 410.1, overheadMs: 10.4 },
      usage: { inputTokens, outputTokens, estimated: false },
      costUsd,
      findings: { input, output },
      decision: { input: inputDecision, output: outputDecision },
      contentMode: 'redacted',
      content:
        '{"input":[{"source":"user","text":"Please summarise the contract for [PERSON_1] and email [EMAIL_ADDRESS_1]"}],"output":[{"source":"completion","text":"Here is a summary."}]}',
    });
  }
  return out;
}
