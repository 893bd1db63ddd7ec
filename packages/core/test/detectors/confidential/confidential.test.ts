import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  confidentialDefinition,
  createConfidentialDetector,
} from '../../../src/detectors/confidential/confidential.ts';
import type { Detector } from '../../../src/detectors/contract.ts';
import type { Finding } from '../../../src/model/finding.ts';

const detector = createConfidentialDetector();
const lenient = createConfidentialDetector({ min_score: 0 });
const scan = (text: string, d: Detector = detector): Finding[] =>
  d.inspect([{ index: 0, source: 'user', path: 'messages[0]', text }], { direction: 'input' }) as Finding[];
const covered = (text: string, f: Finding) => text.slice(f.span!.start, f.span!.end);

describe('confidential detector: markers', () => {
  const cases: [string, string, string][] = [
    ['CONFIDENTIAL\n\nQ3 plan: expand into two new regions.', 'CONFIDENTIAL', 'CONFIDENTIAL'],
    ['Strictly confidential\nMinutes of the board meeting', 'CONFIDENTIAL', 'Strictly confidential'],
    ['Notes from the sync\nInternal only', 'INTERNAL_ONLY', 'Internal only'],
    ['Please review the draft below. For internal use only.', 'INTERNAL_ONLY', 'For internal use only'],
    ['Draft agreement - do not distribute', 'INTERNAL_ONLY', 'do not distribute'],
    ['Attorney–Client Privileged\nRe: the pending claim', 'PRIVILEGED', 'Attorney–Client Privileged'],
    ['ATTORNEY—CLIENT PRIVILEGED', 'PRIVILEGED', 'ATTORNEY—CLIENT PRIVILEGED'],
    ['attorney client privileged communication follows', 'PRIVILEGED', 'attorney client privileged'],
    ['Privileged & Confidential\nMemo to the general counsel', 'PRIVILEGED', 'Privileged & Confidential'],
    ['Trade Secret\nFormula notes', 'TRADE_SECRET', 'Trade Secret'],
    ['Classification: Restricted\nBudget figures attached', 'RESTRICTED', 'Restricted'],
    ['TOP SECRET//NOFORN\nSummary of the report', 'SECRET_CLASSIFICATION', 'TOP SECRET'],
    ['This product information is shared under NDA.', 'NDA', 'under NDA'],
    ['Streng vertraulich\nProtokoll der Sitzung', 'CONFIDENTIAL', 'Streng vertraulich'],
    ['Nur für den internen Gebrauch', 'INTERNAL_ONLY', 'Nur für den internen Gebrauch'],
    ['Confidentiel\nCompte rendu', 'CONFIDENTIAL', 'Confidentiel'],
    ['Document à usage interne', 'INTERNAL_ONLY', 'usage interne'],
    ['Confidencial\nInforme trimestral', 'CONFIDENTIAL', 'Confidencial'],
    ['Solo per uso interno', 'INTERNAL_ONLY', 'Solo per uso interno'],
    ['Riservato\nVerbale della riunione', 'CONFIDENTIAL', 'Riservato'],
    ['Vertrouwelijk\nNotulen', 'CONFIDENTIAL', 'Vertrouwelijk'],
    ['Drawing 42-A. Export classification: EAR99', 'EXPORT_CONTROLLED', 'EAR99'],
    ['This data is ITAR controlled and must stay in the US.', 'EXPORT_CONTROLLED', 'ITAR controlled'],
  ];
  for (const [text, type, marked] of cases) {
    test(`${type}: ${marked}`, () => {
      const findings = scan(text);
      const finding = findings.find((f) => f.type === type);
      assert.ok(finding, `no ${type} in ${JSON.stringify(findings)}`);
      assert.equal(covered(text, finding), marked);
      assert.equal(finding.family, 'confidential');
      assert.ok(finding.score >= 0.5 && finding.score <= 1);
      assert.match(finding.detector, /^confidential\.[a-z-]+$/);
    });
  }

  test('NOFORN next to TOP SECRET is its own finding', () => {
    const findings = scan('TOP SECRET//NOFORN');
    assert.deepEqual(
      findings.map((f) => [f.type, f.span]),
      [
        ['SECRET_CLASSIFICATION', { start: 0, end: 10 }],
        ['SECRET_CLASSIFICATION', { start: 12, end: 18 }],
      ],
    );
  });

  test('offsets are exact with astral characters and odd whitespace before the marker', () => {
    const text = '😀😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n\u00a0\tSTRICTLY \u2003 CONFIDENTIAL';
    const [finding] = scan(text);
    assert.ok(finding);
    assert.equal(covered(text, finding), 'STRICTLY \u2003 CONFIDENTIAL');
  });

  test('offsets are exact after a leading U+FEFF and around lone surrogates', () => {
    for (const text of ['\uFEFFCONFIDENTIAL\nQ3 plan', '\uFEFF\uD800 x\nCONFIDENTIAL\n\uDFFF']) {
      const [finding, ...rest] = scan(text);
      assert.equal(rest.length, 0);
      assert.equal(covered(text, finding!), 'CONFIDENTIAL');
    }
  });
});

