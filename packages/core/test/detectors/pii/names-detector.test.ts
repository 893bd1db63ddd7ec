import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createNamesDetector,
  findNames,
  type NAMES_TYPES,
} from '../../../src/detectors/pii/names-detector.ts';
import type { Finding } from '../../../src/model/finding.ts';
import type { Segment } from '../../../src/model/segment.ts';

const seg = (text: string, index = 0): Segment => ({
  index,
  source: 'user',
  path: `messages[${index}]`,
  text,
});
const detector = createNamesDetector({});

function scan(text: string): Finding[] {
  return detector.inspect([seg(text)], { direction: 'input' }) as Finding[];
}

/** The findings as `TYPE:covered text`, in text order. */
function found(text: string): string[] {
  return scan(text).map((f) => `${f.type}:${text.slice(f.span!.start, f.span!.end)}`);
}

describe('names detector: people', () => {
  const cases: Array<[string, string, string]> = [
    ['en', 'Please forward the contract to James Whitfield before Friday.', 'PERSON:James Whitfield'],
    ['en title', 'Yesterday Mrs. Okonkwo called about the invoice.', 'PERSON:Okonkwo'],
    ['de', 'Bitte rufen Sie Herr Jürgen Schneider morgen an.', 'PERSON:Jürgen Schneider'],
    ['fr', 'Le dossier de Mme Françoise Lefèvre est complet.', 'PERSON:Françoise Lefèvre'],
    ['es', 'La factura está a nombre de Javier Gutiérrez.', 'PERSON:Javier Gutiérrez'],
    ['it', 'Ho parlato con Giulia Esposito ieri sera.', 'PERSON:Giulia Esposito'],
    ['pt', 'O contrato foi assinado por João Ferreira.', 'PERSON:João Ferreira'],
    ['nl', 'De afspraak met Sanne de Vries is verzet.', 'PERSON:Sanne de Vries'],
    ['name cue', 'Hello, my name is Zoltan and I need help.', 'PERSON:Zoltan'],
    ['initial', 'The report was written by Faina D. Yefremova last year.', 'PERSON:Faina D. Yefremova'],
    ['lower case', 'please call me back, my name is lena andersson', 'PERSON:lena andersson'],
  ];
  for (const [label, text, expected] of cases) {
    test(`finds ${label}`, () => {
      assert.ok(found(text).includes(expected), `${found(text).join(', ')} lacks ${expected}`);
    });
  }

  test('reports exact UTF-16 offsets into the original text', () => {
    const text = '🙂 Dear Søren Kierkegaard, thanks.';
    const [f] = scan(text).filter((x) => x.type === 'PERSON');
    assert.ok(f);
    assert.equal(f.span!.start, text.indexOf('Søren'));
    assert.equal(f.span!.end, text.indexOf(',', f.span!.start));
    assert.equal(f.segment, 0);
    assert.equal(f.family, 'pii');
    assert.equal(f.detector, 'pii.names.person.full-name');
  });

  test('leaves the title out of the name and strips the possessive', () => {
    assert.deepEqual(found("Dr. Heinrich Vogel's office is closed."), ['PERSON:Heinrich Vogel']);
  });
});

describe('names detector: false-positive traps', () => {
  const benign = [
    'May I ask how you are doing today?',
    'Will you help me write a poem about autumn?',
    'Mark the calendar for the meeting.',
    'Hello World is the first program people write.',
    'Explain how Family Day is celebrated.',
    'The European Union adopted the regulation.',
    'Translate this sentence into German, please.',
    'Grace and hope are virtues.',
  ];
  for (const text of benign) {
    test(`no person in: ${text}`, () => {
      assert.deepEqual(
        scan(text).filter((f) => f.type === 'PERSON'),
        [],
      );
    });
  }

  test('a city in a person-like pair is reported once, as one type', () => {
    const text = 'We flew from Paris to Lisbon.';
    assert.deepEqual(found(text), ['LOCATION:Paris', 'LOCATION:Lisbon']);
  });

  test('Paris Hilton-style ambiguity never yields overlapping findings', () => {
    const text = 'Paris Hilton was at the party.';
    const spans = scan(text).map((f) => f.span!);
    for (const a of spans)
      for (const b of spans) if (a !== b) assert.ok(a.end <= b.start || b.end <= a.start);
  });
});

