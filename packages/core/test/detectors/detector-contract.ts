/**
 * The contract every detector passes (hono's `runTest({ newRouter })` pattern): one suite written once,
 * each detector's own test file is three lines:
 *
 * ```ts
 * import { runDetectorContract } from '../detector-contract.ts';
 * import { createEmailDetector } from '../../../src/detectors/pii/email.ts';
 * runDetectorContract('pii.email', () => createEmailDetector({}), { positives: ['mail bob@example.com'] });
 * ```
 *
 * What it checks: empty input; 1 MB of ordinary and of pathological text within a time budget; text from
 * every Unicode plane; every finding valid by the `Finding` schema, pointing at an inspected segment and
 * at whole characters of its ORIGINAL text; input never mutated (segments are deep-frozen and compared
 * with a snapshot); deterministic output; each positive example found.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import type { Detector, DetectorContext } from '../../src/detectors/contract.ts';
import { Finding } from '../../src/model/finding.ts';
import type { Direction, Segment } from '../../src/model/segment.ts';

/** Options of {@link runDetectorContract}. */
export interface DetectorContractOptions {
  /** Texts on which the detector must report at least one finding with a non-empty span. */
  positives?: string[];
  /**
   * Wall-clock budget for one `inspect` call on 1 MB of input, in milliseconds. The default (5000 ms) only
   * catches super-linear blow-ups (a quadratic pattern takes minutes on 1 MB) without flaking on a loaded
   * 2-core CI machine; the real target (≤ 200 ms per detector on 1 MB of pathological input) is measured
   * by the detector benchmark (`npm run bench:detectors`), not here.
   */
  budgetMs?: number;
  /** Direction passed in the context; default `input`. */
  direction?: Direction;
}

const DEFAULT_BUDGET_MS = 5000;
/** 1 MiB of UTF-16 code units. */
const ONE_MB = 1 << 20;

/** Repeats `unit` until the result is exactly `length` code units long (never splits a surrogate pair). */
function fill(unit: string, length = ONE_MB): string {
  const whole = unit.repeat(Math.floor(length / unit.length));
  let rest = length - whole.length;
  let tail = '';
  for (const ch of unit) {
    if (ch.length > rest) break;
    tail += ch;
    rest -= ch.length;
  }
  return whole + tail + ' '.repeat(rest);
}

const ORDINARY_PROSE =
  'The quarterly review meeting moved to Thursday at 10:30, room 4B. Please bring the draft report, ' +
  'the budget figures for 2024 (about 12% over plan) and any questions about the new onboarding process. ' +
  'Version 3.2.1 of the tool fixed the export bug; see section 7 of the handbook for details.\n';

/** Pathological inputs, 1 MB each: the shapes that make careless regular expressions backtrack. */
const PATHOLOGICAL: ReadonlyArray<readonly [string, () => string]> = [
  ['one character repeated', () => fill('a')],
  ['digits', () => fill('0123456789')],
  ['one digit repeated', () => fill('4')],
  ['`a@` repeated', () => fill('a@')],
  ['`a.` repeated', () => fill('a.')],
  ['digits and dots', () => fill('1.2.')],
  ['digits and dashes', () => fill('12-3')],
  ['base64-ish alphabet', () => fill('Zm9v+/=aB3/+')],
  ['`=` repeated', () => fill('=')],
  ['`/` and `+` alternating', () => fill('/+')],
  ['deeply nested brackets', () => '([{'.repeat(ONE_MB / 6) + '}])'.repeat(ONE_MB / 6)],
  ['alternating case', () => fill('aAbBcCdDeE')],
  ['whitespace runs', () => fill(' \t\n\u00a0')],
  ['key-like assignments', () => fill('key=secret password: ')],
  ['hex', () => fill('deadbeef0123456789abcdef')],
  ['url fragments', () => fill('http://a.b/')],
  // A cue word or a value, then one long whitespace run: two adjacent unbounded whitespace classes around
  // an optional separator (`\s*:?\s*`) split such a run in quadratically many ways.
  ['a cue word, then one long whitespace run', () => `zip code ${fill(' \t', ONE_MB - 9)}`],
  ['a number, then one long whitespace run', () => `12345${fill(' ', ONE_MB - 5)}`],
  // Texts dense with real findings (tens to hundreds of thousands per MB): overlap resolution and the work
  // per finding must stay linear in their number.
  ['findings-dense: dates', () => fill('1 March ')],
  ['findings-dense: weekdays', () => fill('Monday ')],
  ['findings-dense: phone numbers', () => fill('+1 212 555 0100 ')],
  ['findings-dense: credentials', () => fill('password=hunter2 ')],
  ['findings-dense: high-entropy tokens', () => fill('token: cGFzc3dvcmQ9aHVudGVyMng= ')],
  ['findings-dense: classification markers', () => fill('CONFIDENTIAL ')],
];

