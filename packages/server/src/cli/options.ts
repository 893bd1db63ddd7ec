/**
 * Command-line options as typed data. A command declares its options once (name, type, description,
 * default, env); parsing, the typed result and the `--help` text all come from that declaration.
 */
import { didYouMean } from '../config/did-you-mean.ts';

/**
 * `string` and `number` take one value; `boolean` is a flag (`--json`, `--no-json`, `--json=false`);
 * `list` takes comma-separated values (`--models a,b`).
 */
export type OptionType = 'string' | 'number' | 'boolean' | 'list';

/** One option of a command. */
export interface OptionSpec {
  /** Long name in kebab-case, without dashes: `data-dir` → `--data-dir`, parsed as `dataDir`. */
  readonly name: string;
  readonly type: OptionType;
  /** One line for `--help`. */
  readonly description: string;
  /** One-letter alias: `c` → `-c`. */
  readonly short?: string;
  /** May be given several times: values are collected into an array (lists are concatenated). */
  readonly repeatable?: boolean;
  /** Must be given (or come from `env`). */
  readonly required?: boolean;
  /** Used when the option is absent and `env` is unset. */
  readonly default?: string | number | boolean | readonly string[];
  /** Environment variable read when the option is absent. */
  readonly env?: string;
  /** Placeholder shown in help: `--user <name>`. Defaults to `value`. */
  readonly valueName?: string;
}

/** A positional argument. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** The last positional only: takes every remaining argument (`FILE…`). */
  readonly variadic?: boolean;
}

/** `data-dir` → `dataDir`, at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

type BaseValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O['type'] extends 'list'
    ? string[]
    : O['type'] extends 'number'
      ? O extends { readonly repeatable: true }
        ? number[]
        : number
      : O extends { readonly repeatable: true }
        ? string[]
        : string;

type AlwaysSet<O extends OptionSpec> = O['type'] extends 'boolean'
  ? true
  : O extends { readonly repeatable: true }
    ? true
    : O extends { readonly default: unknown }
      ? true
      : O extends { readonly required: true }
        ? true
        : false;

/**
 * The parsed options of a declaration: camelCase keys; booleans and repeatable options are always set;
 * other options are `undefined` when absent unless they have a default or are required.
 */
export type ParsedOptions<Os extends readonly OptionSpec[]> = {
  [O in Os[number] as CamelCase<O['name']>]: AlwaysSet<O> extends true
    ? BaseValue<O>
    : BaseValue<O> | undefined;
};

/** Wrong usage of the command line: exit code 2, printed as one line with a hint. */
export class UsageError extends Error {
  /** The command whose `--help` to point at, e.g. `keys create`; '' for the top level. */
  readonly command: string;
  constructor(message: string, command: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** The outcome of parsing one command's arguments. */
export interface ParsedArgs<Os extends readonly OptionSpec[]> {
  options: ParsedOptions<Os>;
  positionals: string[];
  /** `-h` or `--help` was given: nothing else was validated. */
  help: boolean;
}

/**
 * Parses `args` (what follows the command name) against the declarations. Accepts `--name value`,
 * `--name=value`, `-s value`, `--flag`, `--no-flag`, and `--` to end options. Throws UsageError for
 * unknown options, missing or malformed values, repeats of a non-repeatable option and missing required
 * options or positionals.
 */
export function parseArgs<const Os extends readonly OptionSpec[]>(
  specs: Os,
  positionalSpecs: readonly PositionalSpec[],
  args: readonly string[],
  context: { command: string; env?: Readonly<Record<string, string | undefined>> },
): ParsedArgs<Os> {
  const command = context.command;
  const byName = new Map<string, OptionSpec>();
  const byShort = new Map<string, OptionSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.short !== undefined) byShort.set(spec.short, spec);
  }
  const end = args.indexOf('--');
  const help = (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
  if (help) return { options: {} as ParsedOptions<Os>, positionals: [], help };
  const values = new Map<string, unknown>();
  const positionals: string[] = [];
  let onlyPositionals = false;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let negated = false;
    let shown: string;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
      inline = equals === -1 ? undefined : arg.slice(equals + 1);
      shown = `--${name}`;
      spec = byName.get(name);
      if (spec === undefined && name.startsWith('no-')) {
        const positive = byName.get(name.slice(3));
        if (positive?.type === 'boolean' && inline === undefined) {
          spec = positive;
          negated = true;
        }
      }
      if (spec === undefined) {
        const suggestion = didYouMean(name, [...byName.keys(), 'help']);
        const hint = suggestion === null ? '' : `; did you mean \`--${suggestion}\`?`;
        throw new UsageError(`unknown option \`${shown}\`${where(command)}${hint}`, command);
      }
    } else {
      shown = arg.slice(0, 2);
      spec = byShort.get(arg.slice(1, 2));
      if (spec === undefined) throw new UsageError(`unknown option \`${shown}\`${where(command)}`, command);
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    }