describe('names detector: places, addresses, organisations', () => {
  test('countries and cities', () => {
    assert.deepEqual(found('She moved to Rotterdam from Portugal.'), [
      'LOCATION:Rotterdam',
      'LOCATION:Portugal',
    ]);
  });

  test('English street address with unit', () => {
    assert.deepEqual(found('Ship it to 1668 Glyn St, Apt. 12 please.'), [
      'STREET_ADDRESS:1668 Glyn St, Apt. 12',
    ]);
  });

  test('European street addresses in several languages', () => {
    assert.ok(found('Ich wohne in der Hauptstraße 5 in Köln.').includes('STREET_ADDRESS:Hauptstraße 5'));
    assert.ok(found('Mon adresse : 31 Rue de la Paix, Paris').includes('STREET_ADDRESS:31 Rue de la Paix'));
    assert.ok(found('Vivo en Calle Mayor 12, Madrid.').includes('STREET_ADDRESS:Calle Mayor 12'));
    assert.ok(found('Abito in Via Roma 7.').includes('STREET_ADDRESS:Via Roma 7'));
    assert.ok(found('Het pakket gaat naar Keizersgracht 123.').includes('STREET_ADDRESS:Keizersgracht 123'));
  });

  test('city line after an address is a location', () => {
    const text = 'Address: 83854 Strickstrasse 61\nZuoz\nSwitzerland';
    assert.deepEqual(found(text), [
      'STREET_ADDRESS:83854 Strickstrasse 61',
      'LOCATION:Zuoz',
      'LOCATION:Switzerland',
    ]);
  });

  test('organisations by legal form and firm-name pattern', () => {
    assert.ok(
      found('She joined Brightwater Analytics GmbH in May.').includes(
        'ORGANIZATION:Brightwater Analytics GmbH',
      ),
    );
    assert.ok(found('I used to work for Shepherd Ltd. as a clerk.').includes('ORGANIZATION:Shepherd Ltd.'));
    assert.ok(
      found('Call Hawkins, Richardson and Santana about it.').includes(
        'ORGANIZATION:Hawkins, Richardson and Santana',
      ),
    );
  });
});

describe('names detector: settings and determinism', () => {
  test('types filter and min_score apply', () => {
    const text = 'Dear Anna Schmidt, your parcel for 12 Baker Street left Berlin.';
    const onlyPeople = createNamesDetector({ types: ['PERSON'] }).inspect([seg(text)], {
      direction: 'input',
    }) as Finding[];
    assert.deepEqual(
      onlyPeople.map((f) => f.type),
      ['PERSON'],
    );
    const strict = createNamesDetector({ min_score: 1 }).inspect([seg(text)], {
      direction: 'input',
    }) as Finding[];
    assert.ok(strict.every((f) => f.score >= 1));
    assert.ok(scan(text).length >= 3);
  });

  test('invalid settings are rejected when the detector is built', () => {
    assert.throws(() => createNamesDetector({ min_score: 2 }));
    assert.throws(() => createNamesDetector({ types: ['EMAIL_ADDRESS' as (typeof NAMES_TYPES)[number]] }));
  });

  test('same input, same output; segment indexes are kept', () => {
    const segments = [seg('Nothing here.', 0), seg('Contact Pieter Bakker in Utrecht.', 3)];
    const a = detector.inspect(segments, { direction: 'input' }) as Finding[];
    const b = detector.inspect(segments, { direction: 'input' }) as Finding[];
    assert.deepEqual(a, b);
    assert.ok(a.length >= 2);
    assert.ok(a.every((f) => f.segment === 3));
  });

  test('findNames returns scores without a threshold', () => {
    const all = findNames('Blue Sky thinking');
    assert.ok(all.every((m) => m.score >= 0 && m.score <= 1));
  });
});

describe('names detector: postal address layouts', () => {
  test('an inline address with city, region, country and postcode is one span', () => {
    const text = 'The letter arrived at 6400 12 Timms Drive Suite 215 NUNGATTA Australia last night.';
    assert.deepEqual(found(text), ['STREET_ADDRESS:6400 12 Timms Drive Suite 215 NUNGATTA Australia']);
    const comma =
      'Please update the billing address with 213 Pilekrogen 53 Apt. 263, Grand-Leez, Belgium 18431 today';
    assert.deepEqual(found(comma), ['STREET_ADDRESS:213 Pilekrogen 53 Apt. 263, Grand-Leez, Belgium 18431']);
  });

  test('a block address gives one finding per line', () => {
    const text = 'Maureen Thibault\n\n41086 Kiannonkatu 98\n Suite 464\n OULU\n\n Finland 80896';
    assert.deepEqual(found(text), [
      'PERSON:Maureen Thibault',
      'STREET_ADDRESS:41086 Kiannonkatu 98',
      'STREET_ADDRESS:Suite 464',
      'LOCATION:OULU',
      'LOCATION:Finland',
      'STREET_ADDRESS:80896',
    ]);
  });

  test('post-office boxes are street addresses', () => {
    assert.deepEqual(found('The bus station is on P.O. Box 104'), ['STREET_ADDRESS:P.O. Box 104']);
    assert.ok(found('Send it to PO Box 77, thanks.').includes('STREET_ADDRESS:PO Box 77'));
  });
});

