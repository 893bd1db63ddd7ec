/**
 * The dataset quality gate (`npm run quality`, run by .ci/run after `npm test`). Measures the built-in
 * detectors on the public labelled data in ../shared/datasets (or PARAPET_DATASETS), one line per dataset,
 * on the REPORT split (records whose id ends in an odd digit; even ids are the tuning split). Fails when a
 * bar is missed. Skips with a message when the datasets are absent, so users' own clones still pass.
 *
 * Bars: `target` is the issue's goal; `floor` is what the gate enforces. Where the work has reached the
 * target, floor = target. Where it has not, the floor is set just under the measured value (so any
 * regression fails) and the row says "below target". Floors are only ever raised.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PII_TYPES } from '../packages/core/src/index.ts';
import { buildConfig } from '../packages/server/src/config/index.ts';
import { detectorsForCommand } from '../packages/server/src/detectors/builtin.ts';
import { evaluateDataset, formatReport } from '../packages/server/src/eval/evaluate.ts';

const root = new URL('..', import.meta.url).pathname;
const datasets = resolve(process.env.PARAPET_DATASETS ?? join(root, '..', 'shared', 'datasets'));
if (!existsSync(join(datasets, 'README.md'))) {
  console.log(`quality gate skipped: no datasets at ${datasets} (set PARAPET_DATASETS to measure)`);
  process.exit(0);
}

/** PII types a default policy acts on (DATE_TIME, URL, DOMAIN_NAME and IP_ADDRESS are too common to act on). */
const POLICY_PII_TYPES = new Set([
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'US_ITIN',
  'US_BANK_NUMBER',
  'US_PASSPORT',
  'US_DRIVER_LICENSE',
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'UK_NHS',
  'UK_NINO',
  'DE_TAX_ID',
  'FR_NIR',
  'ES_NIF',
  'ES_NIE',
  'IT_FISCAL_CODE',
  'NL_BSN',
  'IN_AADHAAR',
  'IN_PAN',
  'SG_NRIC_FIN',
  'AU_TFN',
  'AU_MEDICARE',
  'BR_CPF',
  'CA_SIN',
  'MEDICAL_RECORD_NUMBER',
  'CRYPTO',
]);

/** Enforced floors (see the header). Raise them when the measured values rise; never lower them silently. */
const FLOORS = {
  // Measured 0.831 on the report split (2026-11-27): below the 0.85 target; unseen names and
  // organisations are the gap.
  piiSpanF1: 0.82,
  // Measured 0.902 on the report split (2026-11-27): the 0.90 target is met and enforced.
  secretsF1: 0.9,
  /** `task:dataset` → highest allowed false-positive rate, where it differs from the 1% target. */
  fpr: {} as Record<string, number>,
};

/** Parapet type → presidio-synth-pii type where the names differ. */
const PII_TYPE_MAP: Readonly<Record<string, string>> = {
  LOCATION: 'GPE',
  URL: 'DOMAIN_NAME',
  DATE_OF_BIRTH: 'DATE_TIME',
};

const BENIGN_SETS = [
  'oasst1-prompts',
  'self-instruct-prompts',
  'alpaca-harmless-instructions',
  'xstest',
  'notinject',
];

interface Bar {
  name: string;
  measured: number;
  target: number;
  floor: number;
  /** true when lower is better (false-positive rates). */
  atMost: boolean;
}

const config = buildConfig({}, { env: {}, cwd: root });
const budgetMs = 1000;
const bars: Bar[] = [];
const file = (name: string): string => join(datasets, name, 'data.jsonl');