    let raw: string;
    if (spec.type === 'boolean') {
      if (inline === undefined) raw = negated ? 'false' : 'true';
      else if (inline === 'true' || inline === 'false') raw = inline;
      else
        throw new UsageError(
          `option \`${shown}\` takes no value or \`true\`/\`false\`, not \`${inline}\``,
          command,
        );
    } else if (inline !== undefined) raw = inline;
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(
          `option \`${shown}\` needs a value (\`${shown} <${spec.valueName ?? 'value'}>\`)`,
          command,
        );
      }
      raw = next;
      i++;
    }
    const value = convert(spec, raw, `option \`${shown}\``, command);
    if (values.has(spec.name) && !spec.repeatable && spec.type !== 'boolean') {
      throw new UsageError(`option \`--${spec.name}\` was given more than once`, command);
    }
    values.set(
      spec.name,
      spec.repeatable ? [...((values.get(spec.name) as unknown[]) ?? []), ...asArray(value)] : value,
    );
  }

  const options: Record<string, unknown> = {};
  for (const spec of specs) {
    let value = values.get(spec.name);
    if (value === undefined && spec.env !== undefined) {
      const fromEnv = context.env?.[spec.env];
      if (fromEnv !== undefined && fromEnv !== '') {
        value = convert(spec, fromEnv, `environment variable \`${spec.env}\``, command);
        if (spec.repeatable) value = asArray(value);
      }
    }
    if (value === undefined && spec.default !== undefined) {
      value = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
    if (value === undefined && spec.type === 'boolean') value = false;
    if (value === undefined && spec.repeatable) value = [];
    if (spec.required && (value === undefined || (Array.isArray(value) && value.length === 0))) {
      throw new UsageError(
        `missing required option \`--${spec.name} <${spec.valueName ?? 'value'}>\``,
        command,
      );
    }
    options[camelCase(spec.name)] = value;
  }

  if (positionals.length > positionalSpecs.length && positionalSpecs.at(-1)?.variadic !== true) {
    throw new UsageError(
      `unexpected argument \`${positionals[positionalSpecs.length]}\`${where(command)}`,
      command,
    );
  }
  positionalSpecs.forEach((positional, index) => {
    if (positional.required && positionals[index] === undefined) {
      throw new UsageError(`missing argument <${positional.name}>`, command);
    }
  });
  return { options: options as ParsedOptions<Os>, positionals, help: false };
}

function convert(spec: OptionSpec, raw: string, label: string, command: string): unknown {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new UsageError(`${label} must be \`true\` or \`false\`, not \`${raw}\``, command);
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) {
        throw new UsageError(`${label} must be a number, not \`${raw}\``, command);
      }
      return value;
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      if (items.length === 0) throw new UsageError(`${label} needs at least one value`, command);
      return items;
    }
    default:
      if (raw.length === 0) throw new UsageError(`${label} must not be empty`, command);
      return raw;
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function where(command: string): string {
  return command === '' ? '' : ` for \`${command}\``;
}

/** `data-dir` → `dataDir`. */
export function camelCase(name: string): string {
  let out = '';
  let upper = false;
  for (const char of name) {
    if (char === '-') upper = true;
    else {
      out += upper ? char.toUpperCase() : char;
      upper = false;
    }
  }
  return out;
}
