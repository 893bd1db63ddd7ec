// Entry of the SQLite reader thread when running from sources: registers tsx in the worker, then loads
// the TypeScript worker. The bundle (scripts/build.mjs) ships a compiled sqlite-reader-worker.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-reader-worker.ts');
