/**
 * Accounts and API tokens through the admin API: `GET/POST /users`, `PATCH /users/{name}`, `GET/POST
 * /tokens`, `DELETE /tokens/{id}`. Passwords and token secrets never leave in an answer (a new token is
 * shown once, in the answer that creates it) and never reach the log or the audit trail.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { tryParseDuration } from '@parapet/core';
import {
  type AccessStore,
  type AdminUserRecord,
  type ApiTokenRecord,
  accessStoreFor,
} from '../../store/access-store.ts';
import { RecordConflictError } from '../../store/store-rows.ts';
import type { AdminDeps } from '../context.ts';
import { AdminError } from '../http.ts';
import { type AdminRole, isAdminRole } from '../permissions.ts';
import { type AdminRoute, defineRoute } from '../router.ts';
import { generateApiToken, type RandomBytes } from './credentials.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import {
  type AdminUser,
  AdminUser as AdminUserSchema,
  type ApiToken,
  ApiToken as ApiTokenSchema,
  CreatedToken,
  CreateTokenRequest,
  CreateUserRequest,
  TokenList,
  TokenPath,
  UpdateUserRequest,
  UserList,
  UserPath,
} from './schemas.ts';

export function accountRoutes(deps: AdminDeps, random: RandomBytes = randomBytes): AdminRoute[] {
  const access = accessStoreFor(deps.store.sql);
  const nowIso = () => new Date(deps.clock.wallMs()).toISOString();

  return [
    defineRoute({
      method: 'GET',
      path: '/users',
      summary: 'List admin accounts, by name (never passwords)',
      permission: 'users.read',
      response: UserList,
      async handle() {
        return { users: (await access.listUsers()).map(listedUser) };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/users',
      summary: 'Create an admin account with a role and a password (at least 12 characters)',
      permission: 'users.write',
      status: 201,
      body: CreateUserRequest,
      response: AdminUserSchema,
      async handle({ body }) {
        const problem = passwordProblem(body.password);
        if (problem !== null) {
          throw new AdminError('PARAPET_REQUEST_INVALID', `request body \`password\`: ${problem}`, {
            issues: [{ path: ['password'], message: problem }],
          });
        }
        const user = await createAccount(access, body.name, body.role, body.password, nowIso());
        deps.logger.info('admin account created through the admin API', {
          account: user.name,
          role: user.role,
        });
        return listedUser(user);
      },
    }),

    defineRoute({
      method: 'PATCH',
      path: '/users/{name}',
      summary: "Change an account's role, or disable (ending its sessions) or enable it",
      permission: 'users.write',
      params: UserPath,
      body: UpdateUserRequest,
      response: AdminUserSchema,
      async handle({ params, body }) {
        const name = params.name.toLowerCase();
        const outcome = await access.updateUser(
          name,
          {
            ...(body.role === undefined ? {} : { role: body.role }),
            ...(body.disabled === undefined ? {} : { disabledAt: body.disabled ? nowIso() : null }),
          },
          { keepAnAdmin: true },
        );
        if (outcome.status === 'missing') throw userNotFound(name);
        if (outcome.status === 'last-admin') {
          throw new AdminError(
            'PARAPET_ADMIN_CONFLICT',
            `\`${name}\` is the last enabled admin account; make another account admin first (or use \`parapet users\` on the server)`,
          );
        }
        // A disabled account's sessions end now; a role change applies to its next request by itself.
        if (body.disabled === true) await access.deleteUserSessions(outcome.user.id);
        return listedUser(outcome.user);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/tokens',
      summary: 'List API tokens, newest first (never the tokens themselves)',
      permission: 'users.read',
      response: TokenList,
      async handle() {
        const now = nowIso();
        return { tokens: (await access.listTokens()).map((t) => listedToken(t, now)) };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/tokens',
      summary: 'Create an API token with a role (shown once in this answer; only its hash is stored)',
      permission: 'users.write',
      status: 201,
      body: CreateTokenRequest,
      response: CreatedToken,
      async handle({ body, actor }) {
        const nowMs = deps.clock.wallMs();
        const expiresAt = body.expires === undefined ? null : expiryFrom(body.expires, nowMs);
        const created = await createApiToken(access, {
          name: body.name,
          role: body.role,
          createdBy: actor.name,
          now: new Date(nowMs).toISOString(),
          expiresAt,
          random,
        });
        deps.logger.info('API token created through the admin API', {
          token: created.record.id,
          name: created.record.name,
          role: created.record.role,
          by: actor.name,
        });
        return { ...listedToken(created.record, new Date(nowMs).toISOString()), token: created.token };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/tokens/{id}',
      summary: 'Revoke an API token (at once, on every replica); revoking it again answers it unchanged',
      permission: 'users.write',
      params: TokenPath,
      response: ApiTokenSchema,
      async handle({ params, actor }) {
        const now = nowIso();
        const revoked = await access.revokeToken(params.id, now);
        if (revoked !== null) {
          deps.logger.info('API token revoked through the admin API', { token: revoked.id, by: actor.name });
          return listedToken(revoked, now);
        }
        const current = await access.getToken(params.id);
        if (current === null) {
          throw new AdminError(
            'PARAPET_ADMIN_NOT_FOUND',
            `no API token with id \`${params.id.slice(0, 200)}\`; list them with \`GET /tokens\``,
          );
        }
        return listedToken(current, now);
      },
    }),
  ];
}

/** Creates an account (the CLI and the API share it); RecordConflictError becomes 409. */
export async function createAccount(
  access: AccessStore,
  name: string,
  role: AdminRole,
  password: string,
  now: string,
): Promise<AdminUserRecord> {
  const record: AdminUserRecord = {
    id: `usr_${randomUUID()}`,
    name,
    role,
    passwordHash: await hashPassword(password),
    createdAt: now,
    disabledAt: null,
    lastLoginAt: null,
  };
  try {
    return await access.createUser(record);
  } catch (error) {
    if (error instanceof RecordConflictError) {
      throw new AdminError('PARAPET_ADMIN_CONFLICT', `an account named \`${name}\` already exists`);
    }
    throw error;
  }
}

