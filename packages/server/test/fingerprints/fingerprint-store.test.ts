import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Finding } from '@parapet/core';
import { createFingerprintDetector } from '@parapet/core';
import {
  addFingerprintDocument,
  FINGERPRINTS_FILE,
  loadFingerprints,
  removeFingerprintDocument,
} from '../../src/fingerprints/fingerprint-store.ts';

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

describe('fingerprint store', () => {
  test('stores only hashes, mode 0600, and the loaded sets drive the detector', async () => {
    const dir = freshDir();
    const text = documentText();
    const set = await addFingerprintDocument(dir, { name: 'plan', text });
    assert.match(set.id, /^fp_[0-9a-f]{12}$/);
    const path = join(dir, FINGERPRINTS_FILE);
    const stored = readFileSync(path, 'utf8');
    for (const word of new Set(text.toLowerCase().match(/[a-z]+/g))) {
      assert.ok(!stored.toLowerCase().includes(word), `stored file contains \`${word}\``);
    }
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const documents = await loadFingerprints(dir);
    assert.deepEqual(documents, [set]);
    const excerpt = text.split(' ').slice(100, 160).join(' ');
    const findings = createFingerprintDetector({ documents }).inspect(
      [{ index: 0, source: 'user', path: 'm', text: excerpt }],
      { direction: 'input' },
    ) as Finding[];
    assert.equal(findings.length, 1);
    assert.equal(await removeFingerprintDocument(dir, set.id), true);
    assert.equal(await removeFingerprintDocument(dir, set.id), false);
    assert.deepEqual(await loadFingerprints(dir), []);
  });

  test('a missing file is empty; a corrupt file is an error that does not echo its content', async () => {
    const dir = freshDir();
    assert.deepEqual(await loadFingerprints(dir), []);
    writeFileSync(join(dir, FINGERPRINTS_FILE), '{"version": 1, "secret-ish words"');
    await assert.rejects(loadFingerprints(dir), (error: Error) => {
      assert.match(error.message, /is not valid JSON/);
      assert.ok(!error.message.includes('secret-ish'));
      return true;
    });
  });
});
