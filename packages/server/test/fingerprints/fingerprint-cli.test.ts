import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCliCaptured } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-fp-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => mkdtempSync(join(root, `d${counter++}-`));

const WORDS =
  'orchard lantern velvet granite harbor whisper falcon meadow copper ribbon thunder saffron glacier ' +
  'compass marble violet anchor cinder juniper quartz nimbus tundra willow ember cobalt prism sable ' +
  'canyon delta fjord garnet hazel ivory jasper kelp lagoon mosaic nectar onyx pebble quill';
/** A deterministic 500-word document. */
function documentText(): string {
  const vocabulary = WORDS.split(' ');
  const out: string[] = [];
  let state = 2024;
  for (let i = 0; i < 500; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(vocabulary[(state >>> 8) % vocabulary.length]!);
    if (i % 12 === 11) out[out.length - 1] += '.';
  }
  return out.join(' ');
}

const cli = (argv: string[], cwd: string) => runCliCaptured(argv, { cwd });

describe('parapet fingerprint add|list|remove', () => {
  test('add prints id, name and count (never content); list and remove work on the data dir', async () => {
    const cwd = freshDir();
    const text = documentText();
    writeFileSync(join(cwd, 'plan.txt'), text);
    writeFileSync(join(cwd, 'other.txt'), 'short other document about nothing in particular');
    const dataDir = join(cwd, 'data');
    const added = await cli(['fingerprint', 'add', 'plan.txt', 'other.txt', '--data-dir', dataDir], cwd);
    assert.equal(added.code, 0, added.stderr);
    const lines = added.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^fp_[0-9a-f]{12}\tplan\.txt\t\d+ fingerprints$/);
    for (const word of text.split(' ').slice(0, 20)) assert.ok(!added.stdout.includes(word.replace('.', '')));

    const named = await cli(
      ['fingerprint', 'add', 'plan.txt', '--name', 'Q3 plan', '--json', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(named.code, 0);
    const { id, name, count } = JSON.parse(named.stdout) as { id: string; name: string; count: number };
    assert.equal(name, 'Q3 plan');
    assert.ok(count > 50);

    const listed = await cli(['fingerprint', 'list', '--json', '--data-dir', dataDir], cwd);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { name: string }[]).map((d) => d.name),
      ['plan.txt', 'other.txt', 'Q3 plan'],
    );
    const table = await cli(['fingerprint', 'list', '--data-dir', dataDir], cwd);
    assert.match(table.stdout, new RegExp(`^${id}\\tQ3 plan\\t${count} fingerprints$`, 'm'));

    const removed = await cli(['fingerprint', 'remove', id, '--data-dir', dataDir], cwd);
    assert.deepEqual([removed.code, removed.stdout], [0, `removed ${id}\n`]);
    const again = await cli(['fingerprint', 'remove', id, '--data-dir', dataDir], cwd);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no protected document with id/);
  });

  test('errors: missing file, binary file, --name with several files, no arguments', async () => {
    const cwd = freshDir();
    const dataDir = join(cwd, 'data');
    const missing = await cli(['fingerprint', 'add', 'nope.txt', '--data-dir', dataDir], cwd);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read `.*nope\.txt`/);
    writeFileSync(join(cwd, 'bin.dat'), Buffer.from([1, 0, 2, 3]));
    const binary = await cli(['fingerprint', 'add', 'bin.dat', '--data-dir', dataDir], cwd);
    assert.equal(binary.code, 1);
    assert.match(binary.stderr, /looks binary/);
    writeFileSync(join(cwd, 'a.txt'), 'a b c');
    const twoNamed = await cli(
      ['fingerprint', 'add', 'a.txt', 'a.txt', '--name', 'x', '--data-dir', dataDir],
      cwd,
    );
    assert.equal(twoNamed.code, 2);
    assert.equal((await cli(['fingerprint', 'add'], cwd)).code, 2);
    const empty = await cli(['fingerprint', 'list', '--data-dir', dataDir], cwd);
    assert.deepEqual([empty.code, empty.stdout], [0, '']);
  });
});
