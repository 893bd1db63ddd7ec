/** Runs the `parapet` CLI in process with its output captured, through the CLI's own io seam. */
import type { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `parapet …argv` in `cwd`, with an empty environment unless `env` is given. */
export async function runCliCaptured(
  argv: readonly string[],
  io: { cwd: string; env?: Record<string, string>; now?: () => Date; stdin?: Readable },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: io.env ?? {},
    cwd: io.cwd,
    ...(io.now === undefined ? {} : { now: io.now }),
    ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
  });
  return { code, stdout, stderr };
}
