/**
 * `parapet discover` through runCli: real fixture files (plain, gzip, standard input), results stored in
 * a real SQLite file and read back through the discovery store, `--json`, `--no-store`, malformed-line
 * reports, the progress bar on a terminal, and clear errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PROGRESS_MIN_BYTES } from '../../src/cli/commands/discover.ts';
import { runCli } from '../../src/cli/main.ts';
import { createDiscoveryStore } from '../../src/store/discovery-store.ts';
import { openStore } from '../../src/store/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'discovery', 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'parapet-discover-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A working directory with a minimal parapet.yaml; its data directory is `data/`. */
function workspace(): { cwd: string; dataDir: string } {
  const cwd = mkdtempSync(join(root, `ws-${counter++}-`));
  writeFileSync(join(cwd, 'parapet.yaml'), 'upstreams:\n  openai: { type: openai, api_key: sk-test }\n');
  return { cwd, dataDir: join(cwd, 'data') };
}

async function run(
  argv: string[],
  cwd: string,
  options: { stdin?: AsyncIterable<string | Buffer>; tty?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: Object.assign(
      { write: (text: string) => (stderr += text) },
      options.tty === true ? { isTTY: true } : {},
    ),
    env: { USER: 'secops' },
    cwd,
    now: () => new Date('2024-06-21T08:00:00.000Z'),
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
  return { code, stdout, stderr };
}

async function stored(dataDir: string) {
  const store = await openStore({ url: null, dataDir });
  try {
    const ds = createDiscoveryStore(store.sql);
    return {
      runs: await ds.listRuns(),
      services: await ds.listServiceUsage(),
      candidates: await ds.listCandidates(),
    };
  } finally {
    await store.close();
  }
}

describe('parapet discover', () => {
  test('a squid log: a table of services and candidates, malformed lines reported, results stored', async () => {
    const { cwd, dataDir } = workspace();
    const out = await run(['discover', '--format', 'squid', join(FIXTURES, 'squid-access.log')], cwd);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^11 lines, 8 requests, 3 malformed; 6 requests to 4 AI services, 1 candidate hosts/,
    );
    assert.match(out.stdout, /ChatGPT \(chatgpt\) +OpenAI +chat +1 +3 /);
    assert.match(out.stdout, /Claude \(claude\)/);
    assert.match(out.stdout, /gpt4free\.example\.net +1 +1 .*`gpt` in label `gpt4free`/);
    assert.doesNotMatch(out.stdout, /www\.example\.com/);
    assert.match(
      out.stderr,
      /squid-access\.log: 3 malformed lines skipped \(line 8: .*; line 9: .*; line 10: /,
    );
    assert.match(out.stderr, /stored as run drun_/);

    const db = await stored(dataDir);
    assert.equal(db.runs.length, 1);
    assert.deepEqual(
      {
        source: db.runs[0]!.source,
        actor: db.runs[0]!.actor,
        files: db.runs[0]!.files,
        lines: db.runs[0]!.lines,
        malformed: db.runs[0]!.malformed,
        matched: db.runs[0]!.matched,
        startedAt: db.runs[0]!.startedAt,
      },
      {
        source: 'cli',
        actor: 'secops',
        files: ['squid-access.log'],
        lines: 11,
        malformed: 3,
        matched: 6,
        startedAt: '2024-06-21T08:00:00.000Z',
      },
    );
    assert.deepEqual(
      db.services.map((s) => [s.serviceId, s.users, s.requests, s.bytesDown]),
      [
        ['chatgpt', 1, 3, 6042 + 1532 + 7781],
        ['anthropic-api', 1, 1, 2210],
        ['claude', 1, 1, 48213],
        ['deepseek', 1, 1, 3912],
      ],
    );
    assert.deepEqual(
      db.candidates.map((c) => [c.host, c.users]),
      [['gpt4free.example.net', 1]],
    );

    // A second import adds to the totals.
    const again = await run(['discover', '-f', 'squid', '--quiet', join(FIXTURES, 'squid-access.log')], cwd);
    assert.equal(again.code, 0);
    assert.equal(again.stderr, '');
    const after2 = await stored(dataDir);
    assert.equal(after2.runs.length, 2);
    assert.equal(after2.services.find((s) => s.serviceId === 'chatgpt')!.requests, 6);
  });

  test('--json --no-store with several files, one gzip: one JSON object, nothing written', async () => {
    const { cwd, dataDir } = workspace();
    const gz = join(cwd, 'nss.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(FIXTURES, 'zscaler-nss.log'))));
    const out = await run(
      ['discover', '--format', 'zscaler', '--json', '--no-store', gz, join(FIXTURES, 'zscaler-nss-tab.log')],
      cwd,
    );
    assert.equal(out.code, 0, out.stderr);
    const answer = JSON.parse(out.stdout);
    assert.equal(answer.run, null);
    assert.deepEqual([answer.lines, answer.records, answer.malformed, answer.matched], [9, 5, 4, 3]);
    assert.deepEqual(
      answer.files.map((f: { malformed: number }) => f.malformed),
      [4, 0],
    );
    assert.deepEqual(answer.files[0].malformedSamples[0], {
      line: 5,
      reason: 'expected at least 9 fields, found 3',
    });
    assert.deepEqual(
      answer.services.map((s: { id: string; bytesUp: number }) => [s.id, s.bytesUp]),
      [
        ['chatgpt', 48213],
        ['claude', 2210],
        ['gemini', 3000],
      ],
    );
    assert.equal(answer.services[0].trainsOnUserData, 'yes');
    assert.deepEqual(
      answer.candidates.map((c: { host: string }) => c.host),
      ['copilot.cloudapps.example.net'],
    );
    assert.match(out.stderr, /not stored \(--no-store\)/);
    assert.equal(existsSync(dataDir), false);
  });

  test('standard input with `-`', async () => {
    const { cwd } = workspace();
    const text = readFileSync(join(FIXTURES, 'proxy.csv'));
    async function* stdin() {
      yield text.subarray(0, 100);
      yield text.subarray(100);
    }
    const out = await run(['discover', '--format', 'csv', '--no-store', '--json', '-'], cwd, {
      stdin: stdin(),
    });
    assert.equal(out.code, 0, out.stderr);
    const answer = JSON.parse(out.stdout);
    assert.deepEqual(answer.files[0].name, '-');
    assert.deepEqual([answer.records, answer.malformed], [5, 3]);
  });

  test('the progress bar is drawn on a terminal for large files, and not with --quiet', async () => {
    const { cwd } = workspace();
    const big = join(cwd, 'big.log');
    const line =
      '1718893751.123 1 10.0.0.1 TCP_TUNNEL/200 100 CONNECT chatgpt.com:443 alice HIER_DIRECT/1.2.3.4 -\n';
    writeFileSync(big, line.repeat(Math.ceil(PROGRESS_MIN_BYTES / line.length) + 1000));
    const shown = await run(['discover', '--format', 'squid', '--no-store', big], cwd, { tty: true });
    assert.equal(shown.code, 0);
    assert.match(shown.stderr, /\r\[[#-]{30}\] +\d+% /);
    assert.ok(shown.stderr.includes('\r\u001b[K'));
    const quiet = await run(['discover', '--format', 'squid', '--no-store', '--quiet', big], cwd, {
      tty: true,
    });
    assert.equal(quiet.stderr, '');
    const piped = await run(['discover', '--format', 'squid', '--no-store', big], cwd);
    assert.doesNotMatch(piped.stderr, /\r\[/);
  });

  test('a log in another format than --format says so and fails; nothing is stored', async () => {
    const { cwd, dataDir } = workspace();
    const out = await run(['discover', '--format', 'cef', join(FIXTURES, 'squid-access.log')], cwd);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /no line could be read as `cef` \(11 malformed\); check `--format`/);
    assert.equal((await stored(dataDir)).runs.length, 0);
  });

  test('usage and file errors: one line each', async () => {
    const { cwd } = workspace();
    const unknown = await run(['discover', '--format', 'syslog', 'x.log'], cwd);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /option `--format` must be one of `squid`, `csv`, `w3c`, `zscaler`, `cef`, not `syslog`/,
    );
    const none = await run(['discover', '--format', 'squid'], cwd);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing argument <file>/);
    const missing = await run(['discover', '--format', 'squid', '--no-store', join(cwd, 'nope.log')], cwd);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^parapet: cannot read `.*nope\.log`; check the path and permissions\n$/);
    const header = join(cwd, 'bad.csv');
    writeFileSync(header, 'time,user\n2024-06-20T15:00:00Z,alice\n');
    const bad = await run(['discover', '--format', 'csv', '--no-store', header], cwd);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /cannot read the log as `csv`: the CSV header `time,user` has no host or URL column/,
    );
  });

  test('--help shows the variadic file argument', async () => {
    const out = await run(['discover', '--help'], root);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^Usage: parapet discover \[options\] <file>\.\.\./);
    assert.match(out.stdout, /--no-store|--store/);
  });
});