/** Text from every Unicode plane (and lone surrogates, which JSON input can carry). */
const UNICODE_SAMPLES: ReadonlyArray<readonly [string, string]> = [
  ['BMP (Latin, Cyrillic, Greek, CJK, Arabic, Hangul)', 'Grüße Привет Γειά 你好 مرحبا 안녕하세요 ﬁ ① ＡＢＣ'],
  ['SMP emoji and math letters', 'ok 😀👩‍👩‍👧 𝐀𝐁𝐂 𝟏𝟐𝟑 🇫🇷 end'],
  ['SIP CJK extension B', '𠀀𠀁𠀂 𪜀 text 𠮷野家'],
  ['TIP CJK extension G', '𰀀𰀁 after'],
  ['tags plane', 'flag 🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} hidden \u{E0041}\u{E0042}'],
  ['private use (BMP and planes 15, 16)', '\uE000\uF8FF \u{F0000}\u{FFFFD} \u{100000}\u{10FFFD}'],
  ['invisible and bidi controls', 'a\u200Bb\u200Dc\u202Ed\u2066e\u2069\uFEFF\u00ADf'],
  ['lone surrogates', 'x\uD800y\uDFFFz\uDBFF'],
  ['combining marks', `e\u0301 a${'\u0300'.repeat(100)} Z\u0335\u0336\u0337`],
];

function segment(index: number, text: string, source: Segment['source'] = 'user'): Segment {
  return { index, source, path: `messages[${index}].content[0]`, text };
}

