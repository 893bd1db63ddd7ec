import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { COMMANDS, runCli, VERSION } from '../../src/cli/main.ts';
import { parseVirtualKey } from '../../src/identity/virtual-keys.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** Runs the CLI in a fresh working directory (or `cwd`) with an empty environment, capturing output. */
async function run(argv: string[], options: { cwd?: string; env?: Record<string, string>; now?: Date } = {}) {
  let stdout = '';
  let stderr = '';
  const cwd = options.cwd ?? mkdtempSync(join(root, `cwd-${counter++}-`));
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd,
    ...(options.now === undefined ? {} : { now: () => options.now! }),
  });
  return { code, stdout, stderr, cwd };
}

describe('help and usage', () => {
  test('parapet --help lists every command; no arguments prints the same', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^parapet \d+\.\d+\.\d+ - /);
    for (const command of COMMANDS) {
      const line = help.stdout.split('\n').find((l) => l.startsWith(`  ${command.name} `));
      assert.ok(line?.endsWith(command.summary), command.name);
    }
    const bare = await run([]);
    assert.deepEqual([bare.code, bare.stdout, bare.stderr], [0, help.stdout, '']);
  });

  test('every command has --help and -h generated from its options', async () => {
    for (const command of COMMANDS) {
      const long = await run([...command.name.split(' '), '--help']);
      const short = await run([...command.name.split(' '), '-h']);
      assert.equal(long.code, 0, command.name);
      assert.equal(short.stdout, long.stdout);
      assert.ok(long.stdout.startsWith(`Usage: parapet ${command.name} [options]`), long.stdout);
      for (const option of command.options)
        assert.ok(long.stdout.includes(`--${option.name}`), `${command.name} --${option.name}`);
      assert.match(long.stdout, /-h, --help +Show this help/);
    }
  });

  test('the help text of serve and keys create', async () => {
    const serve = (await run(['serve', '--help'])).stdout;
    assert.match(serve, /--port <port> +TCP port \(config: server\.port\) \[env: PARAPET_PORT\]/);
    assert.match(serve, /-c, --config <file> +Configuration file/);
    const create = (await run(['keys', 'create', '--help'])).stdout;
    assert.match(create, /--group <name> +Group of the user \[repeatable\]/);
    assert.match(create, /--expires <when>/);
    const revoke = (await run(['keys', 'revoke', '--help'])).stdout;
    assert.match(revoke, /Usage: parapet keys revoke \[options\] <id>/);
    const group = await run(['keys', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /keys create +Create a virtual key/);
  });

  test('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout, `${VERSION}\n`);
    assert.match(VERSION, /^\d+\.\d+\.\d+/);
  });

  test('usage errors exit 2 with one line and a hint', async () => {
    const cases: Array<[string[], string]> = [
      [['serv'], 'parapet: unknown command `serv`; did you mean `serve`? (see `parapet --help`)\n'],
      [
        ['keys'],
        'parapet: `keys` needs a subcommand: `create`, `list`, `revoke` (see `parapet keys --help`)\n',
      ],
      [
        ['keys', 'lst'],
        'parapet: unknown command `keys lst`; did you mean `keys list`? (see `parapet keys --help`)\n',
      ],
      [
        ['keys', 'create', '--usr', 'x'],
        'parapet: unknown option `--usr` for `keys create`; did you mean `--user`? (see `parapet keys create --help`)\n',
      ],
      [
        ['keys', 'create', '--user'],
        'parapet: option `--user` needs a value (`--user <name>`) (see `parapet keys create --help`)\n',
      ],
      [['keys', 'revoke'], 'parapet: missing argument <id> (see `parapet keys revoke --help`)\n'],
      [
        ['serve', '--port', 'x'],
        'parapet: option `--port` must be a number, not `x` (see `parapet serve --help`)\n',
      ],
      [
        ['--verbose'],
        'parapet: unknown option `--verbose`; put options after the command (see `parapet --help`)\n',
      ],
    ];
    for (const [argv, expected] of cases) {
      const { code, stdout, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(stdout, '');
      assert.equal(stderr, expected);
    }
  });

  test('an invalid configuration exits 1 listing every problem', async () => {
    const cwd = mkdtempSync(join(root, 'badcfg-'));
    writeFileSync(join(cwd, 'parapet.yaml'), 'server: { prot: 1, port: -1 }\n');
    const { code, stderr } = await run(['keys', 'list'], { cwd });
    assert.equal(code, 1);
    assert.match(stderr, /^parapet: invalid configuration in `.*parapet\.yaml` \(2 problems\)\n/);
    assert.match(stderr, /server\.prot: unknown key `prot`; did you mean `port`\?/);
    assert.match(stderr, /server\.port: must be at least 0/);
    const serve = await run(['serve', '--config', 'missing.yaml'], { cwd });
    assert.equal(serve.code, 1);
    assert.match(serve.stderr, /config file `missing\.yaml` does not exist/);
  });
});

describe('serve', () => {
  test('starts the gateway from the config and closes cleanly when stopped', async () => {
    const controller = new AbortController();
    controller.abort(); // stop as soon as it is up: start-up and close both have to succeed
    let stderr = '';
    const code = await runCli(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(root, 'serve-data')],
      {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env: { PARAPET_LOG_LEVEL: 'silent' },
        cwd: mkdtempSync(join(root, 'serve-')),
        signal: controller.signal,
      },
    );
    assert.equal(code, 0, stderr);
  });
});

