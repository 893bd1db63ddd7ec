/**
 * The `parapet` command line. bin/parapet.js calls runCli; tests call it with captured writers.
 * Commands are an explicit list: adding one means adding it to COMMANDS.
 */

import serverPackage from '../../package.json' with { type: 'json' };
import { didYouMean } from '../config/did-you-mean.ts';
import { ConfigError } from '../config/index.ts';
import { type CliIo, type Command, EXIT } from './command.ts';
import { analyticsRebuildCommand } from './commands/analytics.ts';
import { approvalsApproveCommand, approvalsDenyCommand, approvalsListCommand } from './commands/approvals.ts';
import { AUDIT_COMMANDS } from './commands/audit.ts';
import { DEMO_COMMANDS } from './commands/demo.ts';
import { discoverCommand } from './commands/discover.ts';
import { evalCommand } from './commands/eval.ts';
import {
  fingerprintAddCommand,
  fingerprintListCommand,
  fingerprintRemoveCommand,
} from './commands/fingerprint.ts';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './commands/keys.ts';
import { POLICY_COMMANDS } from './commands/policy.ts';
import { REDTEAM_COMMANDS } from './commands/redteam.ts';
import { scanCommand } from './commands/scan.ts';
import { serveCommand } from './commands/serve.ts';
import { TOKENS_COMMANDS } from './commands/tokens.ts';
import { USERS_COMMANDS } from './commands/users.ts';
import { commandHelp, groupHelp, topLevelHelp } from './help.ts';
import { parseArgs, UsageError } from './options.ts';

/** Every `parapet` command, in the order `parapet --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  scanCommand,
  evalCommand,
  ...POLICY_COMMANDS,
  fingerprintAddCommand,
  fingerprintListCommand,
  fingerprintRemoveCommand,
  approvalsListCommand,
  approvalsApproveCommand,
  approvalsDenyCommand,
  analyticsRebuildCommand,
  discoverCommand,
  ...AUDIT_COMMANDS,
  ...REDTEAM_COMMANDS,
  ...USERS_COMMANDS,
  ...TOKENS_COMMANDS,
  ...DEMO_COMMANDS,
];

/** The version printed by `parapet --version` (the server package's). */
export const VERSION: string = serverPackage.version;

/**
 * Runs one `parapet` invocation and resolves to its exit code: 0 success, 1 failure (invalid config,
 * store error, unknown key), 2 usage error (printed as one line with a hint). Never throws.
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const resolved: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    ...(io.now === undefined ? {} : { now: io.now }),
  };
  try {
    return await dispatch(argv, resolved);
  } catch (error) {
    return report(error, resolved);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(topLevelHelp(COMMANDS, VERSION));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.OK;
  }
  if (first.startsWith('-'))
    throw new UsageError(`unknown option \`${first}\`; put options after the command`, '');

  const command = findCommand(argv);
  if (command === null) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      const second = argv[1];
      if (second === '--help' || second === '-h') {
        io.stdout.write(groupHelp(first, group));
        return EXIT.OK;
      }
      const names = group.map((c) => `\`${c.name.slice(first.length + 1)}\``).join(', ');
      if (second === undefined || second.startsWith('-')) {
        throw new UsageError(`\`${first}\` needs a subcommand: ${names}`, first);
      }
      const suggestion = didYouMean(
        `${first} ${second}`,
        group.map((c) => c.name),
      );
      throw new UsageError(`unknown command \`${first} ${second}\`${hint(suggestion)}`, first);
    }
    const names = new Set(COMMANDS.map((c) => c.name.split(' ')[0]!));
    throw new UsageError(`unknown command \`${first}\`${hint(didYouMean(first, names))}`, '');
  }

  const words = command.name.split(' ').length;
  const parsed = parseArgs(command.options, command.positionals ?? [], argv.slice(words), {
    command: command.name,
    env: io.env,
  });
  if (parsed.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.OK;
  }
  return await command.run({ options: parsed.options, positionals: parsed.positionals, io });
}

/** The command whose words begin argv, the longest if several do. */
function findCommand(argv: readonly string[]): Command | null {
  let best: Command | null = null;
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, index) => argv[index] === word)) {
      if (best === null || words.length > best.name.split(' ').length) best = command;
    }
  }
  return best;
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const help = error.command === '' ? 'parapet --help' : `parapet ${error.command} --help`;
    io.stderr.write(`parapet: ${error.message} (see \`${help}\`)\n`);
    return EXIT.USAGE;
  }
  if (error instanceof ConfigError) {
    io.stderr.write(`parapet: ${error.message}\n`);
    return EXIT.FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`parapet: ${message}\n`);
  return EXIT.FAILURE;
}

function hint(suggestion: string | null): string {
  return suggestion === null ? '' : `; did you mean \`${suggestion}\`?`;
}
