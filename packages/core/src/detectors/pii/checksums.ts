/**
 * Check-digit and structure validators for the identifiers the PII detector reports. Each takes the
 * compact value (separators removed, upper-case where letters occur) and answers whether it is valid.
 * Pure functions, no allocation beyond small temporaries.
 */

import { keccak256, sha256, toHex } from './hashes.ts';

function digitAt(value: string, index: number): number {
  return value.charCodeAt(index) - 48;
}

function allSameChar(value: string): boolean {
  for (let i = 1; i < value.length; i++) if (value[i] !== value[0]) return false;
  return true;
}

/** Luhn (mod 10) over a digit string, check digit last. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digitAt(digits, i);
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Weighted digit sum: Σ digit[i] × weights[i]. */
function weighted(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += digitAt(digits, i) * (weights[i] as number);
  return sum;
}

/** Payment card: 12–19 digits, a known issuer prefix (IIN range) and a valid Luhn check digit. */
export function creditCardValid(digits: string): boolean {
  const n = digits.length;
  if (n < 12 || n > 19 || allSameChar(digits)) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  const issuerOk =
    (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) || // Visa
    (p2 >= 51 && p2 <= 55 && n === 16) || // Mastercard
    (p6 >= 222100 && p6 <= 272099 && n === 16) || // Mastercard 2-series
    ((p2 === 34 || p2 === 37) && n === 15) || // American Express
    (((p4 >= 3000 && p4 <= 3059) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) &&
      n >= 14 &&
      n <= 19) || // Diners
    ((p4 === 6011 || p2 === 65 || (p6 >= 622126 && p6 <= 622925) || (p4 >= 6440 && p4 <= 6499)) && n >= 16) || // Discover
    (p4 >= 3528 && p4 <= 3589 && n >= 16) || // JCB
    ((p4 === 2131 || p4 === 1800) && n === 15) || // JCB 15
    (p2 === 62 && n >= 16) || // UnionPay
    ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12) || // Maestro
    (p4 >= 2200 && p4 <= 2204 && n === 16); // Mir
  return issuerOk && luhnValid(digits);
}

/** IBAN lengths per country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Remainder of a long alphanumeric string (letters A=10 … Z=35) modulo 97, computed digit by digit. */
function mod97(value: string): number {
  let remainder = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 48 && code <= 57) remainder = (remainder * 10 + code - 48) % 97;
    else if (code >= 65 && code <= 90) remainder = (remainder * 100 + code - 55) % 97;
    else return -1;
  }
  return remainder;
}

/** IBAN: country length from the registry and ISO 7064 mod-97 = 1. */
export function ibanValid(compact: string): boolean {
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected === undefined || compact.length !== expected) return false;
  return mod97(compact.slice(4) + compact.slice(0, 4)) === 1;
}

