import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encryptContent, loadContentKey } from '../../src/store/content-crypto.ts';
import { createSqliteStore } from '../../src/store/index.ts';
import { finding, storedEvent } from '../policy/simulate-fixtures.ts';
import { run, workspace } from './policy-cli-helpers.ts';

const CANDIDATE = `rules:
  - id: block-secrets
    when: { direction: input, detections: { secrets: {} } }
    action: block
  - id: redact-pii
    when: { direction: input, destination: { tags: [public] }, detections: { pii: { types: [EMAIL_ADDRESS] } } }
    action: redact
`;
const NOW = { now: new Date('2025-03-08T00:00:00.000Z') };

async function fill(dataDir: string, encrypt = false) {
  const key = encrypt ? loadContentKey({ dataDir }).key : null;
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'token ghp_Zx8Kq2Lm9Np4Rt7Vw1Yb3Cd5Fg6Hj0Ks2Qe' }],
  };
  const store = createSqliteStore({ dataDir, writerThread: false });
  try {
    await store.insertEvents([
      storedEvent('old', { time: '2025-02-01T00:00:00.000Z', input: [finding('pii', 'EMAIL_ADDRESS')] }),
      storedEvent('s1', { time: '2025-03-02T00:00:00.000Z', input: [finding('secrets', 'GENERIC_SECRET')] }),
      storedEvent('p1', { time: '2025-03-03T00:00:00.000Z', input: [finding('pii', 'EMAIL_ADDRESS')] }),
      storedEvent('p2', { time: '2025-03-04T00:00:00.000Z', input: [finding('pii', 'EMAIL_ADDRESS')] }),
      storedEvent('p3', { time: '2025-03-05T00:00:00.000Z', input: [finding('pii', 'EMAIL_ADDRESS')] }),
      storedEvent('enc', {
        time: '2025-03-06T00:00:00.000Z',
        contentMode: key === null ? 'none' : 'encrypted',
        content: key === null ? null : encryptContent(key, JSON.stringify({ request: body, response: null })),
      }),
      storedEvent('red', {
        time: '2025-03-07T00:00:00.000Z',
        contentMode: 'redacted',
        content: '{"input":[]}',
      }),
    ]);
  } finally {
    await store.close();
  }
}

describe('policy simulate', () => {
  test('reports the changed decisions of the window by action and rule, with example ids', async () => {
    const { cwd, dataDir } = workspace({ 'new.yaml': CANDIDATE });
    await fill(dataDir);
    const { code, stdout, stderr } = await run(
      ['policy', 'simulate', '--policy', 'new.yaml', '--since', '7d', '--data-dir', dataDir],
      cwd,
      NOW,
    );
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      [
        'scanned 6 events from 2025-03-01T00:00:00.000Z to now; 12 decisions compared (input 6, output 6)',
        '3 decisions would change (3 events; input 3, output 0)',
        '',
        'by action (stored -> candidate):',
        '  CHANGE           COUNT  EXAMPLE EVENTS',
        '  allow -> redact  3      p3, p2, p1',
        '',
        'by deciding rule in the candidate:',
        '  RULE        COUNT  EXAMPLE EVENTS',
        '  redact-pii  3      p3, p2, p1',
        '',
      ].join('\n'),
    );
  });

  test('--json, --until and --limit', async () => {
    const { cwd, dataDir } = workspace({ 'new.yaml': CANDIDATE });
    await fill(dataDir);
    const args = ['policy', 'simulate', '--policy', 'new.yaml', '--data-dir', dataDir, '--json'];
    const windowed = await run([...args, '--since', '2025-03-01', '--until', '2025-03-04'], cwd, NOW);
    assert.equal(windowed.code, 0, windowed.stderr);
    const out = JSON.parse(windowed.stdout);
    assert.deepEqual(out.window, { since: '2025-03-01T00:00:00.000Z', until: '2025-03-04T00:00:00.000Z' });
    assert.deepEqual([out.eventsScanned, out.decisionsChanged, out.truncated], [2, 1, false]);
    assert.deepEqual(out.byRule, [{ ruleId: 'redact-pii', count: 1, examples: ['p1'] }]);
    assert.equal(out.rescan, null);
    const limited = JSON.parse((await run([...args, '--limit', '2'], cwd, NOW)).stdout);
    assert.deepEqual([limited.eventsScanned, limited.truncated], [2, true]);
    const text = await run(
      ['policy', 'simulate', '--policy', 'new.yaml', '--data-dir', dataDir, '--limit', '2'],
      cwd,
      NOW,
    );
    assert.match(
      text.stdout,
      /\nnote: only the newest 2 events since 2025-03-01T00:00:00\.000Z could be read/,
    );
  });

  test('--rescan decrypts with the data directory key; redacted and content-less events are counted', async () => {
    const { cwd, dataDir } = workspace({ 'new.yaml': CANDIDATE });
    await fill(dataDir, true);
    const { code, stdout, stderr } = await run(
      ['policy', 'simulate', '--policy', 'new.yaml', '--rescan', '--json', '--data-dir', dataDir],
      cwd,
      NOW,
    );
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout);
    assert.deepEqual(out.rescan, { rescanned: 1, notRescannable: 5, unreadable: 0 });
    assert.deepEqual(out.byTransition, [
      { from: 'allow', to: 'redact', count: 3, examples: ['p3', 'p2', 'p1'] },
      { from: 'allow', to: 'block', count: 1, examples: ['enc'] },
    ]);
  });

  test('an invalid candidate is refused; bad windows are usage errors', async () => {
    const { cwd, dataDir } = workspace({ 'bad.yaml': 'rules:\n  - id: x\n    action: route\n' });
    const bad = await run(['policy', 'simulate', '--policy', 'bad.yaml', '--data-dir', dataDir], cwd, NOW);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^bad\.yaml:2:5: error: a `route` rule needs `route_to/);
    const cases: Array<[string[], RegExp]> = [
      [['--since', 'last week'], /`--since` must be a duration such as `7d`/],
      [['--since', '1d', '--until', '2d'], /`--until` must be after `--since`/],
      [['--limit', '0'], /`--limit` must be an integer from 1 to 5000000/],
      [['--limit', '6000000'], /`--limit` must be an integer from 1 to 5000000/],
    ];
    for (const [extra, expected] of cases) {
      const r = await run(
        ['policy', 'simulate', '--policy', 'bad.yaml', ...extra, '--data-dir', dataDir],
        cwd,
        NOW,
      );
      assert.equal(r.code, 2, extra.join(' '));
      assert.match(r.stderr, expected);
    }
    const missing = await run(['policy', 'simulate', '--data-dir', dataDir], cwd);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required option `--policy <file>`/);
  });
});
