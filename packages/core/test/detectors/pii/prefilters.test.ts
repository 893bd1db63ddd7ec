import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnchorWords } from '../../../src/detectors/pii/anchor-words.ts';
import { createPiiDetector } from '../../../src/detectors/pii/index.ts';
import { tokenize } from '../../../src/detectors/pii/names-features.ts';
import {
  PATTERN_RECOGNIZERS,
  type PatternRecognizer,
} from '../../../src/detectors/pii/pattern-recognizers.ts';
import {
  createFormatPiiDetector,
  digitWindows,
  windowRuns,
} from '../../../src/detectors/pii/pii-detector.ts';
import { findPostalCodes, POSTAL_CUE_PATTERNS } from '../../../src/detectors/pii/postal-codes.ts';
import { PiiSettings } from '../../../src/detectors/pii/settings.ts';
import { findEmails, findIpv6, type RawHit } from '../../../src/detectors/pii/special-recognizers.ts';

function recognizer(id: string): PatternRecognizer {
  const r = PATTERN_RECOGNIZERS.find((x) => x.id === id);
  assert.ok(r, id);
  return r;
}

/** Every match of the recognizer's expression over `text`, as a global scan finds them. */
function matches(r: PatternRecognizer, text: string): string[] {
  const re = new RegExp(r.pattern.source, r.pattern.flags);
  return [...text.matchAll(re)].map((m) => m[0]);
}

function types(text: string): string[][] {
  const findings = createPiiDetector({}).inspect([{ index: 0, source: 'user', path: 'p', text }], {
    direction: 'input',
  });
  assert.ok(Array.isArray(findings));
  return findings.map((f) => [f.type, text.slice(f.span?.start, f.span?.end)]);
}

describe('pii pre-filters: anchor words', () => {
  const weekday = recognizer('pii.date.weekday');
  const month = recognizer('pii.date.month-name');
  const words = new AnchorWords();
  const weekdayBit = words.add(weekday.anchorWords ?? []);
  const monthBit = words.add(month.anchorWords ?? [], month.anchorDigitReach);

  // Texts where the expressions' Unicode case folding, letter boundaries or separators matter.
  const texts = [
    'see you on Monday',
    'SUNDAY 5pm',
    'on ſunday',
    'MITTWOCH',
    'até segunda-feira!',
    'TERÇA-FEIRA',
    'el miércoles',
    'EL MIÉRCOLES',
    'sábado e domingo',
    'lunedì mattina',
    'mondays are long',
    'monday×3',
    'Ωmonday',
    'born 5 March 1990',
    'on 3 MÄRZ 2020',
    '12 ſeptember 2001',
    'in May, we met',
    'may 5',
    'Marchand 12',
    '5. août 1999',
    'le 1er décembre 2020',
    'Kelvin \u212aey 12',
    'dec. 2019',
  ];

  test('says yes for every text whose weekday expression matches', () => {
    for (const text of texts) {
      if (matches(weekday, text).length > 0)
        assert.ok((words.scan(text) & weekdayBit) !== 0, `weekday pre-filter hides ${JSON.stringify(text)}`);
    }
    assert.equal(words.scan('a plain sentence without one') & weekdayBit, 0);
  });

  test('says yes for every text with a month-name date that has a digit', () => {
    for (const text of texts) {
      if (matches(month, text).some((m) => /\d/.test(m)))
        assert.ok((words.scan(text) & monthBit) !== 0, `month pre-filter hides ${JSON.stringify(text)}`);
    }
    // A month name without a digit near it cannot make a date.
    assert.equal(words.scan('in May we met, and in March we left') & monthBit, 0);
  });

  test('weekday matches tried only before anchor-word runs are the matches of a global scan', () => {
    const dates = createFormatPiiDetector(PiiSettings.parse({ types: ['DATE_TIME'], min_score: 0 }));
    const pieces = [
      'Monday',
      'SUNDAY',
      'ſunday',
      'segunda-feira',
      'TERÇA-FEIRA',
      'feira',
      'miércoles',
      'sábado',
      'lunedì',
      'mondays',
      'Ω',
      '𝐀',
      'x',
      '-',
      ' ',
      ', ',
      '\n',
      'é',
      'sunday-monday',
      'quarta-',
      'mar',
    ];
    // Deterministic texts of random pieces, with and without separators between them.
    let seed = 7;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const samples = [...texts];
    for (let k = 0; k < 400; k++) {
      let text = '';
      for (let j = next() % 12; j >= 0; j--) text += pieces[next() % pieces.length];
      samples.push(text);
    }
    for (const text of samples) {
      const findings = dates.inspect([{ index: 0, source: 'user', path: 'p', text }], { direction: 'input' });
      assert.ok(Array.isArray(findings));
      const found = findings
        .filter((f) => f.detector === 'pii.date.weekday')
        .map((f) => [f.span?.start, f.span?.end]);
      const re = new RegExp(weekday.pattern.source, weekday.pattern.flags);
      const expected = /\d/.test(text)
        ? null
        : [...text.matchAll(re)].map((m) => [m.index, m.index + m[0].length]);
      if (expected !== null) assert.deepEqual(found, expected, JSON.stringify(text));
    }
  });

  test('month-name dates with the longest prefix before the month, alone and far into a text', () => {
    const prose = 'The quarterly review moved to another room on the third floor of the building. '.repeat(4);
    for (const date of [
      '31st. of March 2020',
      '5 de marzo de 2020',
      'le 1er décembre 2020',
      '12 ſeptember 2001',
    ]) {
      for (const text of [date, `${prose}${date}, as agreed.`]) {
        const dates = types(text).filter(([type]) => type === 'DATE_TIME' || type === 'DATE_OF_BIRTH');
        const expected = date.startsWith('le ') ? date.slice(3) : date;
        assert.deepEqual(dates, [['DATE_TIME', expected]], text);
      }
    }
  });

  test('a text with thousands of findings keeps every one that overlaps no better one', () => {
    const text = 'Monday, 5 March 2020; '.repeat(2000);
    const found = types(text).filter(([type]) => type === 'DATE_TIME');
    assert.equal(found.length, 4000);
    assert.deepEqual(found.slice(0, 2), [
      ['DATE_TIME', 'Monday'],
      ['DATE_TIME', '5 March 2020'],
    ]);
  });

  test('the detector still finds weekday and month-name dates, and nothing in plain prose', () => {
    assert.deepEqual(types('Call me on Monday.'), [['DATE_TIME', 'Monday']]);
    assert.deepEqual(types('Lo vemos el MIÉRCOLES'), [['DATE_TIME', 'MIÉRCOLES']]);
    assert.ok(types('She was born on 5 March 1990.').some(([, v]) => v === '5 March 1990'));
    assert.deepEqual(types('We may meet in march, maybe.'), []);
  });
});