/** Creates an API token (the CLI and the API share it); a taken name becomes 409. */
export async function createApiToken(
  access: AccessStore,
  t: {
    name: string;
    role: AdminRole;
    createdBy: string;
    now: string;
    expiresAt: string | null;
    random?: RandomBytes;
  },
): Promise<{ record: ApiTokenRecord; token: string }> {
  const generated = generateApiToken(t.random);
  try {
    const record = await access.createToken({
      id: generated.id,
      hash: generated.hash,
      name: t.name,
      role: t.role,
      createdBy: t.createdBy,
      createdAt: t.now,
      expiresAt: t.expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    });
    return { record, token: generated.token };
  } catch (error) {
    if (error instanceof RecordConflictError) {
      throw new AdminError(
        'PARAPET_ADMIN_CONFLICT',
        `an API token named \`${t.name}\` exists (names are never reused, even after revocation); choose another name`,
      );
    }
    throw error;
  }
}

/**
 * An expiry from `90d`, `12h`, `30m` (a duration from now) or an ISO date or time in the future; a
 * 400 PARAPET_REQUEST_INVALID otherwise.
 */
export function expiryFrom(text: string, nowMs: number): string {
  const last = text[text.length - 1] ?? '';
  const ms = last >= 'a' && last <= 'z' ? tryParseDuration(text) : null;
  if (ms !== null) return new Date(nowMs + ms).toISOString();
  const looksIso = text.length >= 10 && text[4] === '-' && text[7] === '-';
  const at = looksIso ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new AdminError(
      'PARAPET_REQUEST_INVALID',
      `\`expires\` must be a duration such as \`90d\` or \`12h\`, or an ISO time such as \`2026-01-31\`, not \`${text.slice(0, 100)}\``,
    );
  }
  if (at <= nowMs) {
    throw new AdminError('PARAPET_REQUEST_INVALID', `\`expires\` is in the past (\`${text.slice(0, 100)}\`)`);
  }
  return new Date(at).toISOString();
}

function userNotFound(name: string): AdminError {
  return new AdminError(
    'PARAPET_ADMIN_NOT_FOUND',
    `no account named \`${name.slice(0, 200)}\`; list them with \`GET /users\``,
  );
}

/** An account as the API shows it. */
export function listedUser(user: AdminUserRecord): AdminUser {
  return {
    name: user.name,
    role: knownRole(user.role),
    status: user.disabledAt === null ? 'active' : 'disabled',
    createdAt: user.createdAt,
    disabledAt: user.disabledAt,
    lastLoginAt: user.lastLoginAt,
  };
}

/** A token as the API shows it, with its status at `now`. */
export function listedToken(token: ApiTokenRecord, now: string): ApiToken {
  return {
    id: token.id,
    name: token.name,
    role: knownRole(token.role),
    status:
      token.revokedAt !== null
        ? 'revoked'
        : token.expiresAt !== null && token.expiresAt <= now
          ? 'expired'
          : 'active',
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
    lastUsedAt: token.lastUsedAt,
  };
}

/** A stored role this version does not know (written by a newer one) shows as the least powerful. */
function knownRole(role: string): AdminRole {
  return isAdminRole(role) ? role : 'auditor';
}
