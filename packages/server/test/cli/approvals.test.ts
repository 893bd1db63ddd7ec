import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';
import { type ApprovalRecord, createSqliteStore } from '../../src/store/index.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-approvals-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const NOW = new Date('2030-01-01T12:00:00.000Z');

/** Runs the CLI in a fresh working directory with an empty environment, capturing output. */
async function run(argv: string[], now: Date = NOW) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: mkdtempSync(join(root, `cwd-${counter++}-`)),
    now: () => now,
  });
  return { code, stdout, stderr };
}

type NewApproval = Omit<ApprovalRecord, 'status' | 'decidedBy' | 'decidedAt' | 'reason'>;

function approval(id: string, minutesAgo: number, overrides: Partial<NewApproval> = {}): NewApproval {
  const created = new Date(NOW.getTime() - minutesAgo * 60_000);
  return {
    id,
    eventId: `ev-${id}`,
    ruleId: 'contractors-finance-needs-approval',
    principal: { keyId: 'key_1', user: 'alice', groups: ['contractors'], app: 'chat-web' },
    model: 'gpt-4o-mini',
    summary: 'question about the Q3 budget for [PERSON_1]',
    findings: [{ family: 'topics', type: 'finance', score: 0.91 }],
    createdAt: created.toISOString(),
    expiresAt: new Date(created.getTime() + 60 * 60_000).toISOString(),
    ...overrides,
  };
}

/** A data directory whose SQLite store holds `approvals`, written the way the gateway writes them. */
async function dataDirWith(approvals: readonly NewApproval[]): Promise<string> {
  const dataDir = mkdtempSync(join(root, 'data-'));
  const store = createSqliteStore({ dataDir, writerThread: false });
  try {
    for (const a of approvals) await store.createApproval(a);
  } finally {
    await store.close();
  }
  return dataDir;
}

/** Reads one approval back from the data directory. */
async function stored(dataDir: string, id: string): Promise<ApprovalRecord | null> {
  const store = createSqliteStore({ dataDir, writerThread: false });
  try {
    return await store.getApproval(id);
  } finally {
    await store.close();
  }
}

describe('approvals list', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await dataDirWith([
      approval('ap-old', 2 * 24 * 60, { expiresAt: '2031-01-01T00:00:00.000Z' }),
      approval('ap-hour', 90, { principal: { keyId: null, user: null, groups: [], app: null }, model: null }),
      approval('ap-new', 0.5, {
        summary: `line one\nline two\u001b[31m red ${'x'.repeat(100)}`,
      }),
      approval('ap-done', 10),
    ]);
    const store = createSqliteStore({ dataDir, writerThread: false });
    await store.decideApproval('ap-done', {
      status: 'denied',
      by: 'bob',
      reason: 'no',
      at: '2030-01-01T11:55:00.000Z',
    });
    await store.close();
  });

  test('the default table shows the pending approvals, newest first, with age and summary', async () => {
    const { code, stdout, stderr } = await run(['approvals', 'list', '--data-dir', dataDir]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +AGE +RULE +USER +APP +MODEL +SUMMARY$/);
    assert.equal(lines.length, 4);
    assert.match(
      lines[1]!,
      /^ap-new +30s +contractors-finance-needs-approval +alice +chat-web +gpt-4o-mini +line one line two /,
    );
    assert.match(lines[2]!, /^ap-hour +1h +contractors-finance-needs-approval +- +- +- +question about/);
    assert.match(lines[3]!, /^ap-old +2d +/);
    assert.ok(!stdout.includes('\u001b'), 'no control characters reach the terminal');
    assert.ok(lines[1]!.endsWith('…'), 'long summaries are cut');
    assert.ok(!stdout.includes('ap-done'));
  });

  test('--status filters; a non-pending list shows the status column', async () => {
    const denied = await run(['approvals', 'list', '--status', 'denied', '--data-dir', dataDir]);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^ID +AGE +STATUS +RULE/);
    assert.match(denied.stdout, /\nap-done +10m +denied +contractors/);
    const all = await run(['approvals', 'list', '--status', 'all', '--data-dir', dataDir]);
    assert.equal(all.stdout.trimEnd().split('\n').length, 5);
    const expired = await run(['approvals', 'list', '--status', 'expired', '--data-dir', dataDir]);
    assert.deepEqual([expired.code, expired.stdout, expired.stderr], [0, '', 'no expired approvals\n']);
  });

  test('--json prints one approval object per line', async () => {
    const { code, stdout } = await run(['approvals', 'list', '--json', '--data-dir', dataDir]);
    assert.equal(code, 0);
    const records = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ApprovalRecord);
    assert.deepEqual(
      records.map((r) => r.id),
      ['ap-new', 'ap-hour', 'ap-old'],
    );
    assert.deepEqual(records[2], {
      ...approval('ap-old', 2 * 24 * 60, { expiresAt: '2031-01-01T00:00:00.000Z' }),
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    });
    const limited = await run(['approvals', 'list', '--json', '--limit', '1', '--data-dir', dataDir]);
    assert.equal(limited.stdout.trimEnd().split('\n').length, 1);
  });

  test('an empty store says so; a bad --status or --limit is a usage error', async () => {
    const empty = await run(['approvals', 'list', '--data-dir', join(root, 'fresh-data')]);
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', 'no pending approvals\n']);
    const badStatus = await run(['approvals', 'list', '--status', 'held', '--data-dir', dataDir]);
    assert.equal(badStatus.code, 2);
    assert.equal(
      badStatus.stderr,
      'parapet: option `--status` must be one of pending, approved, denied, expired, all, not `held` (see `parapet approvals list --help`)\n',
    );
    const badLimit = await run(['approvals', 'list', '--limit', '0', '--data-dir', dataDir]);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /option `--limit` must be an integer from 1 to 10000, not `0`/);
  });
});

