import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Detector } from '../../../src/detectors/contract.ts';
import {
  createDictionaryDetector,
  dictionaryDefinition,
} from '../../../src/detectors/dictionary/dictionary.ts';
import type { Finding } from '../../../src/model/finding.ts';

const scan = (d: Detector, text: string): Finding[] =>
  d.inspect([{ index: 2, source: 'user', path: 'messages[2]', text }], { direction: 'input' }) as Finding[];

describe('dictionary detector', () => {
  const detector = createDictionaryDetector({
    terms: [
      { term: 'Project Falcon', type: 'PROJECT_CODE_NAME' },
      { term: 'Falcon' },
      { term: 'Acme Corp', type: 'CUSTOMER' },
      { term: 'Müller GmbH', type: 'CUSTOMER' },
    ],
  });

  test('finds terms case-insensitively as whole words, longest first, with exact offsets', () => {
    const text =
      'Status of PROJECT FALCON for acme corp; falconry is unrelated. Falcon again, and MÜLLER GMBH.';
    const findings = scan(detector, text);
    assert.deepEqual(
      findings.map((f) => [f.type, text.slice(f.span!.start, f.span!.end)]),
      [
        ['PROJECT_CODE_NAME', 'PROJECT FALCON'],
        ['CUSTOMER', 'acme corp'],
        ['CUSTOM_TERM', 'Falcon'],
        ['CUSTOMER', 'MÜLLER GMBH'],
      ],
    );
    for (const f of findings) {
      assert.equal(f.family, 'dictionary');
      assert.equal(f.segment, 2);
      assert.equal(f.detector, 'dictionary.term');
      assert.ok(!f.explanation?.toLowerCase().includes('falcon'));
    }
  });

  test('case-sensitive and substring modes', () => {
    const strict = createDictionaryDetector({
      terms: [{ term: 'ACME' }],
      case_sensitive: true,
      whole_words: false,
    });
    assert.equal(scan(strict, 'acme ACMEcorp').length, 1);
  });

  test('no terms, empty text; invalid settings rejected when built', () => {
    assert.deepEqual(scan(createDictionaryDetector(), 'anything'), []);
    assert.deepEqual(scan(detector, ''), []);
    assert.throws(() => createDictionaryDetector({ terms: [{ term: '   ' }] }));
    assert.throws(() => dictionaryDefinition.settings.parse({ terms: [{ term: 'x', type: 'bad type!' }] }));
    const built = dictionaryDefinition.create(
      dictionaryDefinition.settings.parse({ terms: [{ term: 'x' }] }),
    );
    assert.equal(scan(built, 'a x b').length, 1);
  });
});
