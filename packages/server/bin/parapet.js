#!/usr/bin/env node
// The `parapet` command. Sources are TypeScript, loaded through tsx so a clone runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
