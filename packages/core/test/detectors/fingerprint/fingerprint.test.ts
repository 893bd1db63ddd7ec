import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Detector } from '../../../src/detectors/contract.ts';
import {
  createFingerprintDetector,
  fingerprintDefinition,
  fingerprintDocument,
  locateFingerprints,
} from '../../../src/detectors/fingerprint/fingerprint.ts';
import type { Finding } from '../../../src/model/finding.ts';
import type { Segment } from '../../../src/model/segment.ts';

const VOCABULARY = (
  'quarterly revenue pipeline merger acquisition board approved strategy market regional expansion ' +
  'supplier contract renewal margin forecast headcount hiring freeze budget capital expenditure plant ' +
  'logistics warehouse customer churn retention pricing discount premium tier launch roadmap milestone ' +
  'engineering platform migration cloud vendor negotiation legal review compliance audit finding risk ' +
  'mitigation committee chair director officer shareholder dividend payout reserve treasury currency ' +
  'hedge exposure europe asia americas north south central division unit team project phase delivery ' +
  'schedule delay penalty clause warranty liability insurance claim settlement partner channel reseller'
).split(' ');

/** A deterministic pseudo-random document of `count` words, in sentences with punctuation. */
function makeDocument(count: number, seed: number): string[] {
  const out: string[] = [];
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(VOCABULARY[(state >>> 8) % VOCABULARY.length]!);
  }
  return out;
}

function render(words: readonly string[], width: number): string {
  const lines: string[] = [];
  let line = '';
  words.forEach((word, i) => {
    const token = i % 11 === 10 ? `${word}.` : i % 7 === 3 ? `${word},` : word;
    if (line.length + token.length + 1 > width && line !== '') {
      lines.push(line);
      line = '';
    }
    line = line === '' ? token : `${line} ${token}`;
  });
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

const documentWords = makeDocument(500, 7);
const documentText = render(documentWords, 90);
const protectedSet = { id: 'doc-1', name: 'board minutes', ...fingerprintDocument(documentText) };
const detector = createFingerprintDetector({ documents: [protectedSet] });
const seg = (text: string, index = 0): Segment => ({ index, source: 'user', path: 'messages[0]', text });
const inspect = (d: Detector, segments: readonly Segment[]): Finding[] =>
  d.inspect(segments, { direction: 'input' }) as Finding[];

describe('fingerprintDocument', () => {
  test('is deterministic, sorted, distinct and insensitive to case, punctuation and wrapping', () => {
    const a = fingerprintDocument(documentText);
    assert.ok(a.count > 100, `count ${a.count}`);
    assert.equal(a.count, a.fingerprints.length);
    assert.deepEqual(
      [...a.fingerprints].sort((x, y) => x - y),
      a.fingerprints,
    );
    assert.equal(new Set(a.fingerprints).size, a.count);
    for (const hash of a.fingerprints) assert.ok(Number.isSafeInteger(hash) && hash >= 0);
    const reshaped = render(documentWords, 40).toUpperCase().replaceAll(',', ' ;  ');
    assert.deepEqual(fingerprintDocument(reshaped), a);
  });

  test('empty and short texts', () => {
    assert.deepEqual(fingerprintDocument(''), { fingerprints: [], count: 0 });
    assert.deepEqual(fingerprintDocument(' ,.; '), { fingerprints: [], count: 0 });
    assert.equal(fingerprintDocument('three short words').count, 1);
  });

  test('located fingerprints point at words of the original text', () => {
    const text = `  Intro — ${render(documentWords.slice(0, 40), 30)}`;
    for (const f of locateFingerprints(text)) {
      assert.match(text.slice(f.start, f.start + 1), /[a-z]/i);
      assert.match(text.slice(f.end - 1, f.end), /[a-z]/i);
    }
  });

  test('rejects bad options', () => {
    assert.throws(() => fingerprintDocument('x', { k: 0 }), /shingle length/);
    assert.throws(() => fingerprintDocument('x', { window: 100 }), /winnowing window/);
  });
});

describe('fingerprint detector', () => {
  const excerptWords = documentWords.slice(200, 260);
  const excerpt = render(excerptWords, 70);

  test('flags a 60-word excerpt, with the span on the excerpt', () => {
    const prefix = 'Can you summarise this for me?\n\n';
    const text = prefix + excerpt;
    const [finding, ...rest] = inspect(detector, [seg(text)]);
    assert.equal(rest.length, 0);
    assert.ok(finding);
    assert.equal(finding.family, 'fingerprint');
    assert.equal(finding.type, 'DOCUMENT_FINGERPRINT');
    assert.equal(finding.detector, 'fingerprint.document');
    assert.ok(finding.score >= 0.5, `score ${finding.score}`);
    assert.ok(finding.span!.start >= prefix.length - 1 && finding.span!.start < prefix.length + 30);
    assert.ok(finding.span!.end > text.length - 30 && finding.span!.end <= text.length);
    assert.ok(!finding.explanation!.includes(excerptWords[0]!));
  });

  test('flags the excerpt with 3 words changed, re-wrapped and re-cased', () => {
    const edited = [...excerptWords];
    edited[14] = 'banana';
    edited[31] = 'umbrella';
    edited[47] = 'xylophone';
    const text = render(edited, 33).toUpperCase();
    const findings = inspect(detector, [seg(text)]);
    assert.equal(findings.length, 1);
    assert.ok(findings[0]!.score >= 0.5);
  });

  test('flags an excerpt embedded in a longer prompt of unrelated text', () => {
    const filler = render(
      makeDocument(120, 99).map((w) => `${w}s`),
      80,
    );
    const text = `${filler}\n\n${excerpt}\n\n${filler}`;
    const findings = inspect(detector, [seg(text, 3)]);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.segment, 3);
    assert.ok(findings[0]!.span!.start >= filler.length);
    assert.ok(findings[0]!.span!.end <= filler.length + 2 + excerpt.length);
  });

  test('does not flag unrelated text or a 10-word overlap', () => {
    const unrelated = render(makeDocument(80, 12345), 80);
    assert.deepEqual(inspect(detector, [seg(unrelated)]), []);
    const overlap = `Our plans are nothing like yours: ${documentWords.slice(300, 310).join(' ')}. ${render(
      makeDocument(40, 4242).map((w) => `${w}ed`),
      80,
    )}`;
    assert.deepEqual(inspect(detector, [seg(overlap)]), []);
    assert.deepEqual(inspect(createFingerprintDetector({ documents: [] }), [seg(excerpt)]), []);
  });

  test('reports which of several documents matched, and does not mutate segments', () => {
    const other = { id: 'doc-2', name: 'other', ...fingerprintDocument(render(makeDocument(300, 555), 80)) };
    const both = fingerprintDefinition.create(
      fingerprintDefinition.settings.parse({ documents: [other, protectedSet] }),
    );
    const segments = Object.freeze([Object.freeze(seg(excerpt))]);
    const findings = inspect(both, segments);
    assert.equal(findings.length, 1);
    assert.match(findings[0]!.explanation ?? '', /`doc-1`/);
  });
});