// PII spans on presidio-synth-pii.
const pii = await evaluateDataset({
  dataset: file('presidio-synth-pii'),
  task: 'pii',
  detectors: await detectorsForCommand(config, ['pii']),
  budgetMs,
  split: 'odd',
  typeMap: PII_TYPE_MAP,
});
console.log(formatReport(pii));
// Micro-averaged over the dataset types Parapet reports (TITLE and NRP are not types it detects).
const supported = new Set(PII_TYPES.map((t) => PII_TYPE_MAP[t] ?? t));
const counts = { tp: 0, fp: 0, fn: 0 };
for (const [type, s] of Object.entries(pii.spans?.overlap.byType ?? {})) {
  if (!supported.has(type)) continue;
  counts.tp += s.tp;
  counts.fp += s.fp;
  counts.fn += s.fn;
}
const supportedF1 = (2 * counts.tp) / (2 * counts.tp + counts.fp + counts.fn || 1);
console.log(
  `  span F1 (overlap): ${(supportedF1 * 100).toFixed(1)}% over the dataset types Parapet detects, ${((pii.spans?.overlap.overall.f1 ?? 0) * 100).toFixed(1)}% over every dataset type`,
);
bars.push({
  name: 'pii span F1 (overlap, detected types), presidio-synth-pii',
  measured: supportedF1,
  target: 0.85,
  floor: FLOORS.piiSpanF1,
  atMost: false,
});

// Secrets on credsweeper-secrets (line level).
const secrets = await evaluateDataset({
  dataset: file('credsweeper-secrets'),
  task: 'secrets',
  detectors: await detectorsForCommand(config, ['secrets']),
  budgetMs,
  split: 'odd',
  typedSpans: false,
});
console.log(formatReport(secrets));
bars.push({
  name: 'secrets F1, credsweeper-secrets',
  measured: secrets.binary.f1 ?? 0,
  target: 0.9,
  floor: FLOORS.secretsF1,
  atMost: false,
});

// False positives on benign prompts: texts with a finding a default policy would act on.
for (const set of BENIGN_SETS) {
  for (const task of ['pii', 'secrets'] as const) {
    const r = await evaluateDataset({
      dataset: file(set),
      task,
      detectors: await detectorsForCommand(config, [task]),
      budgetMs,
      split: 'odd',
      ...(task === 'pii' ? { countTypes: POLICY_PII_TYPES } : {}),
    });
    const negatives = r.binary.fp + r.binary.tn;
    const fpr = negatives === 0 ? 0 : r.binary.fp / negatives;
    const types = Object.entries(r.flaggedByType)
      .map(([t, v]) => `${t} ${(v * 100).toFixed(2)}%`)
      .join(', ');
    console.log(
      `${set} — ${task}: ${r.binary.fp}/${negatives} benign texts flagged${types ? ` (${types})` : ''}`,
    );
    if (task === 'pii') {
      // Not gated, shown so nothing hides: every PII type, names and places included. Benign prompts
      // mention real people and places (public figures, characters, cities); those are correct findings
      // that a default policy does not act on.
      const all = await evaluateDataset({
        dataset: file(set),
        task,
        detectors: await detectorsForCommand(config, [task]),
        budgetMs,
        split: 'odd',
      });
      const allTypes = Object.entries(all.flaggedByType)
        .map(([t, v]) => `${t} ${(v * 100).toFixed(2)}%`)
        .join(', ');
      console.log(
        `  with every PII type: ${all.binary.fp}/${negatives} texts have a finding${allTypes ? ` (${allTypes})` : ''}`,
      );
    }
    bars.push({
      name: `${task} FPR, ${set}`,
      measured: fpr,
      target: 0.01,
      floor: FLOORS.fpr[`${task}:${set}`] ?? 0.01,
      atMost: true,
    });
  }
}

console.log('\n| bar | measured | target | enforced floor | status |');
console.log('| --- | ---: | ---: | ---: | --- |');
let failed = 0;
for (const b of bars) {
  const pass = b.atMost ? b.measured <= b.floor : b.measured >= b.floor;
  const atTarget = b.atMost ? b.measured <= b.target : b.measured >= b.target;
  if (!pass) failed++;
  const status = !pass ? 'FAIL' : atTarget ? 'pass' : 'pass (below target)';
  console.log(
    `| ${b.name} | ${b.measured.toFixed(4)} | ${b.atMost ? '≤' : '≥'} ${b.target} | ${b.floor} | ${status} |`,
  );
}
if (failed > 0) {
  console.error(`\nquality gate: ${failed} bar(s) missed`);
  process.exit(1);
}
console.log('\nquality gate: every enforced bar met');