describe('approvals approve and deny', () => {
  test('approve records who, when and why; a second decision fails naming the status', async () => {
    const dataDir = await dataDirWith([approval('ap-1', 5)]);
    const ok = await run([
      'approvals',
      'approve',
      'ap-1',
      '--reason',
      'budget owner confirmed',
      '--by',
      'carol',
      '--data-dir',
      dataDir,
    ]);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'approved ap-1\n', '']);
    const record = await stored(dataDir, 'ap-1');
    assert.equal(record?.status, 'approved');
    assert.equal(record?.decidedBy, 'carol');
    assert.equal(record?.decidedAt, NOW.toISOString());
    assert.equal(record?.reason, 'budget owner confirmed');

    const again = await run(['approvals', 'deny', 'ap-1', '--reason', 'too late', '--data-dir', dataDir]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.equal(
      again.stderr,
      `parapet: approval \`ap-1\` is already approved by carol at ${NOW.toISOString()}; it can no longer be decided\n`,
    );
    assert.equal((await stored(dataDir, 'ap-1'))?.status, 'approved');
  });

  test('deny needs a reason; --by defaults to the operating-system user', async () => {
    const dataDir = await dataDirWith([approval('ap-2', 5)]);
    const missing = await run(['approvals', 'deny', 'ap-2', '--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr,
      'parapet: missing required option `--reason <text>` (see `parapet approvals deny --help`)\n',
    );
    const blank = await run(['approvals', 'deny', 'ap-2', '--reason', '  ', '--data-dir', dataDir]);
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /option `--reason` must not be empty/);
    assert.equal((await stored(dataDir, 'ap-2'))?.status, 'pending');

    const denied = await run([
      'approvals',
      'deny',
      'ap-2',
      '--reason',
      'contractors may not see budgets',
      '--data-dir',
      dataDir,
    ]);
    assert.deepEqual([denied.code, denied.stdout], [0, 'denied ap-2\n']);
    const record = await stored(dataDir, 'ap-2');
    assert.equal(record?.status, 'denied');
    assert.equal(record?.reason, 'contractors may not see budgets');
    let expectedUser = 'cli';
    try {
      expectedUser = userInfo().username || 'cli';
    } catch {}
    assert.equal(record?.decidedBy, expectedUser);
  });

  test('approve without a reason records null', async () => {
    const dataDir = await dataDirWith([approval('ap-3', 5)]);
    const ok = await run(['approvals', 'approve', 'ap-3', '--by', 'dave', '--data-dir', dataDir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await stored(dataDir, 'ap-3'))?.reason, null);
  });

  test('an unknown id, or an approval past its expiry, exits 1 with one line', async () => {
    const dataDir = await dataDirWith([approval('ap-late', 120, { expiresAt: '2030-01-01T11:00:00.000Z' })]);
    const unknown = await run(['approvals', 'approve', 'ap-nope', '--data-dir', dataDir]);
    assert.deepEqual(
      [unknown.code, unknown.stdout, unknown.stderr],
      [1, '', 'parapet: no approval with id `ap-nope`; see `parapet approvals list`\n'],
    );
    const late = await run(['approvals', 'approve', 'ap-late', '--data-dir', dataDir]);
    assert.deepEqual(
      [late.code, late.stderr],
      [1, 'parapet: approval `ap-late` expired at 2030-01-01T11:00:00.000Z; it can no longer be decided\n'],
    );
    assert.equal((await stored(dataDir, 'ap-late'))?.status, 'pending');
  });

  test('missing id is a usage error', async () => {
    const { code, stderr } = await run(['approvals', 'approve']);
    assert.equal(code, 2);
    assert.equal(stderr, 'parapet: missing argument <id> (see `parapet approvals approve --help`)\n');
  });
});
