import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/options.ts';

const SPECS = [
  { name: 'user', type: 'string', description: 'User' },
  { name: 'group', type: 'string', repeatable: true, description: 'Group' },
  { name: 'models', type: 'list', description: 'Models' },
  { name: 'port', type: 'number', description: 'Port', env: 'TEST_PORT' },
  { name: 'limit', type: 'number', default: 10, description: 'Limit' },
  { name: 'json', type: 'boolean', description: 'JSON' },
  { name: 'config', short: 'c', type: 'string', description: 'Config' },
  { name: 'data-dir', type: 'string', description: 'Data directory' },
] as const;
const POSITIONALS = [{ name: 'id', description: 'Id' }] as const;

function parse(args: string[], env: Record<string, string> = {}) {
  return parseArgs(SPECS, POSITIONALS, args, { command: 'test cmd', env });
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return error;
  }
  assert.fail('expected a UsageError');
}

describe('parseArgs', () => {
  test('parses every option type into a typed object with camelCase keys', () => {
    const { options, positionals, help } = parse([
      '--user',
      'alice',
      '--group=eng',
      '--group',
      'ml',
      '--models',
      'a, b,,c',
      '--port=8080',
      '--json',
      '-c',
      'file.yaml',
      '--data-dir',
      '/tmp/d',
      'key-id',
    ]);
    // Compile-time: these assignments check the inferred types.
    const user: string | undefined = options.user;
    const groups: string[] = options.group;
    const models: string[] | undefined = options.models;
    const port: number | undefined = options.port;
    const limit: number = options.limit;
    const json: boolean = options.json;
    const dataDir: string | undefined = options.dataDir;
    assert.deepEqual(
      { user, groups, models, port, limit, json, dataDir, config: options.config },
      {
        user: 'alice',
        groups: ['eng', 'ml'],
        models: ['a', 'b', 'c'],
        port: 8080,
        limit: 10,
        json: true,
        dataDir: '/tmp/d',
        config: 'file.yaml',
      },
    );
    assert.deepEqual(positionals, ['key-id']);
    assert.equal(help, false);
  });

  test('absent options: undefined, defaults, false and empty arrays; env fills in', () => {
    const { options } = parse([], { TEST_PORT: '9000' });
    assert.deepEqual(options, {
      user: undefined,
      group: [],
      models: undefined,
      port: 9000,
      limit: 10,
      json: false,
      config: undefined,
      dataDir: undefined,
    });
    assert.equal(parse(['--port', '1']).options.port, 1);
  });

  test('--no-flag, --flag=false, -cVALUE and -- work', () => {
    assert.equal(parse(['--json', '--no-json']).options.json, false);
    assert.equal(parse(['--json=false']).options.json, false);
    assert.equal(parse(['-cx.yaml']).options.config, 'x.yaml');
    assert.deepEqual(parse(['--', '--user']).positionals, ['--user']);
  });

  test('--help and -h short-circuit validation, but not after --', () => {
    assert.equal(parse(['--port', 'x', '--help']).help, true);
    assert.equal(parse(['-h', 'a', 'b', '--bogus']).help, true);
    assert.equal(parse(['--', '-h']).help, false);
    assert.equal(parse([]).help, false);
  });

  test('usage errors are one line naming the option, with a suggestion when close', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--usr', 'x'], /^unknown option `--usr` for `test cmd`; did you mean `--user`\?$/],
      [['--bogus'], /^unknown option `--bogus` for `test cmd`$/],
      [['-x'], /^unknown option `-x`/],
      [['--user'], /^option `--user` needs a value \(`--user <value>`\)$/],
      [['--user', '--json'], /^option `--user` needs a value/],
      [['--port', 'eighty'], /^option `--port` must be a number, not `eighty`$/],
      [['--user', 'a', '--user', 'b'], /^option `--user` was given more than once$/],
      [['--json=yes'], /^option `--json` takes no value/],
      [['--models', ','], /^option `--models` needs at least one value$/],
      [['a', 'b'], /^unexpected argument `b` for `test cmd`$/],
    ];
    for (const [args, pattern] of cases) {
      const error = usageError(() => parse(args));
      assert.match(error.message, pattern, args.join(' '));
      assert.ok(!error.message.includes('\n'));
      assert.equal(error.command, 'test cmd');
    }
    assert.match(
      usageError(() => parse([], { TEST_PORT: 'x' })).message,
      /environment variable `TEST_PORT` must be a number/,
    );
  });

  test('required options and positionals', () => {
    const specs = [
      { name: 'user', type: 'string', required: true, valueName: 'name', description: 'User' },
    ] as const;
    const positionals = [{ name: 'id', description: 'Id', required: true }] as const;
    const parsed = parseArgs(specs, positionals, ['--user', 'u', 'k'], { command: 'x' });
    const user: string = parsed.options.user;
    assert.equal(user, 'u');
    assert.match(
      usageError(() => parseArgs(specs, positionals, ['k'], { command: 'x' })).message,
      /missing required option `--user <name>`/,
    );
    assert.match(
      usageError(() => parseArgs(specs, positionals, ['--user', 'u'], { command: 'x' })).message,
      /missing argument <id>/,
    );
  });
});