/** ABA routing transit number: 9 digits, 3-7-1 weighted sum ≡ 0 (mod 10), valid Federal Reserve prefix. */
export function abaValid(digits: string): boolean {
  if (digits.length !== 9 || allSameChar(digits)) return false;
  const prefix = Number(digits.slice(0, 2));
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80)) {
    return false;
  }
  return weighted(digits, [3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 === 0;
}

const SSN_INVALID = new Set(['078051120', '219099999', '123456789', '111111111', '987654320', '987654321']);

/** US SSN: area ≠ 000/666/9xx, group ≠ 00, serial ≠ 0000, not a known advertising/sample number. */
export function usSsnValid(digits: string): boolean {
  if (digits.length !== 9 || SSN_INVALID.has(digits) || allSameChar(digits)) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  return digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

/** US ITIN: 9xx, group in 50–65, 70–88, 90–92 or 94–99. */
export function usItinValid(digits: string): boolean {
  if (digits.length !== 9 || digits[0] !== '9') return false;
  const group = Number(digits.slice(3, 5));
  return (
    (group >= 50 && group <= 65) ||
    (group >= 70 && group <= 88) ||
    (group >= 90 && group <= 92) ||
    group >= 94
  );
}

/** UK NHS number: 10 digits, mod-11 check digit (a remainder giving 10 is invalid). */
export function ukNhsValid(digits: string): boolean {
  if (digits.length !== 10 || allSameChar(digits)) return false;
  const check = 11 - (weighted(digits, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === digitAt(digits, 9);
}

const NINO_BAD_FIRST = 'DFIQUV';
const NINO_BAD_SECOND = 'DFIOQUV';
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** UK National Insurance number: allowed two-letter prefix, 6 digits, suffix A–D. */
export function ukNinoValid(compact: string): boolean {
  if (!/^[A-Z]{2}\d{6}[A-D]$/.test(compact)) return false;
  const prefix = compact.slice(0, 2);
  return (
    !NINO_BAD_FIRST.includes(compact[0] as string) &&
    !NINO_BAD_SECOND.includes(compact[1] as string) &&
    !NINO_BAD_PREFIX.has(prefix)
  );
}

/** German Steuer-ID: 11 digits, no leading 0, one digit repeated 2–3 times in the first 10, ISO 7064 MOD 11,10. */
export function deTaxIdValid(digits: string): boolean {
  if (digits.length !== 11 || digits[0] === '0') return false;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10; i++) counts[digitAt(digits, i)] = (counts[digitAt(digits, i)] as number) + 1;
  let repeated = 0;
  for (const count of counts) {
    if (count > 3) return false;
    if (count >= 2) repeated++;
  }
  if (repeated !== 1) return false;
  for (let i = 0; i + 2 < 10; i++) {
    if (digits[i] === digits[i + 1] && digits[i] === digits[i + 2]) return false;
  }
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (digitAt(digits, i) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check === 10) check = 0;
  return check === digitAt(digits, 10);
}

/** French NIR (numéro de sécurité sociale): 15 characters, key = 97 − (number mod 97); Corsica 2A/2B. */
export function frNirValid(compact: string): boolean {
  if (!/^[12378]\d{4}(?:\d{2}|2A|2B)\d{8}$/.test(compact)) return false;
  const month = Number(compact.slice(3, 5));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || (month >= 50 && month <= 99)))
    return false;
  let body = compact.slice(0, 13);
  if (body.slice(5, 7) === '2A') body = `${body.slice(0, 5)}19${body.slice(7)}`;
  else if (body.slice(5, 7) === '2B') body = `${body.slice(0, 5)}18${body.slice(7)}`;
  return 97 - mod97(body) === Number(compact.slice(13));
}

const ES_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI/NIF: 8 digits and the mod-23 control letter. */
export function esNifValid(compact: string): boolean {
  if (!/^\d{8}[A-Z]$/.test(compact)) return false;
  return ES_LETTERS[Number(compact.slice(0, 8)) % 23] === compact[8];
}

/** Spanish NIE: X/Y/Z, 7 digits and the control letter (X=0, Y=1, Z=2). */
export function esNieValid(compact: string): boolean {
  if (!/^[XYZ]\d{7}[A-Z]$/.test(compact)) return false;
  const number = Number(`${'XYZ'.indexOf(compact[0] as string)}${compact.slice(1, 8)}`);
  return ES_LETTERS[number % 23] === compact[8];
}

const IT_ODD: readonly number[] = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
const IT_OMOCODIA = 'LMNPQRSTUV';
const IT_MONTHS = 'ABCDEHLMPRST';

/** Italian codice fiscale: 16 characters (omocodia letters allowed in digit positions) and the check character. */
export function itFiscalCodeValid(compact: string): boolean {
  if (
    !/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(compact)
  ) {
    return false;
  }
  if (!IT_MONTHS.includes(compact[8] as string)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const ch = compact[i] as string;
    const code = ch.charCodeAt(0);
    const value = code >= 48 && code <= 57 ? code - 48 : code - 65;
    // Positions are 1-based in the specification: odd positions use the odd table.
    sum += i % 2 === 0 ? (IT_ODD[value] as number) : value;
  }
  // Day with omocodia substitution must still be a plausible day (1–31, +40 for women).
  const dayText = compact
    .slice(9, 11)
    .replace(/[LMNPQRSTUV]/g, (letter) => String(IT_OMOCODIA.indexOf(letter)));
  const day = Number(dayText);
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return false;
  return String.fromCharCode(65 + (sum % 26)) === compact[15];
}

/** Italian partita IVA: 11 digits with the Luhn check digit. */
export function itVatValid(digits: string): boolean {
  return digits.length === 11 && !allSameChar(digits) && luhnValid(digits);
}

/** Dutch BSN: 9 digits, 11-proof (weights 9…2, last digit −1). */
export function nlBsnValid(digits: string): boolean {
  if (digits.length !== 9 || allSameChar(digits)) return false;
  const sum = weighted(digits, [9, 8, 7, 6, 5, 4, 3, 2]) - digitAt(digits, 8);
  return sum > 0 && sum % 11 === 0;
}

const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff check over a digit string, check digit last. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digitAt(digits, digits.length - 1 - i);
    c = (VERHOEFF_D[c] as number[])[(VERHOEFF_P[i % 8] as number[])[d] as number] as number;
  }
  return c === 0;
}

