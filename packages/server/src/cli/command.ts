import type { OptionSpec, ParsedOptions, PositionalSpec } from './options.ts';

/** Where a command writes; `process.stdout`/`process.stderr` or a capture in tests. */
export interface CliWriter {
  write(text: string): unknown;
}

/** The process surroundings a command may use; every field has a default in runCli. */
export interface CliIo {
  stdout: CliWriter;
  stderr: CliWriter;
  /** Input for commands that read lines (`scan --jsonl`). */
  stdin?: AsyncIterable<string | Buffer>;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Long-running commands (serve) stop when this aborts, as on SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** The current time; defaults to `new Date()`. */
  now?: () => Date;
}

/** What a command's `run` receives. */
export interface CommandContext<O> {
  options: O;
  positionals: string[];
  io: CliIo;
}

/** One `parapet` command, declared as data plus a run function returning the exit code. */
export interface Command<Os extends readonly OptionSpec[] = readonly OptionSpec[]> {
  /** Words after `parapet`: `serve`, `keys create`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** A paragraph for the command's own help; defaults to the summary. */
  readonly description?: string;
  readonly options: Os;
  readonly positionals?: readonly PositionalSpec[];
  readonly examples?: readonly string[];
  run(context: CommandContext<ParsedOptions<Os>>): Promise<number>;
}

/** Declares a command with its option types inferred from the literal option list. */
export function defineCommand<const Os extends readonly OptionSpec[]>(command: Command<Os>): Command<Os> {
  return command;
}

/** Exit codes: 0 success, 1 failure (bad config, store error, not found), 2 command-line usage error. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;
