import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as cs from '../../../src/detectors/pii/checksums.ts';
import { createPiiDetector, PII_FORMAT_TYPES, piiDefinition } from '../../../src/detectors/pii/index.ts';
import { digitWindows } from '../../../src/detectors/pii/pii-detector.ts';
import { postcodesNearAddress } from '../../../src/detectors/pii/postal-codes.ts';
import type { PiiSettingsInput } from '../../../src/detectors/pii/settings.ts';

function scan(text: string, settings: PiiSettingsInput = {}) {
  const findings = createPiiDetector(settings).inspect([{ index: 3, source: 'user', path: 'p', text }], {
    direction: 'input',
  });
  assert.ok(Array.isArray(findings));
  return findings.map((f) => ({
    type: f.type,
    text: text.slice(f.span?.start, f.span?.end),
    score: f.score,
    f,
  }));
}

function found(text: string, type: string, value: string, settings?: PiiSettingsInput): number {
  const hit = scan(text, settings).find((f) => f.type === type && f.text === value);
  assert.ok(
    hit,
    `expected ${type} ${value} in ${JSON.stringify(scan(text, settings).map((f) => [f.type, f.text]))}`,
  );
  assert.equal(hit.f.segment, 3);
  return hit.score;
}

function absent(text: string, type: string, settings?: PiiSettingsInput): void {
  const hits = scan(text, settings).filter((f) => f.type === type);
  assert.deepEqual(
    hits.map((h) => h.text),
    [],
    `unexpected ${type}`,
  );
}

