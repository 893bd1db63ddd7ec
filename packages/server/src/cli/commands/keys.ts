/** `parapet keys create|list|revoke`: manage virtual keys in the store the server uses. */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.ts';
import { generateVirtualKey, keyUsability, parseDuration } from '../../identity/virtual-keys.ts';
import type { KeyRecord, Store } from '../../store/ports.ts';
import { defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** A key as `keys list --json` shows it: never the secret, never the hash. */
export interface ListedKey {
  id: string;
  user: string | null;
  groups: string[];
  app: string | null;
  models: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'ok' | 'expired' | 'revoked';
}

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
    const generated = generateVirtualKey(randomBytes);
    const record: KeyRecord = {
      id: generated.id,
      hash: generated.hash,
      user: options.user ?? null,
      groups: dedupe(options.group),
      app: options.app ?? null,
      models: options.models === undefined ? null : dedupe(options.models),
      createdAt: now.toISOString(),
      expiresAt,
      revokedAt: null,
    };
    await withStore(config, (store) => store.createKey(record));
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ key: generated.key, id: generated.id })}\n`);
    } else {
      io.stdout.write(`${generated.key}\n`);
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
    const outcome = await withStore(config, async (store) => {
      const existing = await store.findKey(id);
      if (existing === null) return 'missing';
      if (existing.revokedAt !== null) return 'already';
      return (await store.revokeKey(id, now.toISOString())) ? 'revoked' : 'missing';
    });
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
  const duration = parseDuration(text);
  if (duration !== null) return new Date(now.getTime() + duration).toISOString();
  const usage = 'a duration such as `30d`, `12h`, `90m` or an ISO date such as `2026-01-31`';
  if (!looksLikeIsoDate(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`option \`--expires\` must be ${usage}, not \`${text}\``, 'keys create');
  }
  const at = new Date(Date.parse(text));
  if (at.getTime() <= now.getTime()) {
    throw new UsageError(`option \`--expires\` is in the past (\`${text}\`)`, 'keys create');
  }
  return at.toISOString();
}

/** `YYYY-MM-DD`, optionally followed by `T` or a space and a time; checked without a RegExp. */
function looksLikeIsoDate(text: string): boolean {
  if (text.length < 10 || text.length > 35) return false;
  for (let i = 0; i < 10; i++) {
    const char = text[i]!;
    const dash = i === 4 || i === 7;
    if (dash ? char !== '-' : char < '0' || char > '9') return false;
  }
  return text.length === 10 || text[10] === 'T' || text[10] === ' ';
}

function listedKey(record: KeyRecord, now: Date): ListedKey {
  return {
    id: record.id,
    user: record.user,
    groups: record.groups,
    app: record.app,
    models: record.models,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    status: keyUsability(record, now),
  };
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

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
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
