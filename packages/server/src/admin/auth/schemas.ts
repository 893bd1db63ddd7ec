/**
 * Request and response bodies of the access routes (session, users, API tokens, audit trail), one zod
 * schema and type under one name each, shared with the dashboard and the OpenAPI document.
 */
import { z } from 'zod';
import { MAX_QUERY_LIMIT } from '../../store/store-rows.ts';
import { ADMIN_ROLES, PERMISSIONS } from '../permissions.ts';
import { MAX_PASSWORD_LENGTH } from './passwords.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');

/** Account names: 1–64 of a-z 0-9 . _ - @, starting with a letter or digit (lower-cased on input). */
export const USER_NAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

/** Names that would be confused with the actors the audit trail records for other credentials. */
export const RESERVED_USER_NAMES: readonly string[] = ['admin-token', 'anonymous', 'system'];

export const UserName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(USER_NAME_PATTERN, {
    message:
      'must be 1 to 64 characters: letters, digits, `.`, `_`, `-` or `@`, starting with a letter or digit',
  })
  .refine((name) => !RESERVED_USER_NAMES.includes(name), { message: 'is reserved; choose another name' })
  .describe('Account name (lower-cased).');

/** API token names: 1–64 of a-z 0-9 . _ -, starting with a letter or digit. */
export const TokenName = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, {
    message: 'must be 1 to 64 characters: letters, digits, `.`, `_` or `-`, starting with a letter or digit',
  })
  .describe('What the token is for (`ci-policy-deploy`); unique, never reused.');

export const AdminRoleSchema = z
  .enum(ADMIN_ROLES)
  .describe('One of the admin roles; see docs/admin-access.md.');
export const PermissionSchema = z.enum(PERMISSIONS);

const newPassword = z
  .string()
  .describe(`The new password: at least 12 characters, at most ${MAX_PASSWORD_LENGTH}.`);

// ---------------------------------------------------------------------------------------------------
// Session

export const LoginRequest = z.strictObject({
  name: z.string().min(1).max(200).describe('Account name.'),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SessionInfo = z.strictObject({
  user: z.string().describe('The actor name: account name, `token:<name>` or `admin-token`.'),
  role: AdminRoleSchema,
  kind: z.enum(['user', 'token', 'bootstrap']).describe('How the caller signed in.'),
  permissions: z.array(PermissionSchema).describe("The role's permissions, in PERMISSIONS order."),
  csrfToken: z
    .string()
    .nullable()
    .describe(
      'Send as `x-csrf-token` on every POST, PUT, PATCH and DELETE made with the session cookie; null for bearer credentials.',
    ),
  expiresAt: isoTime.nullable().describe('When the session ends at the latest; null for bearer credentials.'),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const LogoutAnswer = z.strictObject({
  ended: z.boolean().describe('A session was ended (false when the caller used a bearer credential).'),
});
export type LogoutAnswer = z.infer<typeof LogoutAnswer>;

// ---------------------------------------------------------------------------------------------------
// Users

export const AdminUser = z.strictObject({
  name: z.string(),
  role: AdminRoleSchema,
  status: z.enum(['active', 'disabled']),
  createdAt: isoTime,
  disabledAt: isoTime.nullable(),
  lastLoginAt: isoTime.nullable(),
});
export type AdminUser = z.infer<typeof AdminUser>;

export const UserList = z.strictObject({ users: z.array(AdminUser) });
export type UserList = z.infer<typeof UserList>;

export const CreateUserRequest = z.strictObject({
  name: UserName,
  role: AdminRoleSchema,
  password: newPassword,
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UserPath = z.strictObject({ name: z.string().min(1).max(200) });
export type UserPath = z.infer<typeof UserPath>;

export const UpdateUserRequest = z
  .strictObject({
    role: AdminRoleSchema.optional(),
    disabled: z
      .boolean()
      .optional()
      .describe('true disables the account and ends its sessions; false enables it.'),
  })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, {
    message: 'send `role`, `disabled` or both',
  });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

// ---------------------------------------------------------------------------------------------------
// API tokens

export const ApiToken = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: AdminRoleSchema,
  status: z.enum(['active', 'expired', 'revoked']),
  createdBy: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const TokenList = z.strictObject({ tokens: z.array(ApiToken) });
export type TokenList = z.infer<typeof TokenList>;

export const CreateTokenRequest = z.strictObject({
  name: TokenName,
  role: AdminRoleSchema.describe('The role whose permissions the token carries.'),
  expires: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe('A duration from now (`90d`, `12h`) or an ISO time in the future; absent: never expires.'),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

export const CreatedToken = ApiToken.extend({
  token: z.string().describe('The token, `pat_…`: shown this once, only its SHA-256 hash is stored.'),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

export const TokenPath = z.strictObject({ id: z.string().min(1).max(200) });
export type TokenPath = z.infer<typeof TokenPath>;

// ---------------------------------------------------------------------------------------------------
// Audit trail

const AuditLimit = z
  .string()
  .regex(/^[0-9]{1,6}$/, { message: `must be a whole number from 1 to ${MAX_QUERY_LIMIT}` })
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_QUERY_LIMIT));

export const AuditQueryParams = z.strictObject({
  since: z.string().optional().describe('Entries at or after: a duration before now (`7d`) or an ISO time.'),
  until: z.string().optional().describe('Entries before: a duration before now or an ISO time.'),
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Exact action, e.g. `login.failed` or `POST /kill-switch`.'),
  limit: AuditLimit.optional().describe('Default 100.'),
  after: z
    .string()
    .regex(/^[0-9]{1,15}$/, { message: 'must be the `next` value of the previous page' })
    .transform(Number)
    .optional()
    .describe('The `next` value of the previous page.'),
});
export type AuditQueryParams = z.infer<typeof AuditQueryParams>;

export const AuditEntry = z.strictObject({
  id: z.number().int(),
  time: isoTime,
  actor: z.string(),
  actorKind: z.enum(['user', 'token', 'bootstrap', 'cli']),
  action: z.string(),
  target: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z.strictObject({
  entries: z.array(AuditEntry).describe('Newest first.'),
  next: z.string().nullable().describe('Pass as `after` for the next page; null on the last page.'),
});
export type AuditPage = z.infer<typeof AuditPage>;