describe('pii pre-filters: run lengths', () => {
  /** Longest runs in `value` of digits, `[A-Z0-9]` and `[A-Za-z0-9]`. */
  function runs(value: string): [number, number, number] {
    const longest = (re: RegExp) => Math.max(0, ...(value.match(re) ?? []).map((m) => m.length));
    return [longest(/[0-9]+/g), longest(/[A-Z0-9]+/g), longest(/[A-Za-z0-9]+/g)];
  }

  // One value of each recognizer's shape (valid or not: the conditions are about the expression).
  const samples: Record<string, string[]> = {
    'pii.crypto.bitcoin-base58': ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT'],
    'pii.crypto.bitcoin-bech32': ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    'pii.crypto.ethereum': ['0xde709f2102306220921060314715629080e2fb77'],
    'pii.uk-nino': ['AB 12 34 56 C', 'QQ123456C'],
    'pii.es-nif': ['12345678-Z', '12345678Z'],
    'pii.es-nie': ['X-1234567-L', 'Y1234567X'],
    'pii.it-fiscal-code': ['RSSMRA85T10A562S', 'RSSMRALMTLMA5LMS'],
    'pii.fr-nir': ['2 84 05 2A 123 456 78', '184052B12345678'],
    'pii.sg-nric-fin': ['S1234567D'],
    'pii.fi-personal-identity-code': ['131052-308T'],
    'pii.us-dea': ['AB1234563', 'A91234563'],
    'pii.vin': ['1HGCM82633A004352', 'ABCDEFGHJKLMNPRST'],
    'pii.in-pan': ['ABCPE1234F'],
    'pii.in-gstin': ['27ABCDE1234F1Z5'],
    'pii.in-voter': ['ABC1234567'],
    'pii.in-passport': ['A12 34567', 'J8369854'],
    'pii.in-vehicle-registration': ['MH 12 AB 1234', 'DL1C1234'],
    'pii.sg-uen': ['12345678A', '123456789B', 'T08LL1234A'],
    'pii.it-identity-card': ['AB12345CD', 'AB 1234567'],
    'pii.it-passport': ['YA1234567'],
    'pii.it-driver-license': ['U1ABCDEFGH', 'AB1234567C'],
    'pii.passport': ['A1234567', 'AB12345678'],
    'pii.us-driver-license': ['A1234', 'AB12345', '123456', '123-45-678'],
    'pii.medical-record-number': ['MRN-12345', '12345'],
    'pii.date.iso': ['1990-03-05'],
    'pii.date.year': ['1999'],
  };

  test('each declared minimum holds for values of the recognizer’s shape', () => {
    for (const r of PATTERN_RECOGNIZERS) {
      if (r.minDigitRun === undefined && r.minUpperRun === undefined && r.minAlnumRun === undefined) continue;
      const values = samples[r.id];
      assert.ok(values !== undefined, `no sample for ${r.id}`);
      for (const value of values) {
        const text = r.id === 'pii.date.year' ? `in ${value}` : `x ${value} y`;
        assert.ok(matches(r, text).includes(value), `${r.id} does not match ${value}`);
        const [digits, upper, alnum] = runs(value);
        assert.ok(digits >= (r.minDigitRun ?? 0), `${r.id} ${value}: digit run ${digits}`);
        assert.ok(upper >= (r.minUpperRun ?? 0), `${r.id} ${value}: [A-Z0-9] run ${upper}`);
        assert.ok(alnum >= (r.minAlnumRun ?? 0), `${r.id} ${value}: [A-Za-z0-9] run ${alnum}`);
      }
    }
  });

  test('the MAC prefilter holds for every MAC shape, and MACs in prose are still found', () => {
    const mac = recognizer('pii.mac-address');
    const prefilter = mac.prefilter;
    assert.ok(prefilter !== undefined);
    for (const value of ['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e', '001a.2b3c.4d5e']) {
      assert.deepEqual(matches(mac, `dev ${value} up`), [value]);
      assert.ok(prefilter.test(value), value);
    }
    assert.equal(prefilter.test('deadbeef0123456789abcdef and a well-known fact.'), false);
    assert.deepEqual(types('The adapter 3C:22:FB:12:9A:0E joined at 10:42.'), [
      ['MAC_ADDRESS', '3C:22:FB:12:9A:0E'],
    ]);
  });

  test('windowRuns gives the longest runs of each window', () => {
    const text = `${'word '.repeat(30)}ab 1234 XY9Z ${'word '.repeat(30)}VIN 1HGCM82633A004352 end`;
    const windows = digitWindows(text);
    const found = windowRuns(text, windows);
    assert.equal(found.length, (windows.length / 2) * 3);
    for (let w = 0; w < windows.length; w += 2) {
      const part = text.slice(windows[w], windows[w + 1]);
      assert.deepEqual([...found.slice((w / 2) * 3, (w / 2) * 3 + 3)], runs(part));
    }
  });
});