describe('keys', () => {
  test('create, list and revoke against a data directory', async () => {
    const dataDir = join(root, 'keys-data');
    const now = new Date('2030-01-01T00:00:00Z');
    const created = await run(
      [
        'keys',
        'create',
        '--user',
        'alice',
        '--group',
        'eng',
        '--group',
        'ml',
        '--app',
        'notebook',
        '--models',
        'gpt-4o-mini,claude-haiku',
        '--expires',
        '30d',
        '--json',
        '--data-dir',
        dataDir,
      ],
      { now },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.split('\n').length, 2);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    assert.deepEqual(Object.keys(JSON.parse(created.stdout)), ['key', 'id']);
    assert.deepEqual(parseVirtualKey(key), { id });

    const plain = await run(['keys', 'create', '--user', 'bob', '--expires', '2030-02-01'], {
      now,
      env: { PARAPET_DATA_DIR: dataDir },
    });
    assert.equal(plain.code, 0, plain.stderr);
    const bobKey = plain.stdout.trim();
    assert.ok(parseVirtualKey(bobKey) !== null, 'the key alone is on stdout');
    assert.match(
      plain.stderr,
      /^created key [a-z2-7]{12} \(user bob, .*expires 2030-02-01T00:00:00\.000Z\); it is shown only this once/,
    );

    const listed = await run(['keys', 'list', '--json', '--data-dir', dataDir], { now });
    assert.equal(listed.code, 0, listed.stderr);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    const alice = keys.find((k) => k['id'] === id);
    assert.deepEqual(alice, {
      id,
      user: 'alice',
      groups: ['eng', 'ml'],
      app: 'notebook',
      models: ['gpt-4o-mini', 'claude-haiku'],
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-31T00:00:00.000Z',
      revokedAt: null,
      status: 'ok',
    });
    assert.equal(keys.length, 2);
    assert.ok(
      !listed.stdout.includes(key.slice(17)) && !listed.stdout.includes(bobKey.slice(17)),
      'no secret listed',
    );
    assert.ok(!listed.stdout.includes('hash'), 'no hash listed');

    const table = await run(['keys', 'list', '--data-dir', dataDir], {
      now: new Date('2030-03-01T00:00:00Z'),
    });
    assert.match(table.stdout, /^ID +STATUS +USER +GROUPS +APP +MODELS +CREATED +EXPIRES\n/);
    assert.match(
      table.stdout,
      new RegExp(`${id} +expired +alice +eng,ml +notebook +gpt-4o-mini,claude-haiku`),
    );

    const revoked = await run(['keys', 'revoke', id, '--data-dir', dataDir], { now });
    assert.deepEqual([revoked.code, revoked.stdout], [0, `revoked key ${id}\n`]);
    const again = await run(['keys', 'revoke', id, '--data-dir', dataDir], { now });
    assert.deepEqual([again.code, again.stdout], [0, `key ${id} was already revoked\n`]);
    const missing = await run(['keys', 'revoke', 'aaaaaaaaaaaa', '--data-dir', dataDir], { now });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'parapet: no key with id `aaaaaaaaaaaa`; see `parapet keys list`\n');

    const afterRevoke = JSON.parse(
      (await run(['keys', 'list', '--json', '--data-dir', dataDir], { now })).stdout,
    ) as Array<{ id: string; status: string; revokedAt: string | null }>;
    assert.deepEqual(
      afterRevoke.find((k) => k.id === id),
      { ...alice, revokedAt: '2030-01-01T00:00:00.000Z', status: 'revoked' },
    );
  });

  test('keys read data_dir from the same config file as serve', async () => {
    const cwd = mkdtempSync(join(root, 'cfg-'));
    writeFileSync(join(cwd, 'parapet.yaml'), 'data_dir: ./from-config\n');
    const created = await run(['keys', 'create', '--user', 'carol', '--json'], { cwd });
    assert.equal(created.code, 0, created.stderr);
    const listed = await run(['keys', 'list', '--json', '--data-dir', join(cwd, 'from-config')]);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);
    const empty = await run(['keys', 'list'], { cwd: mkdtempSync(join(root, 'empty-')) });
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /^no keys yet/);
  });

  test('--expires rejects bad values and past dates', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    for (const [value, pattern] of [
      ['soon', /option `--expires` must be a duration such as `30d`.*not `soon`/],
      ['2029-12-31', /option `--expires` is in the past/],
      ['2030-13-45', /option `--expires` must be/],
    ] as const) {
      const { code, stderr } = await run(['keys', 'create', '--expires', value], { now });
      assert.equal(code, 2, value);
      assert.match(stderr, pattern);
    }
  });

  test('the real bin/parapet.js creates a key in a child process', async () => {
    const dataDir = join(root, 'bin-data');
    const bin = new URL('../../bin/parapet.js', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'keys', 'create', '--user', 'bench', '--json', '--data-dir', dataDir],
      {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '' },
      },
    );
    const { key, id } = JSON.parse(stdout) as { key: string; id: string };
    assert.deepEqual(parseVirtualKey(key), { id });
    const listed = await run(['keys', 'list', '--json', '--data-dir', dataDir]);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Array<{ id: string; user: string }>).map((k) => [k.id, k.user]),
      [[id, 'bench']],
    );
    const failed = await promisify(execFile)(process.execPath, [bin, 'nope'], { cwd: root }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal((failed as { code: number }).code, 2);
    assert.ok(readFileSync(bin, 'utf8').includes('runCli'));
  });
});
