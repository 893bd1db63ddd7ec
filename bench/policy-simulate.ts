// The policy simulation benchmark: `node --import tsx bench/policy-simulate.ts`. Fills a temporary SQLite
// store with 100,000 synthetic events through the store API (insertEvents, as the gateway's recorder
// does), then replays all of them against a candidate policy and times it: reading from the store, and
// re-evaluating. The target: 100,000 stored events in under 10 s. Also times the `--rescan` path
// (decrypt + every built-in detector) on a sample of encrypted events.
//
// Two paths are timed: an incremental simulation fed per user (10 users × 10,000), and what
// `parapet policy simulate` does: readEventWindow (keyset paging over the whole window) then simulatePolicy.
//
//   node --import tsx bench/policy-simulate.ts            # full run, prepends a section to bench/RESULTS.md
//   node --import tsx bench/policy-simulate.ts --quick    # 10,000 events, nothing written
//   node --import tsx bench/policy-simulate.ts --json     # machine-readable report on stdout

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compilePolicy, type Event, type Finding, PolicyDocument } from '@parapet/core';
import { buildConfig } from '../packages/server/src/config/index.ts';
import { detectorsForConfig } from '../packages/server/src/detectors/builtin.ts';
import { createSimulation, readEventWindow, simulatePolicy } from '../packages/server/src/policy/simulate.ts';
import { encryptContent, loadContentKey } from '../packages/server/src/store/content-crypto.ts';
import { createSqliteStore } from '../packages/server/src/store/index.ts';
import { prependResultsSection } from './report.ts';