describe('pii pre-filters: anchored and character-level scans', () => {
  test('IPv6 addresses are found among times, labels and other colons', () => {
    const text =
      'At 12:30:45 note: server 2001:db8::8a2e:370:7334 (also ::1), not a:b, mapped ::ffff:192.0.2.128; fe80::1 up.';
    const out: RawHit[] = [];
    findIpv6(text, out, []);
    // `12:30:45` has the shape but not the groups of an address (ipv6Valid).
    assert.deepEqual(
      out.map((h) => text.slice(h.start, h.end)),
      ['2001:db8::8a2e:370:7334', '::1', '::ffff:192.0.2.128', 'fe80::1'],
    );
    const none: RawHit[] = [];
    findIpv6('Note: one colon per label: here', none, []);
    assert.deepEqual(none, []);
  });

  test('a context-only format needs its word near it to pass the threshold, anywhere in the text below it', () => {
    const mrn = (text: string, settings = {}) => {
      const findings = createPiiDetector(settings).inspect([{ index: 0, source: 'user', path: 'p', text }], {
        direction: 'input',
      });
      assert.ok(Array.isArray(findings));
      return findings
        .filter((f) => f.type === 'MEDICAL_RECORD_NUMBER')
        .map((f) => [text.slice(f.span?.start, f.span?.end), f.score]);
    };
    assert.deepEqual(mrn('Patient MRN 1234567 admitted'), [['1234567', 0.55]]);
    const far = `The MRN field is described below.${' filler words here.'.repeat(8)} Ref 1234567 today`;
    assert.deepEqual(mrn(far), []);
    assert.deepEqual(mrn(far, { min_score: 0 }), [['1234567', 0.1]]);
    assert.deepEqual(mrn('Ref 1234567 today', { min_score: 0 }), []);
  });

  test('years after a cue word are found at every position, including back to back', () => {
    assert.deepEqual(types('It happened in 1999 and since 2004, not 19995 or in 2020s.'), [
      ['DATE_TIME', '1999'],
      ['DATE_TIME', '2004'],
    ]);
  });

  test('e-mail domains need a dotted, alphabetic TLD of 2 to 24 letters and no empty label', () => {
    const out: RawHit[] = [];
    const text = 'a@b.co x@y.c z@w..com q@r.abcdefghijklmnopqrstuvwxy ok@host.io bad@.com t@host.c0m u@h.Org';
    findEmails(text, out, []);
    assert.deepEqual(
      out.map((h) => text.slice(h.start, h.end)),
      ['a@b.co', 'ok@host.io', 'u@h.Org'],
    );
  });
});

