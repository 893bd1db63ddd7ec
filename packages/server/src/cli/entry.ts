/** Entry of the bundled CLI (`npm run build` → packages/server/dist/parapet.mjs). */
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2));
