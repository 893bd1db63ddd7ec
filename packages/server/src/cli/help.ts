/** Help text, generated from the command and option declarations only. */
import type { Command } from './command.ts';
import type { OptionSpec } from './options.ts';

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help' };

/** The `--help` text of one command. */
export function commandHelp(command: Command): string {
  const positionals = (command.positionals ?? [])
    .map((p) => (p.required ? ` <${p.name}>` : ` [${p.name}]`) + (p.variadic ? '...' : ''))
    .join('');
  const lines = [
    `Usage: parapet ${command.name} [options]${positionals}`,
    '',
    command.description ?? command.summary,
  ];
  if (command.positionals !== undefined && command.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...table(command.positionals.map((p) => [`<${p.name}>`, p.description])));
  }
  lines.push('', 'Options:');
  lines.push(
    ...table([...command.options, HELP_OPTION].map((spec) => [optionLabel(spec), optionDescription(spec)])),
  );
  if (command.examples !== undefined && command.examples.length > 0) {
    lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The `parapet --help` text: every command with its summary. */
export function topLevelHelp(commands: readonly Command[], version: string): string {
  const lines = [
    `parapet ${version} - self-hosted AI gateway: visibility, control and protection for every model call`,
    '',
    'Usage: parapet <command> [options]',
    '',
    'Commands:',
    ...table(commands.map((command) => [command.name, command.summary])),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show this help'],
      ['--version', 'Print the version'],
    ]),
    '',
    'Run `parapet <command> --help` for the options of a command.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The help of a command group such as `keys`: its subcommands. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const lines = [
    `Usage: parapet ${group} <command> [options]`,
    '',
    'Commands:',
    ...table(commands.map((command) => [command.name, command.summary])),
    '',
    `Run \`parapet ${group} <command> --help\` for the options of a command.`,
  ];
  return `${lines.join('\n')}\n`;
}

function optionLabel(spec: OptionSpec): string {
  const value =
    spec.type === 'boolean' ? '' : ` <${spec.valueName ?? (spec.type === 'list' ? 'a,b' : 'value')}>`;
  const short = spec.short === undefined ? '' : `-${spec.short}, `;
  return `${short}--${spec.name}${value}`;
}

function optionDescription(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.required) notes.push('required');
  if (spec.repeatable) notes.push('repeatable');
  if (spec.default !== undefined && spec.default !== false) {
    notes.push(`default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}`);
  }
  if (spec.env !== undefined) notes.push(`env: ${spec.env}`);
  return notes.length === 0 ? spec.description : `${spec.description} [${notes.join('; ')}]`;
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows.map(([left, right]) =>
    left.length + 2 > width ? `  ${left}\n  ${' '.repeat(width)}${right}` : `  ${left.padEnd(width)}${right}`,
  );
}
