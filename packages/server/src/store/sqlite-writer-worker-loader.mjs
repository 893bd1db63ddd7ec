// Entry of the SQLite writer thread when running from sources: registers tsx in the worker, then loads
// the TypeScript worker. The bundle (scripts/build.mjs) ships a compiled sqlite-writer-worker.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-writer-worker.ts');