describe('confidential detector: scoring by position', () => {
  test('header position and capitals score higher than the same word in a sentence', () => {
    const header = scan('CONFIDENTIAL\nThe plan for next year.', lenient)[0]!;
    const mixed = scan('Confidential\nThe plan for next year.', lenient)[0]!;
    const prose = scan(
      'Could you keep this confidential between us, because I have not told anybody at work about my plan yet?',
      lenient,
    )[0]!;
    assert.ok(header.score > mixed.score, `${header.score} > ${mixed.score}`);
    assert.ok(mixed.score > prose.score, `${mixed.score} > ${prose.score}`);
    assert.ok(prose.score < 0.5);
  });

  test('ordinary sentences with marker words are not flagged at the default threshold', () => {
    for (const text of [
      'Keep this confidential between us, please, I do not want my sister to know yet.',
      'What is the difference between a patent and a trade secret in US law?',
      'The park has restricted access during the winter months because of the snow.',
      'Write a story about a secret garden behind an old house.',
      'Is my conversation with a therapist confidential?',
      'The class of 2020 had a restricted graduation ceremony.',
      'He felt privileged to meet the internal medicine team.',
    ]) {
      assert.deepEqual(scan(text), [], text);
    }
  });

  test('settings: types filter and min_score; invalid settings are rejected at build time', () => {
    const onlyNda = createConfidentialDetector({ types: ['NDA'] });
    assert.deepEqual(scan('CONFIDENTIAL', onlyNda), []);
    assert.equal(scan('Subject to NDA', onlyNda).length, 1);
    assert.throws(() => createConfidentialDetector({ min_score: 2 }));
    assert.throws(() => confidentialDefinition.settings.parse({ types: ['NOPE'] }));
    const built = confidentialDefinition.create(confidentialDefinition.settings.parse({}));
    assert.equal(built.family, 'confidential');
    assert.equal(scan('INTERNAL ONLY', built).length, 1);
  });

  test('a label counts across white space and U+FEFF before the marker, not across a dash', () => {
    const reasons = (text: string) => scan(text, lenient)[0]!.explanation ?? '';
    assert.match(reasons('Classification: Restricted'), /after a classification label/);
    assert.match(reasons('Classification：\ufeff \u00a0Restricted'), /after a classification label/);
    assert.doesNotMatch(reasons('Classification: – Restricted'), /after a classification label/);
    assert.doesNotMatch(reasons('Classification Restricted'), /after a classification label/);
  });

  test('header and footer position: the first and last three non-empty lines', () => {
    const lines = ['', 'CONFIDENTIAL', 'a', '', 'b', 'CONFIDENTIAL', 'c', 'd', 'CONFIDENTIAL', ''];
    const edge = scan(lines.join('\n'), lenient).map((f) => f.explanation?.includes('header or footer'));
    assert.deepEqual(edge, [true, false, true]);
  });

  test('findings-dense line: every marker found, with the same score and explanation', () => {
    const text = 'CONFIDENTIAL '.repeat(1000);
    const findings = scan(text);
    assert.equal(findings.length, 1000);
    assert.deepEqual(
      findings.map((f) => f.span),
      findings.map((_, i) => ({ start: 13 * i, end: 13 * i + 12 })),
    );
    assert.equal(new Set(findings.map((f) => `${f.score} ${f.explanation} ${f.detector}`)).size, 1);
  });

  test('empty input and many segments', () => {
    assert.deepEqual(scan(''), []);
    const findings = detector.inspect(
      [
        { index: 0, source: 'system', path: 's', text: 'You are helpful.' },
        { index: 1, source: 'user', path: 'u', text: 'CONFIDENTIAL' },
      ],
      { direction: 'input' },
    ) as Finding[];
    assert.deepEqual(
      findings.map((f) => f.segment),
      [1],
    );
  });
});