/** Freezes the segment list and every segment in it. */
function deepFreeze(segments: Segment[]): readonly Segment[] {
  for (const s of segments) Object.freeze(s);
  return Object.freeze(segments);
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** True when `offset` falls between the two halves of a surrogate pair in `text`. */
function splitsPair(text: string, offset: number): boolean {
  return (
    offset > 0 &&
    offset < text.length &&
    isLow(text.charCodeAt(offset)) &&
    isHigh(text.charCodeAt(offset - 1))
  );
}

/**
 * Asserts every finding is valid: schema, family, segment index, span inside the original text on whole
 * characters. Returns the findings' span texts (empty string for findings without a span).
 */
export function assertValidFindings(
  detector: Detector,
  segments: readonly Segment[],
  findings: unknown,
): string[] {
  assert.ok(Array.isArray(findings), 'inspect must return an array');
  const byIndex = new Map(segments.map((s) => [s.index, s]));
  const texts: string[] = [];
  for (const raw of findings as unknown[]) {
    const parsed = Finding.safeParse(raw);
    assert.ok(parsed.success, `finding is not valid: ${parsed.success ? '' : parsed.error.message}`);
    const finding = parsed.data;
    assert.equal(finding.family, detector.family, 'finding family must equal the detector family');
    assert.ok(finding.detector.length > 0, 'finding must name its rule or model');
    if (finding.span === null) {
      texts.push('');
      continue;
    }
    assert.notEqual(finding.segment, null, 'a finding with a span must name its segment');
    const seg = byIndex.get(finding.segment as number);
    assert.ok(seg, `finding segment ${finding.segment} is not an inspected segment index`);
    const { start, end } = finding.span;
    assert.ok(start >= 0 && start < end && end <= seg.text.length, `span [${start}, ${end}) is out of range`);
    assert.ok(!splitsPair(seg.text, start), `span start ${start} splits a surrogate pair`);
    assert.ok(!splitsPair(seg.text, end), `span end ${end} splits a surrogate pair`);
    texts.push(seg.text.slice(start, end));
  }
  return texts;
}

/** Runs the detector on deep-frozen segments, checks the input is untouched and the findings valid. */
async function inspectChecked(
  detector: Detector,
  segments: Segment[],
  ctx: DetectorContext,
): Promise<{ findings: Finding[]; texts: string[]; ms: number }> {
  const snapshot = structuredClone(segments);
  const frozen = deepFreeze(segments);
  const started = performance.now();
  const findings = await detector.inspect(frozen, ctx);
  const ms = performance.now() - started;
  assert.deepEqual(frozen, snapshot, 'the detector mutated its input');
  const texts = assertValidFindings(detector, frozen, findings);
  return { findings, texts, ms };
}

/**
 * Registers the shared detector contract tests (node:test) for one detector. `make` builds a fresh
 * detector; it is called once per test.
 */
export function runDetectorContract(
  name: string,
  make: () => Detector,
  options: DetectorContractOptions = {},
): void {
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const ctx: DetectorContext = { direction: options.direction ?? 'input' };
  const positives = options.positives ?? [];

  describe(`detector contract: ${name}`, () => {
    test('has a stable id and a family', () => {
      const detector = make();
      assert.equal(typeof detector.id, 'string');
      assert.ok(detector.id.length > 0, 'detector id must not be empty');
      assert.equal(typeof detector.family, 'string');
      assert.ok(detector.family.length > 0, 'detector family must not be empty');
      assert.equal(typeof detector.inspect, 'function');
    });

    test('an empty segment list gives no findings', async () => {
      const { findings } = await inspectChecked(make(), [], ctx);
      assert.deepEqual(findings, []);
    });

    test('empty and blank texts give no findings', async () => {
      const { findings } = await inspectChecked(
        make(),
        [segment(0, ''), segment(1, '', 'system'), segment(2, '   \n\t ')],
        ctx,
      );
      assert.deepEqual(findings, []);
    });

    test(`1 MB of ordinary text completes within ${budgetMs} ms`, async () => {
      const detector = make();
      const { ms } = await inspectChecked(detector, [segment(0, fill(ORDINARY_PROSE))], ctx);
      assert.ok(ms <= budgetMs, `took ${ms.toFixed(0)} ms on 1 MB of ordinary text`);
    });

    for (const [label, build] of PATHOLOGICAL) {
      test(`1 MB of pathological input (${label}) completes within ${budgetMs} ms`, async () => {
        const text = build();
        assert.ok(text.length >= ONE_MB - 8, 'fixture must be about 1 MB');
        const { ms } = await inspectChecked(make(), [segment(0, text)], ctx);
        assert.ok(ms <= budgetMs, `took ${ms.toFixed(0)} ms on 1 MB of ${label}`);
      });
    }

    for (const [label, text] of UNICODE_SAMPLES) {
      test(`text from ${label} does not throw and gives valid findings`, async () => {
        await inspectChecked(make(), [segment(0, text), segment(1, `${text} ${text}`, 'assistant')], ctx);
      });
    }

    test('findings point at the segment index, not the array position', async () => {
      const sample = positives[0] ?? ORDINARY_PROSE;
      const segments = [segment(3, 'nothing here'), segment(7, sample), segment(11, '')];
      const { findings } = await inspectChecked(make(), segments, ctx);
      for (const f of findings) if (f.segment !== null) assert.ok([3, 7, 11].includes(f.segment));
      if (positives.length > 0) {
        assert.ok(
          findings.some((f) => f.segment === 7),
          'expected a finding in segment 7',
        );
      }
    });

    test('findings are deterministic', async () => {
      const texts = [...positives, ...UNICODE_SAMPLES.map(([, t]) => t), ORDINARY_PROSE];
      const build = () => texts.map((t, i) => segment(i, t));
      const detector = make();
      const first = (await inspectChecked(detector, build(), ctx)).findings;
      const second = (await inspectChecked(detector, build(), ctx)).findings;
      const fresh = (await inspectChecked(make(), build(), ctx)).findings;
      assert.deepEqual(second, first, 'the same detector gave different findings on a second run');
      assert.deepEqual(fresh, first, 'a new detector instance gave different findings');
    });

    for (const [i, positive] of positives.entries()) {
      test(`positive example ${i + 1} is found`, async () => {
        const { texts } = await inspectChecked(make(), [segment(0, positive)], ctx);
        assert.ok(
          texts.some((t) => t.length > 0),
          `no finding with a non-empty span on positive example ${i + 1}`,
        );
      });

      test(`positive example ${i + 1} is found at the right offsets after astral characters`, async () => {
        const plain = await inspectChecked(make(), [segment(0, positive)], ctx);
        const prefix = '😀𠀀 ok.\n\n';
        const shifted = await inspectChecked(make(), [segment(0, prefix + positive)], ctx);
        const expected = new Set(plain.texts.filter((t) => t.length > 0));
        assert.ok(
          shifted.texts.some((t) => expected.has(t)),
          `after a prefix of astral characters, no finding covers the same text on positive example ${i + 1}`,
        );
      });
    }
  });
}