const TARGET_MS = 10_000;
const USERS = 10;
const PER_QUERY = 10_000;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    'rescan-sample': { type: 'string', default: '2000' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const total = args.quick ? 10_000 : Number(args.events);
const rescanSample = args.quick ? 200 : Number(args['rescan-sample']);
if (!Number.isInteger(total) || total < USERS || total > USERS * PER_QUERY) {
  throw new Error(`--events must be an integer from ${USERS} to ${USERS * PER_QUERY}`);
}
const log = (text: string) => process.stderr.write(`${text}\n`);

/** The policy the stored events were decided under. */
const STORED = PolicyDocument.parse({
  groups: ['staff', 'contractors', 'engineering'],
  rules: [
    { id: 'block-secrets', when: { direction: 'input', detections: { secrets: {} } }, action: 'block' },
    {
      id: 'redact-pii',
      when: { direction: 'input', detections: { pii: { types: ['EMAIL_ADDRESS', 'PHONE_NUMBER'] } } },
      action: 'redact',
    },
    { id: 'attacks', when: { detections: { prompt_attack: { min_score: 0.8 } } }, action: 'block' },
  ],
});

/** The candidate: stricter on PII and topics, route and hold rules, a time window, combinators. */
const CANDIDATE = PolicyDocument.parse({
  groups: ['staff', 'contractors', 'engineering'],
  global: { blocked_apps: ['shadow-*'] },
  rules: [
    { id: 'block-secrets', when: { direction: 'input', detections: { secrets: {} } }, action: 'block' },
    { id: 'attacks', when: { detections: { prompt_attack: { min_score: 0.7 } } }, action: 'block' },
    {
      id: 'redact-pii-public',
      when: {
        direction: 'input',
        destination: { tags: ['public'] },
        detections: { pii: { types: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON', 'CREDIT_CARD'] } },
      },
      action: 'redact',
    },
    {
      id: 'legal-private',
      when: { detections: { topics: { labels: ['legal'], min_score: 0.6 } } },
      action: 'route',
      route_to: 'private',
    },
    {
      id: 'contractors-finance',
      when: { groups: ['contractors'], detections: { topics: { labels: ['finance'] } } },
      action: 'hold',
    },
    {
      id: 'night-code',
      when: { all: [{ time: { between: ['22:00', '06:00'] } }, { detections: { code: {} } }] },
      action: 'warn',
      message: 'source code at night needs a reason',
    },
    { id: 'monitor-toxic', when: { detections: { toxicity: {} } }, action: 'monitor', tags: ['toxic'] },
    {
      id: 'leak-cards',
      when: { direction: 'output', detections: { pii: { types: ['CREDIT_CARD', 'US_SSN'] } } },
      action: 'redact',
    },
  ],
});

/** A small deterministic generator (mulberry32), so every run stores the same events. */
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

const FINDINGS: Array<[string, string]> = [
  ['pii', 'EMAIL_ADDRESS'],
  ['pii', 'PHONE_NUMBER'],
  ['pii', 'PERSON'],
  ['pii', 'CREDIT_CARD'],
  ['secrets', 'GENERIC_SECRET'],
  ['topics', 'legal'],
  ['topics', 'finance'],
  ['code', 'python'],
  ['prompt_attack', 'INSTRUCTION_OVERRIDE'],
  ['toxicity', 'INSULT'],
];

function syntheticEvents(count: number, now: number, key: Buffer): Event[] {
  const next = random(42);
  const stored = compilePolicy(STORED, 1);
  const groups = [['staff'], ['contractors'], ['engineering', 'staff']];
  const out: Event[] = [];
  const secretBody = JSON.stringify({
    request: {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        {
          role: 'user',
          content: 'Please mail jane.doe@example.org about token ghp_Zx8Kq2Lm9Np4Rt7Vw1Yb3Cd5Fg6Hj0Ks2Qe',
        },
      ],
    },
    response: { streamed: true, text: 'Done. Her card 4111 1111 1111 1111 is on file.', toolCalls: [] },
  });
  for (let i = 0; i < count; i++) {
    const user = `u${i % USERS}`;
    // Spread over 7 days, newest first for i = 0 within each user.
    const time = new Date(now - Math.floor((i / count) * 7 * 86_400_000) - 1000).toISOString();
    const pick = (): Finding => {
      const [family, type] = FINDINGS[Math.floor(next() * FINDINGS.length)]!;
      return {
        family,
        type,
        score: Math.round((0.5 + next() / 2) * 100) / 100,
        segment: 1,
        span: { start: 0, end: 8 },
        detector: `${family}.bench`,
      };
    };
    const input = Array.from({ length: Math.floor(next() * 3) }, pick);
    const output = Array.from({ length: next() < 0.2 ? 1 : 0 }, pick);
    const model = next() < 0.8 ? 'gpt-4o-mini' : 'private';
    const principal = {
      keyId: `key_${i % 50}`,
      user,
      groups: groups[i % groups.length]!,
      app: 'chat-web',
      via: 'key' as const,
    };
    const decide = (direction: 'input' | 'output', findings: Finding[]) =>
      stored.evaluate({
        direction,
        principal: { ...principal, models: null },
        model,
        provider: model === 'private' ? 'local' : 'openai',
        stream: true,
        modelTags: model === 'private' ? ['private'] : ['public'],
        findings,
        failures: [],
        now: new Date(time),
      });
    // The newest events of user u0 carry encrypted content, for the rescan sample.
    const encrypted = user === 'u0' && i < rescanSample * USERS;
    out.push({
      id: `ev_${String(i).padStart(7, '0')}`,
      time,
      principal,
      route: 'chat.completions',
      provider: model === 'private' ? 'local' : 'openai',
      modelRequested: model,
      modelServed: model,
      stream: true,
      httpStatus: 200,
      status: 'success',
      errorCode: null,
      latency: { totalMs: 420.5, upstreamTtfbMs: 180.2, upstreamTotalMs: 410.1, overheadMs: 10.4 },
      usage: { inputTokens: 120, outputTokens: 80, estimated: false },
      costUsd: 0.00012,
      findings: { input, output },
      decision: { input: decide('input', input), output: decide('output', output) },
      contentMode: encrypted ? 'encrypted' : 'redacted',
      content: encrypted
        ? encryptContent(key, secretBody)
        : '{"input":[{"source":"system","text":"You are a helpful assistant."},{"source":"user","text":"[EMAIL_ADDRESS] asks about the contract"}],"output":[{"source":"completion","text":"Sure."}]}',
    });
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-bench-simulate-'));
  try {
    const config = buildConfig(
      {
        data_dir: dir,
        upstreams: {
          openai: { type: 'openai', api_key: 'sk-bench' },
          local: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
        },
        models: {
          'gpt-4o-mini': { provider: 'openai', tags: ['public'] },
          private: { provider: 'local', model: 'llama', tags: ['private'] },
        },
      },
      { env: {}, cwd: dir },
    );
    const key = loadContentKey({ dataDir: dir }).key;
    const now = Date.parse('2025-03-08T00:00:00.000Z');
    const since = new Date(now - 7 * 86_400_000 - 60_000).toISOString();

    log(`generating ${total} events…`);
    const events = syntheticEvents(total, now, key);
    const store = createSqliteStore({ dataDir: dir });
    let t = performance.now();
    for (let i = 0; i < events.length; i += 1000) await store.insertEvents(events.slice(i, i + 1000));
    const fillMs = performance.now() - t;
    log(`stored ${await store.countEvents()} events in ${Math.round(fillMs)} ms`);
    events.length = 0;

    const policy = compilePolicy(CANDIDATE);
    // All events: one query per user (each ≤ 10,000), fed to one incremental simulation.
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let readMs = 0;
    let evalMs = 0;
    let peakHeap = heapBefore;
    const simulation = createSimulation({ policy, config });
    const start = performance.now();
    for (let u = 0; u < USERS; u++) {
      t = performance.now();
      const page = await store.queryEvents({ since, user: `u${u}`, limit: PER_QUERY });
      readMs += performance.now() - t;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      t = performance.now();
      for (const event of page) {
        const pending = simulation.add(event);
        if (pending !== undefined) await pending;
      }
      evalMs += performance.now() - t;
    }
    const allMs = performance.now() - start;
    const report = simulation.report();
    log(
      `replayed ${report.eventsScanned} events in ${Math.round(allMs)} ms (read ${Math.round(readMs)}, evaluate ${Math.round(evalMs)})`,
    );

    // What `parapet policy simulate` does: page through the whole window, then re-evaluate.
    t = performance.now();
    const window = await readEventWindow(store, { since, until: null, limit: total });
    const cli = await simulatePolicy(window.events, { policy, config });
    const cliMs = performance.now() - t;

    // --rescan: decrypt and run every built-in detector again, on u0's encrypted events.
    const detectors = await detectorsForConfig(config);
    const sample = await store.queryEvents({
      since,
      user: 'u0',
      limit: Math.max(1, Math.min(rescanSample, PER_QUERY)),
    });
    t = performance.now();
    const rescanned = await simulatePolicy(sample, {
      policy,
      config,
      rescan: { detectors, budgetMs: config.inspection.detector_budget_ms, contentKey: key },
    });
    const rescanMs = performance.now() - t;
    await store.close();

    const result = {
      events: report.eventsScanned,
      decisionsCompared: report.decisionsCompared,
      decisionsChanged: report.decisionsChanged,
      fillMs: round(fillMs),
      readAndSimulateMs: round(allMs),
      readMs: round(readMs),
      evaluateMs: round(evalMs),
      perEventUs: round((allMs * 1000) / report.eventsScanned),
      peakHeapMb: round((peakHeap - heapBefore) / 1048576),
      cliPath: { events: cli.eventsScanned, ms: round(cliMs), truncated: window.truncated },
      rescan: {
        events: rescanned.eventsScanned,
        rescanned: rescanned.rescan?.rescanned ?? 0,
        ms: round(rescanMs),
        perEventMs: round(rescanMs / Math.max(1, rescanned.eventsScanned)),
      },
      targetMs: TARGET_MS,
      met: allMs < TARGET_MS,
      machine: `${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Linux ${release()}, Node ${process.version}`,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${section(result)}\n`);
    if (!args.quick && !args['no-write'] && total === USERS * PER_QUERY) {
      prependResultsSection(join(import.meta.dirname, 'RESULTS.md'), section(result));
      log('prepended a section to bench/RESULTS.md');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function section(r: {
  events: number;
  decisionsCompared: number;
  decisionsChanged: number;
  fillMs: number;
  readAndSimulateMs: number;
  readMs: number;
  evaluateMs: number;
  perEventUs: number;
  peakHeapMb: number;
  cliPath: { events: number; ms: number; truncated: boolean };
  rescan: { events: number; rescanned: number; ms: number; perEventMs: number };
  met: boolean;
  machine: string;
}): string {
  const stamp = new Date().toISOString().slice(0, 19);
  return [
    `## Policy simulation — ${stamp}Z`,
    '',
    `\`node --import tsx bench/policy-simulate.ts\` on ${r.machine}. ${r.events.toLocaleString('en-US')} synthetic events stored in a temporary SQLite store through \`insertEvents\` (batches of 1,000, writer thread), then replayed against an 8-rule candidate policy.`,
    '',
    '| Measure | Value | Target |',
    '| --- | --- | --- |',
    `| Read + re-evaluate all ${r.events.toLocaleString('en-US')} events | ${(r.readAndSimulateMs / 1000).toFixed(2)} s | < 10 s ${r.met ? '✅' : '❌'} |`,
    `| … of which reading (\`queryEvents\`, ${USERS} queries) | ${(r.readMs / 1000).toFixed(2)} s | |`,
    `| … of which re-evaluating (${r.decisionsCompared.toLocaleString('en-US')} decisions, ${r.decisionsChanged.toLocaleString('en-US')} changed) | ${(r.evaluateMs / 1000).toFixed(2)} s | |`,
    `| Per event | ${r.perEventUs} µs | |`,
    `| Heap growth while replaying | ${r.peakHeapMb} MB | |`,
    `| Filling the store | ${(r.fillMs / 1000).toFixed(2)} s | |`,
    `| \`parapet policy simulate\` path (paged read of all ${r.cliPath.events.toLocaleString('en-US')} + re-evaluation) | ${(r.cliPath.ms / 1000).toFixed(2)} s | < 10 s ${r.cliPath.ms < TARGET_MS ? '✅' : '❌'} |`,
    `| \`--rescan\` (decrypt + all built-in detectors), ${r.rescan.events.toLocaleString('en-US')} encrypted events | ${(r.rescan.ms / 1000).toFixed(2)} s (${r.rescan.perEventMs} ms/event) | |`,
    '',
    `The first rows feed an incremental simulation per user (${USERS} queries); the \`parapet policy simulate\` row is the command's own path: \`readEventWindow\` pages through the window 10,000 events at a time (keyset paging on time and id), then \`simulatePolicy\`.`,
  ].join('\n');
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();
