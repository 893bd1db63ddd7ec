/**
 * Recognizers for identifiers made only of digits (with optional space, dot, dash or slash separators).
 * The detector finds every digit run once with NUMERIC_RUN and hands it to the recognizers whose lengths
 * match, so adding a type costs no extra scan of the text.
 */

import {
  aadhaarValid,
  abaValid,
  auAbnValid,
  auAcnValid,
  auMedicareValid,
  auTfnValid,
  brCnpjValid,
  brCpfValid,
  caSinValid,
  creditCardValid,
  deTaxIdValid,
  frNirValid,
  itVatValid,
  krRrnValid,
  luhnValid,
  nlBsnValid,
  plPeselValid,
  ptNifValid,
  thTninValid,
  ukNhsValid,
  usItinValid,
  usNpiValid,
  usSsnValid,
} from './checksums.ts';
import { CONTEXT } from './context-words.ts';

/**
 * A digit run: 8–19 digits, separated by at most one space, dot, dash or slash, not glued to a word or
 * to a further separator+digit. Every repetition is bounded and each iteration consumes exactly one digit
 * (separator and digit classes are disjoint), so matching is linear.
 */
export const NUMERIC_RUN = /(?<![\w./-])\d(?:[ ./-]?\d){7,18}(?![\w])(?![./-]\d)/g;

/** The digits of a run and its grouping, e.g. digits `123456789`, shape `3-2-4`. */
export interface DigitRun {
  digits: string;
  /** Group lengths joined by the separators found, e.g. `3-2-4`, `4 4 4 4`, or `9` when unseparated. */
  shape: string;
}

/** A numeric recognizer answers a base score for a run it accepts, or null. */
export interface NumericRecognizer {
  readonly id: string;
  readonly type: string;
  readonly languages: readonly string[];
  readonly lengths: readonly number[];
  readonly context: readonly string[];
  /** Base score when the run is valid, before context; null when the run is not this type. */
  score(run: DigitRun): number | null;
  /** When true, the score falls if negative context words (order, invoice…) precede the match. */
  readonly weak?: boolean;
}

/** Splits a raw run into digits and shape. */
export function digitRun(raw: string): DigitRun {
  let digits = '';
  let shape = '';
  let groupLength = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch >= '0' && ch <= '9') {
      digits += ch;
      groupLength++;
    } else {
      shape += `${groupLength}${ch}`;
      groupLength = 0;
    }
  }
  return { digits, shape: shape + String(groupLength) };
}

function shapeIs(run: DigitRun, ...shapes: string[]): boolean {
  return shapes.includes(run.shape);
}

/** Shapes with a single separator kind repeated (e.g. `4 4 4 4`, `4-4-4-4`). */
function uniformGroups(run: DigitRun, groups: string): boolean {
  return (
    run.shape === groups ||
    run.shape === groups.replaceAll(' ', '-') ||
    run.shape === groups.replaceAll(' ', '.')
  );
}

/** Card grouping: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners) with one separator kind, or no separator. */
function cardShape(run: DigitRun): boolean {
  if (!/[ ./-]/.test(run.shape)) return true;
  return (
    uniformGroups(run, '4 4 4 4') ||
    uniformGroups(run, '4 4 4 4 3') ||
    uniformGroups(run, '4 6 5') ||
    uniformGroups(run, '4 6 4') ||
    uniformGroups(run, '4 4 4 3') ||
    uniformGroups(run, '4 4 4 2') ||
    uniformGroups(run, '4 4 5')
  );
}

const ALL = ['*'] as const;