describe('names detector: letterhead lines above a block address', () => {
  test('the addressee line is a person and the line under it a company', () => {
    const text = 'Odile Verhaegen\nBrightmoor Analytics\n12 Larkspur Road\nSuite 4\nLeeds';
    const f = found(text);
    assert.ok(f.includes('PERSON:Odile Verhaegen'), f.join(' | '));
    assert.ok(f.includes('ORGANIZATION:Brightmoor Analytics'), f.join(' | '));
  });

  test('a repeated addressee after the company is the person again, quote marks allowed', () => {
    const text =
      '>Tomasz Wielgosz\n>Kettlewell Partners\n>Tomasz Wielgosz\n>77 Harbour Street\n>Apt. 9\n>Bristol';
    const f = found(text);
    assert.equal(f.filter((x) => x === 'PERSON:Tomasz Wielgosz').length, 2, f.join(' | '));
  });

  test('a job-title line is neither a person nor a company', () => {
    const text = 'Odile Verhaegen\nSenior consultant\n12 Larkspur Road\nSuite 4\nLeeds';
    const f = found(text);
    assert.ok(f.includes('PERSON:Odile Verhaegen'), f.join(' | '));
    assert.ok(!f.some((x) => x.includes('Senior consultant')), f.join(' | '));
  });

  test('prose or a label above an address is not a person', () => {
    for (const text of [
      'Please send the parcel here\n12 Larkspur Road\nSuite 4\nLeeds',
      'Shipping address:\n12 Larkspur Road\nSuite 4\nLeeds',
      'Thank you\n12 Larkspur Road\nSuite 4\nLeeds',
    ]) {
      const f = found(text);
      assert.ok(!f.some((x) => x.startsWith('PERSON:') || x.startsWith('ORGANIZATION:')), f.join(' | '));
    }
  });

  test('name lines above an inline address (not a block) are left to the other rules', () => {
    const f = found('Read the news today\nWe met at 12 Larkspur Road in Leeds.');
    assert.ok(!f.some((x) => x.startsWith('PERSON:')), f.join(' | '));
  });
});

describe('names detector: common given names', () => {
  test('frequent English given names are known', () => {
    for (const name of ['Tiffany', 'Maureen', 'Sheila', 'Bryce', 'Devin']) {
      const text = `Yesterday I had lunch with ${name} Okafor at the office.`;
      assert.ok(found(text).includes(`PERSON:${name} Okafor`), `${name}: ${found(text).join(' | ')}`);
    }
  });

  test('a given name that is also a common word stays out of the list', () => {
    assert.deepEqual(found('The dawn was cold and the amber light faded.'), []);
  });
});

describe('names detector: place and organisation cues', () => {
  test('unknown capitalised words after new strong place cues are places', () => {
    for (const [text, want] of [
      ['The delegation arrived at Vrelnik this morning.', 'LOCATION:Vrelnik'],
      ['The band comes from the home city Ostrava.', 'LOCATION:Ostrava'],
      ['I am in Kelmarsh for a conference.', 'LOCATION:Kelmarsh'],
      ['Where: Brindlecombe, near the station', 'LOCATION:Brindlecombe'],
      ['Mr. Okafor flew to New Lanark on Monday.', 'LOCATION:New Lanark'],
    ]) {
      assert.ok(found(text!).includes(want!), `${text}: ${found(text!).join(' | ')}`);
    }
  });

  test('a known place in lower case after a strong cue is a place; other lower-case words are not', () => {
    assert.ok(found('my sister moved here from portugal last year').includes('LOCATION:portugal'));
    assert.deepEqual(found('we returned to work after lunch'), []);
    assert.deepEqual(found('she flew to the meeting'), []);
  });

  test('a stopword after a place cue is not a place unless it starts a place name', () => {
    assert.ok(!found('They arrived at The end of the day.').some((x) => x.startsWith('LOCATION:')));
  });

  test('a place-named phone label is not a place', () => {
    const f = found('Mobile: 0471 22 33 44\nFax: +44 20 7946 0000');
    assert.ok(!f.some((x) => x.startsWith('LOCATION:')), f.join(' | '));
  });

  test('an explicit employment cue beats surname-only person evidence', () => {
    assert.ok(found('I work for Whitfield Kluwer').includes('ORGANIZATION:Whitfield Kluwer'));
    assert.ok(found('I work for John Smith').includes('PERSON:John Smith'));
  });

  test('a name described as a company or agency is an organisation', () => {
    assert.ok(found('Brindlewood is a design agency based in Leeds.').includes('ORGANIZATION:Brindlewood'));
    assert.ok(found('Quorvex is a software company.').includes('ORGANIZATION:Quorvex'));
    const f = found('John Carter is a bank manager.');
    assert.ok(!f.some((x) => x.startsWith('ORGANIZATION:')), f.join(' | '));
  });
});
