/**
 * `parapet tokens create|list|revoke`: admin API tokens for automation (`Authorization: Bearer pat_…`),
 * each with one role. The token is printed once; only its SHA-256 hash is stored. Every change is
 * recorded in the admin audit trail as made by `cli:<os user>`.
 */

import { ParapetError } from '@parapet/core';
import { createApiToken, expiryFrom, listedToken } from '../../admin/auth/account-routes.ts';
import { appendAudit } from '../../admin/auth/audit.ts';
import { TokenName } from '../../admin/auth/schemas.ts';
import { ADMIN_ROLES } from '../../admin/permissions.ts';
import { defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';
import { cliActor, formatTable, nowOf, roleOption, withAccess } from './users.ts';

export const tokensCreateCommand = defineCommand({
  name: 'tokens create',
  summary: 'Create an admin API token with a role (printed once; only its hash is stored)',
  description: `Create an API token for automation, with one role (${ADMIN_ROLES.join(', ')}). It is printed once on stdout: keep it now. Send it as \`Authorization: Bearer pat_…\`.`,
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'role',
      type: 'string',
      required: true,
      valueName: 'role',
      description: `One of ${ADMIN_ROLES.join(', ')}`,
    },
    {
      name: 'expires',
      type: 'string',
      valueName: 'when',
      description: 'Expiry: a duration (90d, 12h) or an ISO date (2026-01-31); default never',
    },
    { name: 'json', type: 'boolean', description: 'Print the token record with `token` on one line' },
  ],
  positionals: [{ name: 'name', description: 'What the token is for (unique)', required: true }],
  examples: ['parapet tokens create ci-policy-deploy --role policy_author --expires 90d'],
  async run({ options, positionals, io }) {
    const parsedName = TokenName.safeParse(positionals[0]);
    if (!parsedName.success) {
      throw new UsageError(
        `token name \`${positionals[0]!.slice(0, 100)}\` ${parsedName.error.issues[0]!.message}`,
        'tokens create',
      );
    }
    const name = parsedName.data;
    const role = roleOption(options.role, 'tokens create');
    const now = nowOf(io);
    let expiresAt: string | null = null;
    if (options.expires !== undefined) {
      try {
        expiresAt = expiryFrom(options.expires, now.getTime());
      } catch (error) {
        const message = error instanceof ParapetError ? error.message : String(error);
        throw new UsageError(message.replace('`expires`', 'option `--expires`'), 'tokens create');
      }
    }
    const config = loadCommandConfig(options, io);
    const actor = cliActor();
    const created = await withAccess(config, async (access) => {
      const made = await createApiToken(access, {
        name,
        role,
        createdBy: actor.name,
        now: now.toISOString(),
        expiresAt,
      });
      await appendAudit(
        access,
        now.getTime(),
        actor,
        'tokens.create',
        { token: made.record.id },
        {
          name,
          role,
          expiresAt,
        },
      );
      return made;
    });
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ ...listedToken(created.record, now.toISOString()), token: created.token })}\n`,
      );
    } else {
      io.stdout.write(`${created.token}\n`);
      io.stderr.write(
        `created API token ${created.record.id} (${name}, role ${role}, expires ${expiresAt ?? 'never'}); it is shown only this once, store it somewhere safe\n`,
      );
    }
    return EXIT.OK;
  },
});

export const tokensListCommand = defineCommand({
  name: 'tokens list',
  summary: 'List admin API tokens (never the tokens themselves)',
  options: [...CONFIG_OPTIONS, { name: 'json', type: 'boolean', description: 'Print a JSON array' }],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const now = nowOf(io).toISOString();
    const tokens = (await withAccess(config, (access) => access.listTokens())).map((t) =>
      listedToken(t, now),
    );
    if (options.json) {
      io.stdout.write(`${JSON.stringify(tokens)}\n`);
      return EXIT.OK;
    }
    if (tokens.length === 0) {
      io.stderr.write('no API tokens yet; create one with `parapet tokens create NAME --role ROLE`\n');
      return EXIT.OK;
    }
    const rows = tokens.map((t) => [
      t.id,
      t.name,
      t.role,
      t.status,
      t.createdBy,
      t.createdAt,
      t.expiresAt ?? 'never',
      t.lastUsedAt ?? 'never',
    ]);
    io.stdout.write(
      formatTable(['ID', 'NAME', 'ROLE', 'STATUS', 'CREATED BY', 'CREATED', 'EXPIRES', 'LAST USED'], rows),
    );
    return EXIT.OK;
  },
});

export const tokensRevokeCommand = defineCommand({
  name: 'tokens revoke',
  summary: 'Revoke an admin API token by id',
  description: 'Revoke an API token by its id (as `tokens list` shows it); every replica refuses it at once.',
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'id', description: 'Id of the token', required: true }],
  async run({ options, positionals, io }) {
    const id = positionals[0]!;
    const config = loadCommandConfig(options, io);
    const now = nowOf(io);
    const outcome = await withAccess(config, async (access) => {
      const revoked = await access.revokeToken(id, now.toISOString());
      if (revoked !== null) {
        await appendAudit(
          access,
          now.getTime(),
          cliActor(),
          'tokens.revoke',
          { token: id },
          {
            name: revoked.name,
          },
        );
        return 'revoked';
      }
      return (await access.getToken(id)) === null ? 'missing' : 'already';
    });
    if (outcome === 'missing') {
      io.stderr.write(`parapet: no API token with id \`${id.slice(0, 100)}\`; see \`parapet tokens list\`\n`);
      return EXIT.FAILURE;
    }
    io.stdout.write(outcome === 'already' ? `token ${id} was already revoked\n` : `revoked token ${id}\n`);
    return EXIT.OK;
  },
});

/** The `tokens` commands, in help order. */
export const TOKENS_COMMANDS = [tokensCreateCommand, tokensListCommand, tokensRevokeCommand] as const;