/** Indian Aadhaar: 12 digits, first digit 2–9, not a palindrome, Verhoeff check. */
export function aadhaarValid(digits: string): boolean {
  if (digits.length !== 12 || digits[0] === '0' || digits[0] === '1') return false;
  if (digits === [...digits].reverse().join('')) return false;
  return verhoeffValid(digits);
}

/** Singapore NRIC/FIN: S/T/F/G/M, 7 digits, check letter. */
export function sgNricValid(compact: string): boolean {
  if (!/^[STFGM]\d{7}[A-Z]$/.test(compact)) return false;
  const prefix = compact[0] as string;
  let sum = weighted(compact.slice(1, 8), [2, 7, 6, 5, 4, 3, 2]);
  if (prefix === 'T' || prefix === 'G') sum += 4;
  else if (prefix === 'M') sum += 3;
  const r = sum % 11;
  let letters: string;
  if (prefix === 'S' || prefix === 'T') letters = 'JZIHGFEDCBA';
  else if (prefix === 'F' || prefix === 'G') letters = 'XWUTRQPNMLK';
  else letters = 'XWUTRQPNJLK';
  return letters[r] === compact[8];
}

/** Australian TFN: 8 or 9 digits, weighted sum ≡ 0 (mod 11). */
export function auTfnValid(digits: string): boolean {
  if (allSameChar(digits)) return false;
  if (digits.length === 9) return weighted(digits, [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 === 0;
  if (digits.length === 8) return weighted(digits, [10, 7, 8, 4, 6, 3, 5, 1]) % 11 === 0;
  return false;
}

/** Australian ABN: 11 digits, first digit − 1, weighted sum ≡ 0 (mod 89). */
export function auAbnValid(digits: string): boolean {
  if (digits.length !== 11 || digits[0] === '0') return false;
  const weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
  let sum = (digitAt(digits, 0) - 1) * 10;
  for (let i = 1; i < 11; i++) sum += digitAt(digits, i) * (weights[i] as number);
  return sum % 89 === 0;
}

/** Australian ACN: 9 digits, complement check digit over weights 8…1. */
export function auAcnValid(digits: string): boolean {
  if (digits.length !== 9 || allSameChar(digits)) return false;
  const check = (10 - (weighted(digits, [8, 7, 6, 5, 4, 3, 2, 1]) % 10)) % 10;
  return check === digitAt(digits, 8);
}

/** Australian Medicare card: 10 or 11 digits, first digit 2–6, weighted check digit in position 9. */
export function auMedicareValid(digits: string): boolean {
  if ((digits.length !== 10 && digits.length !== 11) || !'23456'.includes(digits[0] as string)) return false;
  return weighted(digits, [1, 3, 7, 9, 1, 3, 7, 9]) % 10 === digitAt(digits, 8);
}

/** Brazilian CPF: 11 digits, two mod-11 check digits, not all the same digit. */
export function brCpfValid(digits: string): boolean {
  if (digits.length !== 11 || allSameChar(digits)) return false;
  for (const length of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += digitAt(digits, i) * (length + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== digitAt(digits, length)) return false;
  }
  return true;
}

/** Brazilian CNPJ: 14 digits, two mod-11 check digits. */
export function brCnpjValid(digits: string): boolean {
  if (digits.length !== 14 || allSameChar(digits)) return false;
  const w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
  const w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
  for (const [weights, position] of [
    [w1, 12],
    [w2, 13],
  ] as const) {
    const r = weighted(digits, weights) % 11;
    if ((r < 2 ? 0 : 11 - r) !== digitAt(digits, position)) return false;
  }
  return true;
}

/** US NPI: 10 digits starting 1 or 2, Luhn over the `80840` prefix plus the number. */
export function usNpiValid(digits: string): boolean {
  return digits.length === 10 && (digits[0] === '1' || digits[0] === '2') && luhnValid(`80840${digits}`);
}

/** US DEA registration number: 2 letters, 7 digits, (d1+d3+d5) + 2(d2+d4+d6) ≡ d7 (mod 10). */
export function usDeaValid(compact: string): boolean {
  if (!/^[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}$/.test(compact)) return false;
  const d = compact.slice(2);
  const sum =
    digitAt(d, 0) + digitAt(d, 2) + digitAt(d, 4) + 2 * (digitAt(d, 1) + digitAt(d, 3) + digitAt(d, 5));
  return sum % 10 === digitAt(d, 6);
}

const VIN_VALUES: Readonly<Record<string, number>> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Vehicle identification number: 17 characters without I/O/Q, check digit in position 9. */
export function vinValid(compact: string): boolean {
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(compact)) return false;
  let letters = 0;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = compact[i] as string;
    const code = ch.charCodeAt(0);
    let value: number;
    if (code <= 57) value = code - 48;
    else {
      value = VIN_VALUES[ch] as number;
      letters++;
    }
    sum += value * (VIN_WEIGHTS[i] as number);
  }
  if (letters === 0 || letters === 17) return false;
  const r = sum % 11;
  return (r === 10 ? 'X' : String(r)) === compact[8];
}