/** Numeric recognizers in priority order (earlier wins a tie on the same span). */
export const NUMERIC_RECOGNIZERS: readonly NumericRecognizer[] = [
  {
    id: 'pii.credit-card',
    type: 'CREDIT_CARD',
    languages: ALL,
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    context: CONTEXT.card,
    // Known issuer range + Luhn: strong. Luhn alone (unknown range): needs card context to be reported.
    score: (run) => {
      if (!cardShape(run)) return null;
      if (creditCardValid(run.digits)) return run.digits.length >= 14 ? 0.85 : 0.5;
      return run.digits.length >= 13 && luhnValid(run.digits) && !/^0+$/.test(run.digits) ? 0.2 : null;
    },
  },
  {
    id: 'pii.us-ssn',
    type: 'US_SSN',
    languages: ['en'],
    lengths: [9],
    context: CONTEXT.ssn,
    weak: true,
    score: (run) => {
      if (!usSsnValid(run.digits)) return null;
      if (shapeIs(run, '3-2-4')) return 0.6;
      if (shapeIs(run, '3 2 4', '3.2.4')) return 0.4;
      return shapeIs(run, '9') ? 0.3 : null;
    },
  },
  {
    id: 'pii.us-itin',
    type: 'US_ITIN',
    languages: ['en'],
    lengths: [9],
    context: CONTEXT.itin,
    weak: true,
    score: (run) =>
      usItinValid(run.digits)
        ? shapeIs(run, '3-2-4')
          ? 0.55
          : shapeIs(run, '9', '3 2 4')
            ? 0.3
            : null
        : null,
  },
  {
    id: 'pii.ca-sin',
    type: 'CA_SIN',
    languages: ['en', 'fr'],
    lengths: [9],
    context: CONTEXT.caSin,
    weak: true,
    score: (run) => (caSinValid(run.digits) && shapeIs(run, '3-3-3', '3 3 3', '9') ? 0.3 : null),
  },
  {
    id: 'pii.nl-bsn',
    type: 'NL_BSN',
    languages: ['nl'],
    lengths: [9],
    context: CONTEXT.nlBsn,
    weak: true,
    score: (run) => (nlBsnValid(run.digits) && shapeIs(run, '9', '4.2.3', '3.3.3', '3 3 3') ? 0.3 : null),
  },
  {
    id: 'pii.au-tfn',
    type: 'AU_TFN',
    languages: ['en'],
    lengths: [8, 9],
    context: CONTEXT.auTfn,
    weak: true,
    score: (run) =>
      auTfnValid(run.digits) && shapeIs(run, '9', '8', '3 3 3', '3-3-3', '3 3 2') ? 0.25 : null,
  },
  {
    id: 'pii.au-acn',
    type: 'AU_ACN',
    languages: ['en'],
    lengths: [9],
    context: CONTEXT.auAcn,
    weak: true,
    score: (run) => (auAcnValid(run.digits) && shapeIs(run, '9', '3 3 3') ? 0.2 : null),
  },
  {
    id: 'pii.pt-nif',
    type: 'PT_NIF',
    languages: ['pt'],
    lengths: [9],
    context: CONTEXT.ptNif,
    weak: true,
    score: (run) => (ptNifValid(run.digits) && shapeIs(run, '9', '3 3 3', '3.3.3') ? 0.2 : null),
  },
  {
    id: 'pii.us-bank-routing',
    type: 'US_BANK_ROUTING',
    languages: ['en'],
    lengths: [9],
    context: CONTEXT.routing,
    weak: true,
    score: (run) => (abaValid(run.digits) && shapeIs(run, '9', '4-4-1') ? 0.2 : null),
  },
  {
    id: 'pii.uk-nhs',
    type: 'UK_NHS',
    languages: ['en'],
    lengths: [10],
    context: CONTEXT.nhs,
    weak: true,
    score: (run) =>
      ukNhsValid(run.digits)
        ? shapeIs(run, '3 3 4', '3-3-4')
          ? 0.5
          : shapeIs(run, '10')
            ? 0.3
            : null
        : null,
  },
  {
    id: 'pii.us-npi',
    type: 'US_NPI',
    languages: ['en'],
    lengths: [10],
    context: CONTEXT.npi,
    weak: true,
    score: (run) => (usNpiValid(run.digits) && shapeIs(run, '10') ? 0.3 : null),
  },
  {
    id: 'pii.au-medicare',
    type: 'AU_MEDICARE',
    languages: ['en'],
    lengths: [10, 11],
    context: CONTEXT.medicare,
    weak: true,
    score: (run) =>
      auMedicareValid(run.digits) && shapeIs(run, '10', '11', '4 5 1', '4 5 1 1') ? 0.2 : null,
  },
  {
    id: 'pii.br-cpf',
    type: 'BR_CPF',
    languages: ['pt'],
    lengths: [11],
    context: CONTEXT.cpf,
    weak: true,
    score: (run) =>
      brCpfValid(run.digits) ? (shapeIs(run, '3.3.3-2') ? 0.7 : shapeIs(run, '11') ? 0.3 : null) : null,
  },
  {
    id: 'pii.de-tax-id',
    type: 'DE_TAX_ID',
    languages: ['de'],
    lengths: [11],
    context: CONTEXT.deTax,
    weak: true,
    score: (run) => (deTaxIdValid(run.digits) && shapeIs(run, '11', '2 3 3 3') ? 0.3 : null),
  },
  {
    id: 'pii.pl-pesel',
    type: 'PL_PESEL',
    languages: ['pl'],
    lengths: [11],
    context: CONTEXT.pesel,
    weak: true,
    score: (run) => (plPeselValid(run.digits) && shapeIs(run, '11') ? 0.3 : null),
  },
  {
    id: 'pii.au-abn',
    type: 'AU_ABN',
    languages: ['en'],
    lengths: [11],
    context: CONTEXT.auAbn,
    weak: true,
    score: (run) =>
      auAbnValid(run.digits) ? (shapeIs(run, '2 3 3 3') ? 0.45 : shapeIs(run, '11') ? 0.25 : null) : null,
  },
  {
    id: 'pii.it-vat-code',
    type: 'IT_VAT_CODE',
    languages: ['it'],
    lengths: [11],
    context: CONTEXT.itVat,
    weak: true,
    score: (run) => (itVatValid(run.digits) && shapeIs(run, '11') ? 0.2 : null),
  },
  {
    id: 'pii.in-aadhaar',
    type: 'IN_AADHAAR',
    languages: ['en'],
    lengths: [12],
    context: CONTEXT.aadhaar,
    weak: true,
    score: (run) =>
      aadhaarValid(run.digits)
        ? shapeIs(run, '4 4 4', '4-4-4')
          ? 0.5
          : shapeIs(run, '12')
            ? 0.3
            : null
        : null,
  },
  {
    id: 'pii.kr-rrn',
    type: 'KR_RRN',
    languages: ['ko', 'en'],
    lengths: [13],
    context: CONTEXT.krRrn,
    weak: true,
    score: (run) =>
      krRrnValid(run.digits) ? (shapeIs(run, '6-7') ? 0.5 : shapeIs(run, '13') ? 0.25 : null) : null,
  },
  {
    id: 'pii.th-tnin',
    type: 'TH_TNIN',
    languages: ['th', 'en'],
    lengths: [13],
    context: CONTEXT.thTnin,
    weak: true,
    score: (run) =>
      thTninValid(run.digits)
        ? shapeIs(run, '1-4-5-2-1', '1 4 5 2 1')
          ? 0.5
          : shapeIs(run, '13')
            ? 0.25
            : null
        : null,
  },
  {
    id: 'pii.br-cnpj',
    type: 'BR_CNPJ',
    languages: ['pt'],
    lengths: [14],
    context: CONTEXT.cnpj,
    weak: true,
    score: (run) =>
      brCnpjValid(run.digits) ? (shapeIs(run, '2.3.3/4-2') ? 0.75 : shapeIs(run, '14') ? 0.3 : null) : null,
  },
  {
    id: 'pii.fr-nir',
    type: 'FR_NIR',
    languages: ['fr'],
    lengths: [15],
    context: CONTEXT.frNir,
    weak: true,
    score: (run) =>
      frNirValid(run.digits)
        ? shapeIs(run, '1 2 2 2 3 3 2')
          ? 0.6
          : shapeIs(run, '15', '13 2')
            ? 0.4
            : null
        : null,
  },
  {
    id: 'pii.us-bank-number',
    type: 'US_BANK_NUMBER',
    languages: ['en'],
    lengths: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    context: CONTEXT.bankAccount,
    weak: true,
    score: (run) => (/^\d{1,2}$/.test(run.shape) ? 0.1 : null),
  },
  {
    id: 'pii.us-passport',
    type: 'US_PASSPORT',
    languages: ['en'],
    lengths: [9],
    context: CONTEXT.passport,
    weak: true,
    score: (run) => (shapeIs(run, '9') ? 0.2 : null),
  },
  {
    id: 'pii.medical-record-number',
    type: 'MEDICAL_RECORD_NUMBER',
    languages: ALL,
    lengths: [8, 9, 10, 11, 12],
    context: CONTEXT.mrn,
    weak: true,
    score: (run) => (/^\d{1,2}(?:-\d{1,2})?$/.test(run.shape) ? 0.1 : null),
  },
];
