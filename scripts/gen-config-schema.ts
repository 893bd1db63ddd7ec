/**
 * Writes docs/config.schema.json from the zod configuration schema, so editors can validate and complete
 * parapet.yaml. Run after changing packages/server/src/config/schema.ts or defaults.ts:
 *   node --import tsx scripts/gen-config-schema.ts
 * A test (packages/server/test/config/schema-file.test.ts) fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { configSchemaFileText } from '../packages/server/src/config/schema.ts';

const target = new URL('../docs/config.schema.json', import.meta.url);
writeFileSync(target, configSchemaFileText());
console.log(`wrote ${target.pathname}`);