describe('names tokenizer: lexicon table', () => {
  test('gives the lexicon bits and lower-case forms a Map look-up gives', () => {
    const lexicon = new Map<string, number>([
      ['anna', 1],
      ['müller', 2],
      ["o'brien", 4],
      ['new', 8],
      ['new york', 16],
      ['a', 32],
    ]);
    const text = 'Anna MÜLLER met O’Brien and ANNA in New York; a A annas Müller-Lüdenscheidt';
    for (const t of tokenize(text, lexicon)) {
      assert.equal(t.lex, lexicon.get(t.lower) ?? 0, t.text);
      assert.equal(t.text, text.slice(t.start, t.end));
    }
    const lowers = tokenize(text, lexicon).map((t) => t.lower);
    assert.deepEqual(
      lowers,
      tokenize(text).map((t) => t.lower),
    );
  });
});

describe('pii pre-filters: postal-code cues tried at their possible starts', () => {
  test('find the codes a global scan of each cue expression finds, in the same order', () => {
    const pieces = [
      '62704',
      '94105-1234',
      '00-950',
      '00000',
      'K1A 0B1',
      'sw1a 1aa',
      '1234 AB',
      '123 45',
      '12',
      '1234567',
      'a1b',
      'x9',
      '_7',
      '-5',
      'zip',
      'ZIP code',
      'Zip-Code',
      'postal code',
      'Postcode',
      'PLZ',
      'Plz',
      'code postal',
      'código postal',
      'CAP',
      'C.A.P.',
      'c.p.',
      'CP.',
      'codice di avviamento postale',
      'cap',
      'post',
      'zips',
      'is',
      'my',
      'the',
      'lautet',
      ':',
      ' ',
      '  ',
      ', ',
      '(',
      '-',
      'é',
      'x',
      '\n',
      '\t',
      'Ω',
    ];
    let seed = 11;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    let compared = 0;
    for (let k = 0; k < 8000; k++) {
      let text = '';
      for (let j = next() % 10; j >= 0; j--) text += pieces[next() % pieces.length];
      const hits: RawHit[] = [];
      findPostalCodes(text, hits);
      const actual = hits.filter((h) => h.score >= 0.7).map((h) => [h.start, h.end, h.score]);
      const expected: number[][] = [];
      // The full global scans, without the cue-word prefilter the detector applies first.
      POSTAL_CUE_PATTERNS.forEach((pattern, which) => {
        for (const m of text.matchAll(new RegExp(pattern.source, pattern.flags))) {
          const span = m.indices?.[1];
          if (span === undefined) continue;
          const value = text.slice(span[0], span[1]);
          if (/^0+(?:-0+)?$/.test(value)) continue;
          const score = which === 0 ? 0.75 : 0.7;
          expected.push([span[0], span[1], /^\d{5}-\d{4}$/.test(value) ? Math.max(score, 0.9) : score]);
        }
      });
      compared += expected.length;
      assert.deepEqual(actual, expected, JSON.stringify(text));
    }
    assert.ok(compared > 300, `only ${compared} cue matches generated`);
  });
});
