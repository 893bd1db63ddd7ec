/**
 * docs/operations.md's example SIEM receiver, run as written: extracted from the Markdown, started as a
 * child process, and fed by a real sink. It prints each event id once, refuses a forged body, and drops a
 * repeated delivery.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSiemExporter, signSiemBody } from '../../src/siem/index.ts';
import { createSqliteStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../store/store-fixtures.ts';
import { timedEvents } from './siem-contract.ts';

const SECRET = 'docs-example-secret-0a1b2c3d4e5f';
const doc = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');

/** The ```js block right after the `siem-receiver-example` marker. */
function exampleReceiver(): string {
  const marker = doc.indexOf('<!-- siem-receiver-example -->');
  assert.ok(marker >= 0, 'the marker is in docs/operations.md');
  const start = doc.indexOf('```js\n', marker) + '```js\n'.length;
  return doc.slice(start, doc.indexOf('\n```', start));
}

let tmp: ReturnType<typeof tempDir>;
let child: ChildProcess;
let url: string;
const printed: string[] = [];

before(async () => {
  tmp = tempDir('parapet-siem-docs-');
  const file = join(tmp.dir, 'receiver.mjs');
  writeFileSync(file, exampleReceiver());
  child = spawn(process.execPath, [file], {
    env: { PATH: process.env['PATH'] ?? '', PARAPET_SIEM_SECRET: SECRET, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const lines = out.split('\n');
    out = lines.pop()!;
    printed.push(...lines);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const m = /listening on (\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`the example receiver exited (${code}): ${err}`)));
  });
  url = `http://127.0.0.1:${port}/`;
});

after(() => {
  child?.kill();
  tmp?.remove();
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

test('the documented receiver verifies a real sink’s deliveries and keeps each event once', async () => {
  const store: Store = createSqliteStore({ dataDir: join(tmp.dir, 'data') });
  try {
    const t0 = Date.parse('2025-06-01T10:00:00.000Z');
    const events = timedEvents('doc', 5, t0);
    await store.insertEvents(events);
    const config = buildConfig(
      { siem: { url, secret: SECRET, batch_size: 2, delay_ms: 0, start: 'beginning' } },
      { env: {} },
    );
    const sink = createSiemExporter({
      store,
      config,
      contentKey: null,
      logger: createLogger({ level: 'silent' }),
      now: () => t0 + 60_000,
    });
    assert.deepEqual(await sink.runOnce(), { state: 'caught-up', delivered: 5, batches: 3 });
    await sink.stop();
    await until(() => printed.length >= 5);
    assert.deepEqual(
      printed.map((line) => JSON.parse(line)).sort(),
      events.map((e) => e.id),
    );

    // A forged body is refused; a repeated delivery is acknowledged and not kept twice.
    const body = `${JSON.stringify({ id: 'forged' })}\n`;
    const forged = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'x-parapet-signature': signSiemBody('not-the-secret-000', body),
        'x-parapet-delivery': 'dlv_x',
      },
    });
    assert.equal(forged.status, 401);
    const signed = { 'x-parapet-signature': signSiemBody(SECRET, body), 'x-parapet-delivery': 'dlv_once' };
    assert.equal((await fetch(url, { method: 'POST', body, headers: signed })).status, 204);
    assert.equal((await fetch(url, { method: 'POST', body, headers: signed })).status, 204);
    await until(() => printed.length >= 6);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(printed.slice(5), ['"forged"']);
  } finally {
    await store.close();
  }
});
