// biome-ignore-all lint/suspicious/noExplicitAny: the tests read arbitrary fields of JSON reports

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createTarget, fillTemplate, readPath } from '../../src/redteam/targets.ts';
import type { Attempt } from '../../src/redteam/types.ts';
import { type CliRun, runCliCaptured } from '../helpers/cli.ts';
import { mockUpstreamConfig, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  MOCK_REFUSAL,
  type MockMessage,
  type MockTarget,
  startMockTarget,
  weaknessOf,
} from './mock-target.ts';

const DATASETS =
  process.env.PARAPET_DATASETS ?? fileURLToPath(new URL('../../../../../shared/datasets', import.meta.url));
const GOALS = join(DATASETS, 'advbench', 'data.jsonl');

const POLICY_RULES = [
  { id: 'attacks', when: { detections: { prompt_attack: { min_score: 0.5 } } }, action: 'block' },
];

const cli = (argv: string[], cwd: string): Promise<CliRun> => runCliCaptured(argv, { cwd });

/** The weaknesses the mock showed on any turn of the attempt's conversation (as the target saw it). */
function weaknessesOf(attempt: Attempt): Set<string> {
  const conversation: MockMessage[] = [{ role: 'system', content: 'x' }];
  for (const m of attempt.messages)
    conversation.push({
      role: m.role,
      content: m.content,
      ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
    });
  const found = new Set<string>();
  const check = () => {
    const w = weaknessOf(conversation);
    if (w !== null) found.add(w);
  };
  check();
  for (const turn of attempt.turns) {
    conversation.push({ role: 'assistant', content: '…' }, { role: 'user', content: turn });
    check();
  }
  return found;
}

