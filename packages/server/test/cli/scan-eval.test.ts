import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-scan-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: dir,
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
  });
  return { code, stdout, stderr };
}

describe('parapet scan', () => {
  test('a text argument prints one JSON result and exits 0 whatever it found', async () => {
    const r = await run(['scan', 'write to ada@example.com']);
    assert.equal(r.code, 0);
    const result = JSON.parse(r.stdout);
    assert.equal(result.flagged, true);
    assert.equal(result.detections.pii.entities[0].type, 'EMAIL_ADDRESS');
    assert.deepEqual(
      [result.detections.pii.entities[0].start, result.detections.pii.entities[0].end],
      [9, 24],
    );
    const clean = await run(['scan', 'what is the capital of france']);
    assert.equal(clean.code, 0);
    assert.equal(JSON.parse(clean.stdout).flagged, false);
  });

  test('--file and --detectors', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'deploy with AKIAZ7VRSQ5TJ3XWB2LM and mail ada@example.com');
    const r = await run(['scan', '--file', file, '--detectors', 'secrets']);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(result.detections), ['secrets']);
    assert.equal(result.detections.secrets.entities[0].type, 'AWS_ACCESS_KEY');
  });

  test('--jsonl: one line out per line in, same ids, bad lines get an error line and the run goes on', async () => {
    const input = [
      JSON.stringify({ id: 'a', text: 'mail ada@example.com' }),
      'not json',
      JSON.stringify({ id: 7, input: 42 }),
      JSON.stringify({ id: 'b', messages: [{ role: 'user', content: 'hello' }] }),
      '',
    ].join('\n');
    const r = await run(['scan', '--jsonl'], input);
    assert.equal(r.code, 0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.equal(lines[0].id, 'a');
    assert.equal(lines[0].flagged, true);
    assert.deepEqual(lines[1], {
      id: null,
      error: { code: 'PARAPET_REQUEST_MALFORMED_JSON', message: 'line 2 is not valid JSON' },
    });
    assert.equal(lines[2].id, 7);
    assert.equal(lines[2].error.code, 'PARAPET_REQUEST_INVALID');
    assert.equal(lines[3].id, 'b');
    assert.equal(lines[3].flagged, false);
  });

  test('usage errors are one line with exit code 2', async () => {
    const r = await run(['scan']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /exactly one of/);
    const unknown = await run(['scan', '--detectors', 'nope', 'x']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown detector `nope`/);
  });
});

describe('parapet eval', () => {
  const data = join(dir, 'pii.jsonl');
  writeFileSync(
    data,
    [
      {
        id: 'd-1',
        text: 'mail ada@example.com now',
        label: 'pii',
        spans: [{ start: 5, end: 20, type: 'EMAIL_ADDRESS' }],
      },
      {
        id: 'd-2',
        text: 'call +44 20 7946 0958 please',
        label: 'pii',
        spans: [{ start: 5, end: 21, type: 'PHONE_NUMBER' }],
      },
      { id: 'd-3', text: 'what a lovely day', label: 'no_pii', spans: [] },
      {
        id: 'd-4',
        text: 'the ssn field is empty',
        label: 'pii',
        spans: [{ start: 0, end: 3, type: 'US_SSN' }],
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );

  test('text-level and span-level metrics with latency', async () => {
    const r = await run(['eval', '--dataset', data, '--task', 'pii', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.records, 4);
    assert.deepEqual([report.binary.tp, report.binary.fn, report.binary.tn, report.binary.fp], [2, 1, 1, 0]);
    assert.equal(report.spans.exact.byType.EMAIL_ADDRESS.f1, 1);
    assert.equal(report.spans.overlap.byType.US_SSN.recall, 0);
    assert.equal(typeof report.latencyMs.p50, 'number');
    const text = await run(['eval', '--dataset', data, '--task', 'pii', '--split', 'odd']);
    assert.match(text.stdout, /split odd: 2 records/);
    assert.match(text.stdout, /per type/);
  });

  test('missing arguments are usage errors', async () => {
    assert.equal((await run(['eval', '--task', 'pii'])).code, 2);
    assert.equal((await run(['eval', '--dataset', join(dir, 'missing.jsonl'), '--task', 'pii'])).code, 2);
  });
});
