/**
 * Trains the `harmful` model and writes models/harmful/model.json. Data: train-ok sets only, training
 * split (even ids) only; see data.ts and models/harmful/MODEL_CARD.md. Deterministic: the same data
 * gives a byte-identical file.
 *
 * Run: `node --import tsx training/harmful/train.ts` (datasets from `PARAPET_DATASETS` or
 * `../shared/datasets`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHarmfulModel } from './build.ts';
import { datasetsRoot, trainingRows } from './data.ts';
import { instructionRows } from './instructions.ts';

const data = trainingRows();
if (data.length === 0) {
  console.error(`no training data under \`${datasetsRoot()}\`; set PARAPET_DATASETS`);
  process.exit(1);
}
const rows = [...data, ...instructionRows()];
const file = buildHarmfulModel(rows);
const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/harmful/model.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(file)}\n`);
const counts = new Map<string, number>();
for (const r of rows) counts.set(r.dataset, (counts.get(r.dataset) ?? 0) + 1);
console.log(`wrote ${out}: ${rows.length} training rows, threshold ${file.threshold}`);
for (const [name, n] of counts) console.log(`  ${name}: ${n}`);
