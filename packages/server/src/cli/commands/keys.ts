/** `parapet keys create|list|revoke`: manage virtual keys in the store the server uses. */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.ts';
import {
  createVirtualKey,
  EXPIRY_USAGE,
  type ListedKey,
  listedKey,
  resolveExpiry,
  revokeVirtualKey,
} from '../../identity/key-management.ts';
import type { KeyRecord, Store } from '../../store/ports.ts';
import { defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** A key as `keys list --json` shows it: never the secret, never the hash. */
export type { ListedKey };

export const keysCreateCommand = defineCommand({
  name: 'keys create',
  summary: 'Create a virtual key (printed once; only its hash is stored)',
  description:
    'Create a virtual key for a user, their groups and an app. The key is printed once on stdout and only its SHA-256 hash is stored: keep it now.',
  options: [
    ...CONFIG_OPTIONS,
    { name: 'user', type: 'string', valueName: 'name', description: 'User the key belongs to' },
    { name: 'group', type: 'string', repeatable: true, valueName: 'name', description: 'Group of the user' },
    { name: 'app', type: 'string', valueName: 'name', description: 'Application using the key' },
    { name: 'models', type: 'list', valueName: 'a,b', description: 'Models the key may use (default: all)' },
    {
      name: 'expires',
      type: 'string',
      valueName: 'when',
      description: 'Expiry: a duration (90m, 12h, 30d) or an ISO date (2026-01-31)',
    },
    { name: 'json', type: 'boolean', description: 'Print {"key":"…","id":"…"} on one line' },
  ],
  examples: [
    'parapet keys create --user alice --group eng --group ml --expires 30d',
    'parapet keys create --app billing-bot --models gpt-4o-mini,claude-haiku --json',
  ],
  async run({ options, io }) {
    const now = io.now?.() ?? new Date();
    const expiresAt = options.expires === undefined ? null : expiryFrom(options.expires, now);
    const config = loadCommandConfig(options, io);
    const spec = {
      user: options.user ?? null,
      groups: options.group,
      app: options.app ?? null,
      models: options.models ?? null,
      expiresAt,
    };
    const { key, record } = await withStore(config, (store) =>
      createVirtualKey(store, spec, { now, randomBytes }),
    );
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ key, id: record.id })}\n`);
    } else {
      io.stdout.write(`${key}\n`);
      io.stderr.write(
        `created key ${record.id} (${describeKey(record)}); it is shown only this once, store it somewhere safe\n`,
      );
    }
    return EXIT.OK;
  },
});

export const keysListCommand = defineCommand({
  name: 'keys list',
  summary: 'List virtual keys (never their secrets)',
  options: [...CONFIG_OPTIONS, { name: 'json', type: 'boolean', description: 'Print a JSON array' }],
  async run({ options, io }) {
    const now = io.now?.() ?? new Date();
    const config = loadCommandConfig(options, io);
    const records = await withStore(config, (store) => store.listKeys());
    const keys = records.map((record) => listedKey(record, now));
    if (options.json) {
      io.stdout.write(`${JSON.stringify(keys)}\n`);
      return EXIT.OK;
    }
    if (keys.length === 0) {
      io.stderr.write('no keys yet; create one with `parapet keys create --user NAME`\n');
      return EXIT.OK;
    }
    const rows = keys.map((key) => [
      key.id,
      key.status,
      key.user ?? '-',
      key.groups.length === 0 ? '-' : key.groups.join(','),
      key.app ?? '-',
      key.models === null ? 'all' : key.models.join(','),
      key.createdAt,
      key.expiresAt ?? 'never',
    ]);
    io.stdout.write(
      formatTable(['ID', 'STATUS', 'USER', 'GROUPS', 'APP', 'MODELS', 'CREATED', 'EXPIRES'], rows),
    );
    return EXIT.OK;
  },
});

export const keysRevokeCommand = defineCommand({
  name: 'keys revoke',
  summary: 'Revoke a virtual key by id',
  description:
    'Revoke a virtual key by its id (as `keys list` shows it). A running server stops accepting it within `server.key_cache_ttl_ms`.',
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'id', description: 'Id of the key to revoke', required: true }],
  async run({ options, positionals, io }) {
    const id = positionals[0]!;
    const config = loadCommandConfig(options, io);
    const now = io.now?.() ?? new Date();
    const outcome = await withStore(config, (store) => revokeVirtualKey(store, id, now.toISOString()));
    if (outcome === 'missing') {
      io.stderr.write(`parapet: no key with id \`${id}\`; see \`parapet keys list\`\n`);
      return EXIT.FAILURE;
    }
    io.stdout.write(outcome === 'already' ? `key ${id} was already revoked\n` : `revoked key ${id}\n`);
    return EXIT.OK;
  },
});

/**
 * Turns `--expires` into an ISO time: a duration from now (`90m`, `12h`, `30d`) or an ISO date or
 * date-time, which must be in the future. Throws UsageError otherwise.
 */
export function expiryFrom(text: string, now: Date): string {
  const resolved = resolveExpiry(text, now);
  if ('at' in resolved) return resolved.at;
  throw new UsageError(
    resolved.problem === 'past'
      ? `option \`--expires\` is in the past (\`${text}\`)`
      : `option \`--expires\` must be ${EXPIRY_USAGE}, not \`${text}\``,
    'keys create',
  );
}

function describeKey(record: KeyRecord): string {
  const parts = [
    `user ${record.user ?? '-'}`,
    `groups ${record.groups.length === 0 ? '-' : record.groups.join(',')}`,
    `app ${record.app ?? '-'}`,
    `models ${record.models === null ? 'all' : record.models.join(',')}`,
    `expires ${record.expiresAt ?? 'never'}`,
  ];
  return parts.join(', ');
}

async function withStore<T>(config: Config, use: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../../store/index.ts');
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