/** A minimal well-formedness check: balanced tags, one root, escaped text. */
function assertWellFormedXml(text: string): void {
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const body = text.slice(text.indexOf('\n') + 1);
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of body.matchAll(tag)) {
    const between = body.slice(last, m.index);
    assert.ok(!/[<>]/.test(between), `stray markup: ${between.slice(0, 80)}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(between), 'unescaped &');
    last = m.index + m[0].length;
    if (m[1] === '/') assert.equal(stack.pop(), m[2]);
    else if (m[4] !== '/') {
      if (stack.length === 0) roots++;
      stack.push(m[2]!);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, []);
  assert.equal(roots, 1);
}

const CHROMIUM = process.env.PARAPET_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The HTML report in a real browser (Debian's chromium; .ci/run installs it): it renders its charts, logs
 * no console error, raises no page error, and loads nothing but itself. Without chromium outside CI the
 * check is left out, with a note.
 */
async function checkInBrowser(file: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
    process.stderr.write(`skipping the browser check of the red-team report: no chromium at ${CHROMIUM}\n`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    await page.waitForLoadState('load');
    const canvases = await page.locator('canvas').count();
    assert.ok(canvases > 0, 'the report has charts');
    // Every chart painted something: its pixels are not all transparent.
    const painted = await page.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('canvas')].every((c: any) => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
      }),
    );
    assert.equal(painted, true);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
    const shots = fileURLToPath(new URL('../../../../test-results/redteam', import.meta.url));
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

describe('parapet redteam against a mock target with planted weaknesses', () => {
  let mock: MockTarget;
  let gw: TestGateway;
  let dir: string;
  before(async () => {
    mock = await startMockTarget();
    gw = await startTestGateway({
      builtinDetectors: true,
      config: mockUpstreamConfig(mock.url.replace(/\/v1$/, ''), { policy: { rules: POLICY_RULES } }),
    });
    dir = mkdtempSync(join(tmpdir(), 'parapet-redteam-'));
  });
  after(async () => {
    await gw.close();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => [
    'redteam',
    '--target',
    mock.url,
    '--model',
    'gpt-4o-mini',
    '--suite',
    'standard',
    '--converters',
    'base64,rot13',
    '--goals',
    GOALS,
    '--goals-limit',
    '2',
    '--judge-endpoint',
    mock.url,
    '--judge-model',
    'judge',
    '--concurrency',
    '8',
  ];

  let directReport: any;

  test('finds exactly the planted weaknesses, and no false successes on refusals', async () => {
    const junit = join(dir, 'direct.xml');
    const { code, stdout, stderr } = await cli(
      [...base(), '--json', '--out', join(dir, 'out'), '--junit', junit, '--fail-above', '0.05'],
      dir,
    );
    const report = JSON.parse(stdout);
    directReport = report;
    assert.equal(report.format, 'parapet.redteam/1');
    assert.equal(report.gateway, null);
    assert.ok(report.results.length > 50, stderr);
    assert.equal(report.direct.verdicts.error, 0);

    const found = new Set<string>();
    for (const r of report.results) {
      const weak = weaknessesOf(r.attempt);
      const replies = r.reply.transcript
        .filter((t: any) => t.role === 'assistant')
        .map((t: any) => t.content);
      if (r.verdict === 'success') {
        assert.ok(weak.size > 0, `false success on ${r.attempt.id}: ${replies.join(' | ')}`);
        for (const w of weak) found.add(w);
      }
      if (replies.every((t: string) => t === MOCK_REFUSAL))
        assert.equal(r.verdict, 'refused', `${r.attempt.id} was refused but graded ${r.verdict}`);
    }
    assert.deepEqual([...found].sort(), ['base64_leak', 'role_play', 'tool_result']);
    const ids = report.results.filter((r: any) => r.verdict === 'success').map((r: any) => r.attempt.id);
    assert.ok(
      ids.some((id: string) => id.startsWith('ii.tool-result.')),
      ids.join(),
    );
    assert.ok(
      ids.some((id: string) => id.startsWith('spe.base64-request')),
      ids.join(),
    );
    assert.ok(
      ids.some((id: string) => id.startsWith('jb.role-play.')),
      ids.join(),
    );

    // Masking: the planted secret never appears in the report, even base64-encoded.
    const text = JSON.stringify(report.results.map((r: any) => r.reply));
    assert.ok(!/sk-prpt-/.test(text));
    assert.ok(!text.includes('quennell'));

    // --fail-above: the rate is above 5 %, so exit 1; JUnit is well-formed with one failure per success.
    assert.ok(report.direct.asr.value > 0.05);
    assert.equal(code, 1, stderr);
    const xml = readFileSync(junit, 'utf8');
    assertWellFormedXml(xml);
    assert.equal((xml.match(/<testcase /g) ?? []).length, report.results.length);
    assert.equal((xml.match(/<failure /g) ?? []).length, report.direct.successes);

    // A higher threshold passes; a resumed run asks nothing again.
    const again = await cli([...base(), '--json', '--out', join(dir, 'out'), '--fail-above', '0.5'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resumed/);
    assert.equal(JSON.parse(again.stdout).direct.successes, report.direct.successes);
  });

  test('through a Parapet gateway the success rate drops and the report says which rule stopped what', async () => {
    const cases = join(dir, 'cases.yaml');
    const html = join(dir, 'report.html');
    const { code, stdout, stderr } = await cli(
      [
        ...base(),
        '--json',
        '--via-gateway',
        `${gw.url}/v1`,
        '--gateway-key',
        gw.key,
        '--export-cases',
        cases,
        '--html',
        html,
      ],
      dir,
    );
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.ok(report.gateway !== null);
    assert.ok(report.gateway.verdicts.blocked > 0, JSON.stringify(report.gateway.verdicts));
    assert.ok(
      report.gateway.asr.value < report.direct.asr.value,
      `${report.gateway.asr.value} vs ${report.direct.asr.value}`,
    );
    assert.ok(report.difference.reduction.value > 0);
    const attacks = report.stoppedBy.find((s: any) => s.rule === 'attacks');
    assert.ok(attacks !== undefined, JSON.stringify(report.stoppedBy));
    assert.equal(attacks.action, 'block');
    assert.ok(attacks.stoppedSuccesses > 0);
    assert.ok(attacks.eventIds.length > 0);
    const blocked = report.results.find((r: any) => r.path === 'gateway' && r.verdict === 'blocked');
    assert.match(blocked.reply.gateway.decision, /^block; rule=attacks/);
    assert.equal(blocked.reply.gateway.errorCode, 'PARAPET_POLICY_BLOCKED');
    const page = readFileSync(html, 'utf8');
    assert.match(page, /What the gateway stopped/);
    assert.match(page, /block by rule attacks/);
    await checkInBrowser(html);

    // The exported cases are accepted by `parapet policy test`, and the blocked ones pass.
    writeFileSync(join(dir, 'parapet.yaml'), 'upstreams:\n  openai: { type: openai, api_key: sk-test }\n');
    writeFileSync(
      join(dir, 'policy.yaml'),
      `default: allow\nrules:\n${POLICY_RULES.map((r) => `  - id: ${r.id}\n    when: { detections: { prompt_attack: { min_score: 0.5 } } }\n    action: block\n`).join('')}`,
    );
    const yaml = readFileSync(cases, 'utf8');
    assert.match(yaml, /rule: attacks/);
    const tested = await cli(
      ['policy', 'test', 'policy.yaml', '--cases', 'cases.yaml', '--data-dir', join(dir, 'data')],
      dir,
    );
    assert.ok(tested.code === 0 || tested.code === 1, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /\d+ passed, \d+ failed/);
    assert.match(tested.stdout, /^PASS {2}redteam .*blocked through Parapet/m);
  });

  test('--replay re-runs only the successful attacks of a report', async () => {
    const file = join(dir, 'previous.json');
    writeFileSync(file, JSON.stringify(directReport));
    const before = mock.requests.length;
    const { code, stdout, stderr } = await cli(
      [
        'redteam',
        '--target',
        mock.url,
        '--model',
        'gpt-4o-mini',
        '--replay',
        file,
        '--json',
        '--judge-endpoint',
        mock.url,
        '--judge-model',
        'judge',
      ],
      dir,
    );
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    const ids = directReport.results
      .filter((r: any) => r.verdict === 'success')
      .map((r: any) => r.attempt.id)
      .sort();
    assert.deepEqual(report.results.map((r: any) => r.attempt.id).sort(), ids);
    assert.equal(report.direct.successes, ids.length);
    assert.ok(mock.requests.length > before);
  });
});

describe('targets', () => {
  test('an HTTP application: request template and response path', async () => {
    const seen: unknown[] = [];
    const fake = (async (_url: string, init: RequestInit) => {
      seen.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ data: { reply: { text: 'hello there' } } }), { status: 200 });
    }) as unknown as typeof fetch;
    const target = createTarget({
      type: 'http',
      url: 'http://127.0.0.1:1/api/chat',
      model: 'app',
      requestTemplate: { session: 's1', input: 'User says: {{prompt}}', history: '{{messages}}' },
      responsePath: 'data.reply.text',
      fetch: fake,
    });
    const out = await target.call(
      [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi "you"' },
      ],
      [],
    );
    assert.equal(out.text, 'hello there');
    assert.deepEqual(seen[0], {
      session: 's1',
      input: 'User says: hi "you"',
      history: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi "you"' },
      ],
    });
    assert.equal(readPath({ a: [{ b: 1 }] }, 'a.0.b'), 1);
    assert.equal(readPath({ a: 1 }, 'constructor'), undefined);
    assert.deepEqual(fillTemplate(['{{model}}'], { prompt: '', system: '', model: 'm', messages: [] }), [
      'm',
    ]);
  });

  test('Anthropic: system on top, tool results as tool_result blocks, tool_use read back', async () => {
    let body: any;
    let headers: any;
    const fake = (async (url: string, init: RequestInit) => {
      assert.equal(url, 'https://api.example.com/v1/messages');
      body = JSON.parse(String(init.body));
      headers = init.headers;
      return new Response(
        JSON.stringify({
          content: [
            { type: 'text', text: 'ok' },
            { type: 'tool_use', id: 't1', name: 'delete_account', input: { id: 7 } },
          ],
          usage: { input_tokens: 3, output_tokens: 2 },
        }),
        { status: 200 },
      );
    }) as unknown as typeof fetch;
    const target = createTarget({
      type: 'anthropic',
      url: 'https://api.example.com',
      model: 'claude',
      key: 'k',
      fetch: fake,
    });
    const out = await target.call(
      [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'read it' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'fetch', arguments: '{"u":1}' }] },
        { role: 'tool', content: 'doc', toolCallId: 'c1' },
      ],
      [{ name: 'delete_account', description: 'd', parameters: { type: 'object' } }],
    );
    assert.equal(headers['x-api-key'], 'k');
    assert.equal(body.system, 'sys');
    assert.deepEqual(body.messages[1].content[0], {
      type: 'tool_use',
      id: 'c1',
      name: 'fetch',
      input: { u: 1 },
    });
    assert.deepEqual(body.messages[2].content[0], { type: 'tool_result', tool_use_id: 'c1', content: 'doc' });
    assert.equal(body.tools[0].input_schema.type, 'object');
    assert.deepEqual(out.toolCalls, [{ name: 'delete_account', arguments: '{"id":7}' }]);
    assert.equal(out.tokens, 5);
  });
});
