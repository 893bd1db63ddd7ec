/**
 * Text helpers and synthetic values for demo prompts. Every sensitive-looking value is a test value:
 * published card test numbers (Luhn-valid), published example IBANs, reserved fictional phone ranges,
 * `example.com`/`.org`/`.net` addresses, documentation IP ranges (RFC 5737), and credentials that are
 * random strings in a provider's format drawn from the seeded generator (AWS key ids carry `DEMO`). None
 * is, or was ever, a real person's data or a working credential.
 */
import { ALPHANUMERIC, BASE32_UPPER, type Random } from './random.ts';

/** Splits a space-separated word list (keeps long lists short in source). */
export function words(text: string): string[] {
  return text.split(' ').filter((word) => word.length > 0);
}

/** Upper-cases the first letter. */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

const FIRST = words(
  'maria james aisha david sofia liam fatima noah elena lucas chloe daniel yuki hannah mohammed ' +
    'laura thomas ana peter grace samuel julia martin emma oscar nora leon alice victor irene',
);
const LAST = words(
  'garcia smith khan johnson rossi martin novak wilson schneider dubois brown kowalski jensen ' +
    'tanaka murphy lopez weber fernandes clarke becker moreno hughes baker santos ward',
);
const STREETS = words('maple harbour station mill church park victoria oak river elm bridge quarry');
const STREET_KINDS = words('Street Road Avenue Lane');
const CITIES = words('Springfield Leeds Lyon Porto Utrecht Boulder Dundee Ghent Graz Tampere');
const MAIL_DOMAINS = words('example.com example.org example.net');

/** Published card test numbers (Visa, Mastercard, Amex, Discover, JCB): Luhn-valid, never issued. */
export const TEST_CARDS = [
  '4111 1111 1111 1111',
  '4242 4242 4242 4242',
  '4012 8888 8888 1881',
  '5555 5555 5555 4444',
  '5105 1051 0510 5100',
  '2223 0031 2200 3222',
  '3782 822463 10005',
  '3714 496353 98431',
  '6011 1111 1111 1117',
  '3530 1113 3330 0000',
];

/** Example IBANs published in banking documentation (valid check digits, no real account). */
export const TEST_IBANS = [
  'GB82 WEST 1234 5698 7654 32',
  'DE89 3704 0044 0532 0130 00',
  'FR14 2004 1010 0505 0001 3M02 606',
  'NL91 ABNA 0417 1643 00',
  'ES91 2100 0418 4502 0005 1332',
  'BE68 5390 0754 7034',
];

/** Synthetic personal data: names, contact details, identifiers, all from test ranges. */
export interface PersonalData {
  person(): string;
  email(person?: string): string;
  phone(): string;
  card(): string;
  iban(): string;
  address(): string;
  ip(): string;
  birthDate(): string;
  orderId(): string;
}

export function personalData(random: Random): PersonalData {
  return {
    person: () => `${capitalize(random.pick(FIRST))} ${capitalize(random.pick(LAST))}`,
    email(person) {
      const local =
        person === undefined
          ? `${random.pick(FIRST)}.${random.pick(LAST)}`
          : person.toLowerCase().split(' ').join('.');
      return `${local}@${random.pick(MAIL_DOMAINS)}`;
    },
    phone() {
      const n = String(random.int(0, 99)).padStart(2, '0');
      return random.weighted([
        [`+1 202-555-01${n}`, 2],
        [`(415) 555-01${n}`, 2],
        [`07700 900${String(random.int(0, 999)).padStart(3, '0')}`, 1],
        [`+44 20 7946 0${String(random.int(0, 999)).padStart(3, '0')}`, 1],
      ]);
    },
    card: () => random.pick(TEST_CARDS),
    iban: () => random.pick(TEST_IBANS),
    address: () =>
      `${random.int(2, 180)} ${capitalize(random.pick(STREETS))} ${random.pick(STREET_KINDS)}, ${random.pick(CITIES)}`,
    ip: () => `${random.pick(['192.0.2', '198.51.100', '203.0.113'])}.${random.int(1, 254)}`,
    birthDate: () =>
      `${String(random.int(1, 28)).padStart(2, '0')}/${String(random.int(1, 12)).padStart(2, '0')}/${random.int(1958, 2001)}`,
    orderId: () => `ORD-${random.int(100000, 999999)}`,
  };
}

const BASE64 = `${ALPHANUMERIC}+/`;
const BASE64URL = `${ALPHANUMERIC}-_`;

/**
 * Synthetic credentials in real providers' formats, random from the seeded generator: they look like
 * what people paste by mistake, so the secrets detector finds them, but none of them works anywhere.
 */
export interface SyntheticSecrets {
  awsKeyId(): string;
  awsSecretKey(): string;
  stripeKey(): string;
  openAiKey(): string;
  databaseUrl(): string;
  privateKey(): string;
  jwt(): string;
  password(): string;
}

export function syntheticSecrets(random: Random): SyntheticSecrets {
  return {
    awsKeyId: () => `AKIADEMO${random.string(BASE32_UPPER, 12)}`,
    awsSecretKey: () => random.string(BASE64, 40),
    stripeKey: () => `sk_live_${random.string(ALPHANUMERIC, 32)}`,
    openAiKey: () => `sk-proj-${random.string(BASE64URL, 48)}`,
    databaseUrl: () =>
      `postgres://${random.pick(['svc_orders', 'app', 'reporting', 'etl'])}:${random.string(ALPHANUMERIC, 18)}@db-${random.int(1, 9)}.internal.example.com:5432/${random.pick(['orders', 'billing', 'crm'])}`,
    privateKey() {
      const lines = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEow${random.string(BASE64, 58)}`];
      for (let i = 0; i < 4; i++) lines.push(random.string(BASE64, 64));
      lines.push('-----END RSA PRIVATE KEY-----');
      return lines.join('\n');
    },
    jwt() {
      const payload = Buffer.from(
        JSON.stringify({ sub: `demo-${random.int(1000, 9999)}`, role: 'admin', iat: 1_700_000_000 }),
      ).toString('base64url');
      return `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${payload}.${random.string(BASE64URL, 43)}`;
    },
    password: () => `${random.string(ALPHANUMERIC, 10)}!${random.string(ALPHANUMERIC, 6)}`,
  };
}