/** Appends a Luhn check digit. */
function withLuhn(body: string): string {
  for (let d = 0; d <= 9; d++) if (cs.luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}
/** Finds the last digit making `validate` true. */
function complete(body: string, validate: (s: string) => boolean, alphabet = '0123456789'): string {
  for (const ch of alphabet) if (validate(body + ch)) return body + ch;
  throw new Error(`no check character for ${body}`);
}
/** Appends the two check digits that make `validate` true. */
function twoCheckDigits(body: string, validate: (s: string) => boolean): string {
  for (let k = 0; k < 100; k++) {
    const value = body + String(k).padStart(2, '0');
    if (validate(value)) return value;
  }
  throw new Error(`no check digits for ${body}`);
}
/** Replaces the last character so that it is wrong. */
function corrupt(value: string, validate: (s: string) => boolean, alphabet = '0123456789'): string {
  for (const ch of alphabet) {
    const candidate = value.slice(0, -1) + ch;
    if (!validate(candidate)) return candidate;
  }
  throw new Error('unreachable');
}

describe('pii detector: definition', () => {
  test('supports at least 45 own entity types with Presidio names', () => {
    assert.ok(PII_FORMAT_TYPES.length >= 45, `only ${PII_FORMAT_TYPES.length}`);
    for (const t of [
      'CREDIT_CARD',
      'IBAN_CODE',
      'US_SSN',
      'UK_NHS',
      'IT_FISCAL_CODE',
      'SG_NRIC_FIN',
      'CRYPTO',
    ]) {
      assert.ok(PII_FORMAT_TYPES.includes(t), t);
    }
    assert.equal(piiDefinition.id, 'pii');
    assert.equal(piiDefinition.family, 'pii');
    const settings = piiDefinition.settings.parse({});
    assert.equal(settings.min_score, 0.5);
    assert.equal(settings.context_window, 60);
    assert.throws(() => piiDefinition.settings.parse({ min_score: 2 }));
    assert.equal(piiDefinition.create(settings).family, 'pii');
  });
});

describe('pii detector: validated identifiers', () => {
  test('credit cards: Luhn and issuer range', () => {
    const visa = withLuhn('411111111111111');
    assert.ok(found(`card ${visa}`, 'CREDIT_CARD', visa) >= 0.9);
    found(
      `pay with ${visa.replace(/(\d{4})(?=\d)/g, '$1 ')}`,
      'CREDIT_CARD',
      visa.replace(/(\d{4})(?=\d)/g, '$1 '),
    );
    const amex = withLuhn('37828224631000');
    found(`amex ${amex}`, 'CREDIT_CARD', amex);
    absent(`number ${corrupt(visa, cs.luhnValid)}`, 'CREDIT_CARD');
  });

  test('IBAN mod-97 with country lengths, spaced and compact', () => {
    const body = 'WEST12345698765432';
    let iban = '';
    for (let k = 2; k <= 98; k++) {
      const c = `GB${String(k).padStart(2, '0')}${body}`;
      if (cs.ibanValid(c)) iban = c;
    }
    assert.ok(iban);
    found(`IBAN: ${iban}`, 'IBAN_CODE', iban);
    const spaced = iban.replace(/(.{4})(?=.)/g, '$1 ');
    found(`Überweisung an ${spaced}.`, 'IBAN_CODE', spaced);
    absent(`IBAN: ${iban.slice(0, 2)}${iban[2] === '9' ? '1' : '9'}${iban.slice(3)}`, 'IBAN_CODE');
    assert.equal(cs.ibanValid(`${iban}1`), false);
  });

  test('US SSN rules and ITIN groups', () => {
    assert.ok(found('my ssn: 536-22-8726', 'US_SSN', '536-22-8726') > 0.9);
    assert.ok(found('ref 536-22-8726', 'US_SSN', '536-22-8726') < 0.9);
    for (const bad of [
      '000-12-3456',
      '666-12-3456',
      '912-12-3456',
      '536-00-8726',
      '536-22-0000',
      '078-05-1120',
    ]) {
      absent(`ssn ${bad}`, 'US_SSN');
    }
    found('ITIN 912-78-1234', 'US_ITIN', '912-78-1234');
    absent('ITIN 912-40-1234', 'US_ITIN');
  });

  const numeric: [string, string, (s: string) => boolean, string][] = [
    ['UK_NHS', 'NHS number', cs.ukNhsValid, '943476591'],
    ['NL_BSN', 'BSN', cs.nlBsnValid, '11122233'],
    ['DE_TAX_ID', 'Steuer-ID', cs.deTaxIdValid, '8609574271'],
    ['IN_AADHAAR', 'aadhaar', cs.aadhaarValid, '23412341234'],
    ['AU_TFN', 'TFN', cs.auTfnValid, '12345678'],
    ['AU_ABN', 'ABN', cs.auAbnValid, '5100417465'],
    ['AU_ACN', 'ACN', cs.auAcnValid, '00408503'],
    ['BR_CPF', 'CPF', cs.brCpfValid, '1234567890'],
    ['US_NPI', 'NPI', cs.usNpiValid, '123456789'],
    ['PL_PESEL', 'PESEL', cs.plPeselValid, '4405140135'],
    ['CA_SIN', 'SIN', cs.caSinValid, '12345678'],
    ['US_BANK_ROUTING', 'routing number', cs.abaValid, '02100002'],
    ['KR_RRN', 'resident registration', cs.krRrnValid, '900101123456'],
    ['TH_TNIN', 'Thai national ID', cs.thTninValid, '110170020308'],
    ['PT_NIF', 'NIF contribuinte', cs.ptNifValid, '12345678'],
    ['IT_VAT_CODE', 'partita IVA', cs.itVatValid, '0123456789'],
  ];
  for (const [type, word, validate, body] of numeric) {
    test(`${type}: valid with context, invalid checksum rejected`, () => {
      const value = complete(body, validate);
      assert.ok(found(`${word}: ${value}`, type, value) >= 0.5);
      absent(`${word}: ${corrupt(value, validate)}`, type);
    });
  }

  test('AU Medicare, CPF and CNPJ punctuated formats', () => {
    const medicareBody = complete('29505124', (v) => cs.auMedicareValid(`${v}1`));
    const medicare = `${medicareBody}1`;
    found(`medicare card ${medicare}`, 'AU_MEDICARE', medicare);
    const wrongCheck = `${medicareBody.slice(0, 8)}${(Number(medicareBody[8]) + 1) % 10}1`;
    absent(`medicare card ${wrongCheck}`, 'AU_MEDICARE');
    const cpf = twoCheckDigits('123456789', cs.brCpfValid);
    const cpfText = `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
    found(`documento ${cpfText}`, 'BR_CPF', cpfText);
    const cnpj = twoCheckDigits('112223330001', cs.brCnpjValid);
    const cnpjText = `${cnpj.slice(0, 2)}.${cnpj.slice(2, 5)}.${cnpj.slice(5, 8)}/${cnpj.slice(8, 12)}-${cnpj.slice(12)}`;
    found(`empresa ${cnpjText}`, 'BR_CNPJ', cnpjText);
    absent(`empresa ${cnpjText.slice(0, -1)}${(Number(cnpjText.at(-1)) + 1) % 10}`, 'BR_CNPJ');
  });

  test('letter-bearing national identifiers', () => {
    found('DNI 12345678Z', 'ES_NIF', '12345678Z');
    absent('DNI 12345678A', 'ES_NIF');
    found('NIE X1234567L', 'ES_NIE', 'X1234567L');
    absent('NIE X1234567A', 'ES_NIE');
    const nric = complete('S1234567', cs.sgNricValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    found(`NRIC ${nric}`, 'SG_NRIC_FIN', nric);
    absent(`NRIC ${corrupt(nric, cs.sgNricValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}`, 'SG_NRIC_FIN');
    found('NINO AB123456C', 'UK_NINO', 'AB123456C');
    absent('NINO QQ123456C', 'UK_NINO');
    const cf = complete('RSSMRA85T10A562', cs.itFiscalCodeValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    found(`codice fiscale ${cf}`, 'IT_FISCAL_CODE', cf);
    const omocodia = complete('RSSMRA85T1LA562', cs.itFiscalCodeValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    found(`codice fiscale ${omocodia}`, 'IT_FISCAL_CODE', omocodia);
    absent(
      `codice fiscale ${corrupt(cf, cs.itFiscalCodeValid, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}`,
      'IT_FISCAL_CODE',
    );
    const fi = complete('131052-308', cs.fiPersonalIdValid, '0123456789ABCDEFHJKLMNPRSTUVWXY');
    found(`hetu ${fi}`, 'FI_PERSONAL_IDENTITY_CODE', fi);
    const dea = complete('AB123456', cs.usDeaValid);
    found(`DEA number ${dea}`, 'MEDICAL_LICENSE', dea);
    absent(`DEA number ${corrupt(dea, cs.usDeaValid)}`, 'MEDICAL_LICENSE');
    found('PAN ABCPE1234F', 'IN_PAN', 'ABCPE1234F');
  });

  test('French NIR including Corsica and VIN', () => {
    const nir = (body: string) => {
      for (let k = 1; k <= 97; k++) {
        const v = body + String(k).padStart(2, '0');
        if (cs.frNirValid(v)) return v;
      }
      throw new Error('no key');
    };
    const plain = nir('1850578006084');
    found(`numéro de sécurité sociale ${plain}`, 'FR_NIR', plain);
    const corsica = nir('185052A006084');
    found(`NIR ${corsica}`, 'FR_NIR', corsica);
    assert.equal(cs.frNirValid(`${plain.slice(0, 13)}${plain.slice(13) === '01' ? '02' : '01'}`), false);
    assert.ok(cs.vinValid('1M8GDM9AXKP042788'));
    found('VIN 1M8GDM9AXKP042788', 'VIN', '1M8GDM9AXKP042788');
    absent('VIN 1M8GDM9A1KP042788', 'VIN');
  });

  test('crypto addresses: Base58Check, bech32, EIP-55', () => {
    found('send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'CRYPTO', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2');
    found('btc 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'CRYPTO', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy');
    absent('send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', 'CRYPTO');
    found(
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      'CRYPTO',
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
    );
    found(
      'taproot bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      'CRYPTO',
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
    );
    absent('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'CRYPTO');
    const eth = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    assert.ok(found(`wallet ${eth}`, 'CRYPTO', eth) >= 0.9);
    absent('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', 'CRYPTO');
    assert.equal(cs.ethereumChecksum(eth.toLowerCase()), 'single-case');
    absent(eth.toLowerCase(), 'CRYPTO');
    found(`wallet ${eth.toLowerCase()}`, 'CRYPTO', eth.toLowerCase());
  });
});

describe('pii detector: format-matched types', () => {
  test('email, URL, IPv4, IPv6, MAC', () => {
    found('write to jane.roe+tag@mail.example.co.uk.', 'EMAIL_ADDRESS', 'jane.roe+tag@mail.example.co.uk');
    absent('a@b is not an address', 'EMAIL_ADDRESS');
    found('see https://example.com/path?q=1).', 'URL', 'https://example.com/path?q=1');
    found('host 10.0.12.255 up', 'IP_ADDRESS', '10.0.12.255');
    absent('version 1.2.3.4.5 and 300.1.1.1', 'IP_ADDRESS');
    found('addr 2001:db8::8a2e:370:7334', 'IP_ADDRESS', '2001:db8::8a2e:370:7334');
    found(
      'addr 2001:0db8:0000:0000:0000:ff00:0042:8329',
      'IP_ADDRESS',
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
    );
    found('mapped ::ffff:192.0.2.1', 'IP_ADDRESS', '::ffff:192.0.2.1');
    absent('at 12:30:45 today', 'IP_ADDRESS');
    found('mac 00:1A:2B:3C:4D:5E', 'MAC_ADDRESS', '00:1A:2B:3C:4D:5E');
  });

  test('phone numbers: international, national with context, weak without', () => {
    found('call +44 20 7946 0958 now', 'PHONE_NUMBER', '+44 20 7946 0958');
    found('Telefon: 030 12345678', 'PHONE_NUMBER', '030 12345678');
    found('téléphone 01 23 45 67 89', 'PHONE_NUMBER', '01 23 45 67 89');
    found('teléfono 912 345 678', 'PHONE_NUMBER', '912 345 678');
    absent('there were 4817 2273 items', 'PHONE_NUMBER');
  });

  test('a national number valid in any one of the tried countries scores as valid, whatever its place', () => {
    // Valid only as a US number (tried after Germany, France and Italy), with and without punctuation.
    assert.equal(found('phone: 1-212-456-7890', 'PHONE_NUMBER', '1-212-456-7890'), 0.85);
    assert.equal(found('phone: 12124567890', 'PHONE_NUMBER', '12124567890'), 0.75);
    // Valid nowhere: only the phone context carries it.
    assert.equal(found('phone: (000) 000-0000', 'PHONE_NUMBER', '(000) 000-0000'), 0.6);
  });

  test('dates in seven languages and dates of birth', () => {
    found('meeting on 5 March 2021', 'DATE_TIME', '5 March 2021');
    found('am 3. März 2020 fertig', 'DATE_TIME', '3. März 2020');
    found('le 14 juillet 1789', 'DATE_TIME', '14 juillet 1789');
    found('el 5 de mayo de 2020', 'DATE_TIME', '5 de mayo de 2020');
    found('il 2 giugno 1946', 'DATE_TIME', '2 giugno 1946');
    found('em 7 de setembro de 1822', 'DATE_TIME', '7 de setembro de 1822');
    found('op 27 april 2013', 'DATE_TIME', '27 april 2013');
    found('on 2020-01-31 10:00', 'DATE_TIME', '2020-01-31 10:00');
    found('She was born on 10/5/1971.', 'DATE_OF_BIRTH', '10/5/1971');
    found('geboren am 12.03.1980', 'DATE_OF_BIRTH', '12.03.1980');
    found('né le 3 avril 1990', 'DATE_OF_BIRTH', '3 avril 1990');
    found('nacido el 1/2/1985', 'DATE_OF_BIRTH', '1/2/1985');
    absent('you may go now', 'DATE_TIME');
  });

  test('context-only formats: passport, driver licence, MRN, zip', () => {
    found('passport number 123456789', 'US_PASSPORT', '123456789');
    absent('the value 123456789 again', 'US_PASSPORT');
    found("driver's license F1628235", 'US_DRIVER_LICENSE', 'F1628235');
    found('MRN: 00123456', 'MEDICAL_RECORD_NUMBER', '00123456');
    absent('we counted 00123456 grains', 'MEDICAL_RECORD_NUMBER');
    found('my zip code is 76400', 'ZIP_CODE', '76400');
  });
});

describe('pii detector: scores, lists and settings', () => {
  test('context raises and negative context lowers weak matches', () => {
    const withCtx = found('NHS number 943 476 5919', 'UK_NHS', '943 476 5919');
    const without = found('see 943 476 5919', 'UK_NHS', '943 476 5919');
    assert.ok(withCtx > without);
    absent('order number 9434765919', 'UK_NHS');
  });

  test('min_score, types, languages', () => {
    absent('email jane@example.org', 'EMAIL_ADDRESS', { types: ['CREDIT_CARD'] });
    absent('see 943 476 5919', 'UK_NHS', { min_score: 0.9 });
    absent('DNI 12345678Z', 'ES_NIF', { languages: ['en'] });
    found('DNI 12345678Z', 'ES_NIF', '12345678Z', { languages: ['es'] });
  });

  test('allow list suppresses, deny list reports CUSTOM_DENY', () => {
    absent('mail support@example.org', 'EMAIL_ADDRESS', { allow_list: ['Support@Example.org'] });
    assert.equal(found('Project Bluebird starts', 'CUSTOM_DENY', 'Bluebird', { deny_list: ['bluebird'] }), 1);
  });

  test('obfuscated values are found at their original spans', () => {
    const text = 'mail j\u200Bane@exаmple.org now'; // zero-width space and Cyrillic а
    const hit = scan(text).find((f) => f.type === 'EMAIL_ADDRESS');
    assert.ok(hit);
    assert.equal(hit.text, 'j\u200Bane@exаmple.org');
    const card = 'card ４１１１ １１１１ １１１１ １１１１ ok';
    const c = scan(card).find((f) => f.type === 'CREDIT_CARD');
    assert.ok(c);
    assert.equal(c.text, '４１１１ １１１１ １１１１ １１１１');
  });

  test('offsets are exact and findings deterministic across segments', () => {
    const detector = createPiiDetector({});
    const segments = [
      { index: 0, source: 'user' as const, path: 'a', text: '😀 ip 192.168.1.20' },
      { index: 1, source: 'user' as const, path: 'b', text: 'nothing here' },
    ];
    const a = detector.inspect(segments, { direction: 'input' });
    const b = detector.inspect(segments, { direction: 'input' });
    assert.deepEqual(a, b);
    assert.ok(Array.isArray(a));
    assert.equal(a.length, 1);
    assert.deepEqual(a[0]?.span, { start: 6, end: 18 });
    assert.equal(a[0]?.segment, 0);
  });
});

describe('pii detector: digit windows', () => {
  test('windows cover every digit, do not cut words and are merged in order', () => {
    const text = `${'lorem ipsum dolor '.repeat(20)}IBAN GB82 WEST 1234 5698 7654 32${' sit amet consectetur'.repeat(20)} 42`;
    const windows = digitWindows(text);
    assert.equal(windows.length % 2, 0);
    for (let w = 2; w < windows.length; w += 2) assert.ok(windows[w]! > windows[w - 1]!);
    for (let i = 0; i < text.length; i++) {
      if (text[i]! < '0' || text[i]! > '9') continue;
      let covered = false;
      for (let w = 0; w < windows.length; w += 2) if (windows[w]! <= i && i < windows[w + 1]!) covered = true;
      assert.ok(covered, `digit at ${i} is outside every window`);
    }
    // Window edges fall on whitespace or the ends of the text, never inside a word.
    for (const edge of windows) {
      assert.ok(edge === 0 || edge === text.length || /\s/.test(text[edge - 1]!) || /\s/.test(text[edge]!));
    }
    assert.deepEqual(digitWindows('no digits here'), []);
  });

  test('identifiers far into long prose are still found at their exact spans', () => {
    const prose = 'The committee discussed the plan at length and agreed on the next steps. '.repeat(40);
    const text = `${prose}Wire it to GB82 WEST 1234 5698 7654 32 please. ${prose}Born on 5 March 1990.`;
    assert.ok(found(text, 'IBAN_CODE', 'GB82 WEST 1234 5698 7654 32') >= 0.9);
    assert.ok(found(text, 'DATE_OF_BIRTH', '5 March 1990') >= 0.5);
  });
});

describe('pii detector: postal codes (ZIP_CODE)', () => {
  test('a US ZIP or ZIP+4 after a state code or state name', () => {
    assert.ok(found('Springfield, IL 62704', 'ZIP_CODE', '62704') >= 0.6);
    assert.ok(found('Austin TX 78701', 'ZIP_CODE', '78701') >= 0.6);
    assert.ok(found('CA 94105-1234', 'ZIP_CODE', '94105-1234') >= 0.6);
    assert.ok(found('Sacramento, California 95814', 'ZIP_CODE', '95814') >= 0.6);
  });

  test('a postal code a few words after (or right before) a postal-code word', () => {
    assert.ok(found('my zip code is 76400', 'ZIP_CODE', '76400') >= 0.6);
    found('Zip: 90210-3344', 'ZIP_CODE', '90210-3344');
    found('postal code: K1A 0B1', 'ZIP_CODE', 'K1A 0B1');
    found('Postcode SW1A 1AA', 'ZIP_CODE', 'SW1A 1AA');
    found('SW1A 1AA is my postcode', 'ZIP_CODE', 'SW1A 1AA');
    found('PLZ: 10115', 'ZIP_CODE', '10115');
    found('Il CAP è 00184', 'ZIP_CODE', '00184');
    found('code postal 75001', 'ZIP_CODE', '75001');
    found('código postal 28013', 'ZIP_CODE', '28013');
  });

  test('a postcode right after a street address the address does not cover', () => {
    const text = '45 Oak Avenue\nSpringfield 62704';
    const hits = postcodesNearAddress(text, { start: 0, end: 13 });
    assert.deepEqual(
      hits.map((h) => text.slice(h.start, h.end)),
      ['62704'],
    );
    assert.ok((hits[0]?.score ?? 0) >= 0.6);
    const after = 'Musterstraße 12, 10115 Berlin';
    assert.deepEqual(
      postcodesNearAddress(after, { start: 0, end: 15 }).map((h) => after.slice(h.start, h.end)),
      ['10115'],
    );
    // The next line is a sentence, not a place and a code: the number is not a postcode.
    const prose = '45 Oak Avenue\nI moved in 2019 with 12345 books';
    assert.deepEqual(postcodesNearAddress(prose, { start: 0, end: 13 }), []);
  });

  test('the part after a street address is read up to 80 code units, after blanks on the address line', () => {
    const codes = (text: string) =>
      postcodesNearAddress(text, { start: 0, end: 13 }).map((h) => text.slice(h.start, h.end));
    // Spaces, tabs and commas may end the address line; anything else there means no next-line part.
    assert.deepEqual(codes('45 Oak Avenue ,\t\nSpringfield 62704'), ['62704']);
    assert.deepEqual(codes('45 Oak Avenue x\nSpringfield 62704'), []);
    // The next line is at most 80 code units (to its newline or the end of the text).
    // A place of three words (the first padded: the place-and-code pattern allows only four leading blanks).
    const word = (length: number) => `B${'b'.repeat(length - 1)}`;
    const line = (length: number) => `${word(length - 50)} ${word(31)} Springfield 62704`;
    assert.deepEqual(codes(`45 Oak Avenue\n${line(80)}`), ['62704']);
    assert.deepEqual(codes(`45 Oak Avenue\n${line(80)}\nmore`), ['62704']);
    assert.deepEqual(codes(`45 Oak Avenue\n${line(81)}`), []);
    assert.deepEqual(codes(`45 Oak Avenue, ${line(79)}`), ['62704']);
    assert.deepEqual(codes(`45 Oak Avenue, ${line(80)}`), []);
  });

  test('a postcode inside a reported street address is part of that address', () => {
    const hits = scan('Send it to 12 Main Street, Springfield, IL 62704 please.');
    assert.ok(hits.some((h) => h.type === 'STREET_ADDRESS' && h.text.endsWith('62704')));
    assert.ok(!hits.some((h) => h.type === 'ZIP_CODE'));
  });

  test('bare numbers, order numbers, phone numbers and years are not postal codes', () => {
    absent('I have 12345 apples', 'ZIP_CODE');
    absent('order #90210', 'ZIP_CODE');
    absent('Call 555-123-4567 or (415) 555 1234', 'ZIP_CODE');
    absent('In 2019 and 2020 we grew.', 'ZIP_CODE');
    absent('The market cap is 50000 dollars', 'ZIP_CODE');
    absent('plz send 10000 tokens', 'ZIP_CODE');
    absent('Texas has 254 counties', 'ZIP_CODE');
    absent('Zip code 00000', 'ZIP_CODE');
    // A UK postcode alone is only a weak signal (below the default threshold).
    absent('see SW1A 1AA', 'ZIP_CODE');
  });
});
