#!/usr/bin/env node
// Bundles the server and the CLI into packages/server/dist/parapet.mjs (with the SQLite writer and reader
// threads beside it) (dependencies stay external), for
// deployments that prefer plain `node` over the tsx loader: `node packages/server/dist/parapet.mjs serve`.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await build({
  entryPoints: {
    parapet: `${root}packages/server/src/cli/entry.ts`,
    'sqlite-writer-worker': `${root}packages/server/src/store/sqlite-writer-worker.ts`,
    'sqlite-reader-worker': `${root}packages/server/src/store/sqlite-reader-worker.ts`,
  },
  outdir: `${root}packages/server/dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: { '@parapet/core': `${root}packages/core/src/index.ts` },
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'info',
});