/** Polish PESEL: 11 digits, encoded month valid, weighted check digit. */
export function plPeselValid(digits: string): boolean {
  if (digits.length !== 11 || allSameChar(digits)) return false;
  const month = Number(digits.slice(2, 4)) % 20;
  const day = Number(digits.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const check = (10 - (weighted(digits, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10;
  return check === digitAt(digits, 10);
}

const FI_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';

/** Finnish personal identity code (henkilötunnus): DDMMYY, century sign, 3 digits, mod-31 check. */
export function fiPersonalIdValid(compact: string): boolean {
  if (!/^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$/.test(compact)) return false;
  const day = Number(compact.slice(0, 2));
  const month = Number(compact.slice(2, 4));
  if (day < 1 || day > 31 || month < 1 || month > 12) return false;
  const number = Number(compact.slice(0, 6) + compact.slice(7, 10));
  return FI_CHECK[number % 31] === compact[10];
}

/** Canadian SIN: 9 digits, first digit not 0 or 8, Luhn. */
export function caSinValid(digits: string): boolean {
  return (
    digits.length === 9 && digits[0] !== '0' && digits[0] !== '8' && !allSameChar(digits) && luhnValid(digits)
  );
}

/** Korean resident registration number: 13 digits, plausible date and gender digit, weighted mod-11 check. */
export function krRrnValid(digits: string): boolean {
  if (digits.length !== 13) return false;
  const month = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31 || digits[6] === '0') return false;
  const check = (11 - (weighted(digits, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11)) % 10;
  return check === digitAt(digits, 12);
}

/** Thai national ID (TNIN): 13 digits, first not 0, weights 13…2, check = (11 − sum mod 11) mod 10. */
export function thTninValid(digits: string): boolean {
  if (digits.length !== 13 || digits[0] === '0') return false;
  const check = (11 - (weighted(digits, [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11)) % 10;
  return check === digitAt(digits, 12);
}

/** Portuguese NIF: 9 digits, valid first digit, mod-11 check digit. */
export function ptNifValid(digits: string): boolean {
  if (digits.length !== 9 || !'1235689'.includes(digits[0] as string)) return false;
  const r = weighted(digits, [9, 8, 7, 6, 5, 4, 3, 2]) % 11;
  return (r < 2 ? 0 : 11 - r) === digitAt(digits, 8);
}

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Indian GSTIN: state code, PAN, entity digit, `Z`, mod-36 check character. */
export function inGstinValid(compact: string): boolean {
  if (!/^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/.test(compact)) return false;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = BASE36.indexOf(compact[i] as string) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return BASE36[(36 - (sum % 36)) % 36] === compact[14];
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Decodes Base58 into bytes, or null on a character outside the alphabet. */
function base58Decode(text: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const ch of text) {
    let carry = BASE58.indexOf(ch);
    if (carry < 0) return null;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] as number) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

/** Bitcoin legacy address (P2PKH `1…`, P2SH `3…`): Base58Check with double SHA-256, 25 bytes, version 0 or 5. */
export function bitcoinBase58Valid(address: string): boolean {
  const bytes = base58Decode(address);
  if (bytes === null || bytes.length !== 25 || (bytes[0] !== 0x00 && bytes[0] !== 0x05)) return false;
  const checksum = sha256(sha256(bytes.subarray(0, 21)));
  for (let i = 0; i < 4; i++) if (checksum[i] !== bytes[21 + i]) return false;
  return true;
}

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function bech32Polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= BECH32_GEN[i] as number;
  }
  return chk >>> 0;
}

/** Bitcoin SegWit address (`bc1…`): bech32 (witness v0) or bech32m (v1+) checksum, single case. */
export function bitcoinBech32Valid(address: string): boolean {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) return false;
  const lower = address.toLowerCase();
  const separator = lower.lastIndexOf('1');
  if (separator !== 2 || lower.slice(0, 2) !== 'bc' || lower.length < 14 || lower.length > 74) return false;
  const data: number[] = [];
  for (let i = separator + 1; i < lower.length; i++) {
    const value = BECH32_CHARSET.indexOf(lower[i] as string);
    if (value < 0) return false;
    data.push(value);
  }
  const expanded = [3, 3, 0, 2, 3, ...data]; // hrp "bc" expanded: [b>>5, c>>5, 0, b&31, c&31]
  const polymod = bech32Polymod(expanded);
  const version = data[0] as number;
  if (version > 16) return false;
  return version === 0 ? polymod === 1 : polymod === 0x2bc830a3;
}

/** Ethereum address checksum state: `checksum` (valid EIP-55 mixed case), `single-case`, or `invalid`. */
export function ethereumChecksum(address: string): 'checksum' | 'single-case' | 'invalid' {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return 'invalid';
  const body = address.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return 'single-case';
  const hash = toHex(keccak256(new TextEncoder().encode(body.toLowerCase())));
  for (let i = 0; i < 40; i++) {
    const ch = body[i] as string;
    if (ch >= '0' && ch <= '9') continue;
    const upper = Number.parseInt(hash[i] as string, 16) >= 8;
    if (upper !== (ch >= 'A' && ch <= 'F')) return 'invalid';
  }
  return 'checksum';
}
