/**
 * `parapet users add|list|set-role|disable|enable|passwd`: local admin accounts in the store the server
 * uses. Passwords are read from stdin (hidden when it is a terminal), never from the command line.
 * Every change is recorded in the admin audit trail as made by `cli:<os user>`.
 */
import { userInfo } from 'node:os';
import { createAccount, listedUser } from '../../admin/auth/account-routes.ts';
import { type AuditActor, appendAudit } from '../../admin/auth/audit.ts';
import { hashPassword, passwordProblem } from '../../admin/auth/passwords.ts';
import { UserName } from '../../admin/auth/schemas.ts';
import { ADMIN_ROLES, type AdminRole, isAdminRole } from '../../admin/permissions.ts';
import type { Config } from '../../config/index.ts';
import type { AccessStore, AdminUserRecord } from '../../store/access-store.ts';
import type { Store } from '../../store/ports.ts';
import { type CliIo, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

const ROLE_LIST = ADMIN_ROLES.join(', ');

export const usersAddCommand = defineCommand({
  name: 'users add',
  summary: 'Create an admin account (password from stdin)',
  description: `Create a local admin account with a role (${ROLE_LIST}; see docs/admin-access.md). The password is read from stdin: typed without echo on a terminal, or the first line of a pipe. At least 12 characters. The admin API is on as soon as one account exists.`,
  options: [
    ...CONFIG_OPTIONS,
    { name: 'role', type: 'string', required: true, valueName: 'role', description: `One of ${ROLE_LIST}` },
  ],
  positionals: [{ name: 'name', description: 'Account name (letters, digits, . _ - @)', required: true }],
  examples: [
    'parapet users add alice --role admin',
    'printf \'%s\\n\' "$PASSWORD" | parapet users add ci-reader --role auditor',
  ],
  async run({ options, positionals, io }) {
    const name = accountName(positionals[0]!, 'users add');
    const role = roleOption(options.role, 'users add');
    const config = loadCommandConfig(options, io);
    const password = await readPassword(io, `password for ${name}: `);
    const problem = passwordProblem(password);
    if (problem !== null) throw new Error(problem);
    const now = nowOf(io);
    const user = await withAccess(config, async (access) => {
      const created = await createAccount(access, name, role, password, now.toISOString());
      await appendAudit(access, now.getTime(), cliActor(), 'users.add', { user: name }, { role });
      return created;
    });
    io.stdout.write(`created account ${user.name} with role ${user.role}\n`);
    return EXIT.OK;
  },
});

export const usersListCommand = defineCommand({
  name: 'users list',
  summary: 'List admin accounts (never their passwords)',
  options: [...CONFIG_OPTIONS, { name: 'json', type: 'boolean', description: 'Print a JSON array' }],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const users = (await withAccess(config, (access) => access.listUsers())).map(listedUser);
    if (options.json) {
      io.stdout.write(`${JSON.stringify(users)}\n`);
      return EXIT.OK;
    }
    if (users.length === 0) {
      io.stderr.write('no accounts yet; create one with `parapet users add NAME --role admin`\n');
      return EXIT.OK;
    }
    const rows = users.map((u) => [u.name, u.role, u.status, u.createdAt, u.lastLoginAt ?? 'never']);
    io.stdout.write(formatTable(['NAME', 'ROLE', 'STATUS', 'CREATED', 'LAST LOGIN'], rows));
    return EXIT.OK;
  },
});

export const usersSetRoleCommand = defineCommand({
  name: 'users set-role',
  summary: "Change an admin account's role",
  description: `Change the role of an account (${ROLE_LIST}). It applies to the account's next request, sessions included.`,
  options: [...CONFIG_OPTIONS],
  positionals: [
    { name: 'name', description: 'Account name', required: true },
    { name: 'role', description: `One of ${ROLE_LIST}`, required: true },
  ],
  async run({ options, positionals, io }) {
    const name = accountName(positionals[0]!, 'users set-role');
    const role = roleOption(positionals[1]!, 'users set-role');
    const config = loadCommandConfig(options, io);
    const now = nowOf(io);
    return change(config, io, name, { role }, async (access, before) => {
      await appendAudit(
        access,
        now.getTime(),
        cliActor(),
        'users.set-role',
        { user: name },
        {
          from: before.role,
          role,
        },
      );
      io.stdout.write(`${name} now has role ${role}\n`);
    });
  },
});

export const usersDisableCommand = defineCommand({
  name: 'users disable',
  summary: 'Disable an admin account and end its sessions',
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'name', description: 'Account name', required: true }],
  async run({ options, positionals, io }) {
    const name = accountName(positionals[0]!, 'users disable');
    const config = loadCommandConfig(options, io);
    const now = nowOf(io);
    return change(config, io, name, { disabledAt: now.toISOString() }, async (access, _before, after) => {
      const ended = await access.deleteUserSessions(after.id);
      await appendAudit(
        access,
        now.getTime(),
        cliActor(),
        'users.disable',
        { user: name },
        {
          sessionsEnded: ended,
        },
      );
      io.stdout.write(
        `disabled ${name}${ended > 0 ? ` and ended ${ended} session${ended > 1 ? 's' : ''}` : ''}\n`,
      );
    });
  },
});

export const usersEnableCommand = defineCommand({
  name: 'users enable',
  summary: 'Enable a disabled admin account again',
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'name', description: 'Account name', required: true }],
  async run({ options, positionals, io }) {
    const name = accountName(positionals[0]!, 'users enable');
    const config = loadCommandConfig(options, io);
    const now = nowOf(io);
    return change(config, io, name, { disabledAt: null }, async (access) => {
      await appendAudit(access, now.getTime(), cliActor(), 'users.enable', { user: name }, null);
      io.stdout.write(`enabled ${name}\n`);
    });
  },
});

export const usersPasswdCommand = defineCommand({
  name: 'users passwd',
  summary: "Set an admin account's password (from stdin) and end its sessions",
  options: [...CONFIG_OPTIONS],
  positionals: [{ name: 'name', description: 'Account name', required: true }],
  async run({ options, positionals, io }) {
    const name = accountName(positionals[0]!, 'users passwd');
    const config = loadCommandConfig(options, io);
    const password = await readPassword(io, `new password for ${name}: `);
    const problem = passwordProblem(password);
    if (problem !== null) throw new Error(problem);
    const passwordHash = await hashPassword(password);
    const now = nowOf(io);
    return change(config, io, name, { passwordHash }, async (access, _before, after) => {
      const ended = await access.deleteUserSessions(after.id);
      await appendAudit(
        access,
        now.getTime(),
        cliActor(),
        'users.passwd',
        { user: name },
        {
          sessionsEnded: ended,
        },
      );
      io.stdout.write(
        `password of ${name} changed${ended > 0 ? `; ended ${ended} session${ended > 1 ? 's' : ''}` : ''}\n`,
      );
    });
  },
});

/** The `users` commands, in help order. */
export const USERS_COMMANDS = [
  usersAddCommand,
  usersListCommand,
  usersSetRoleCommand,
  usersDisableCommand,
  usersEnableCommand,
  usersPasswdCommand,
] as const;

/**
 * Applies a change to an existing account (the CLI is the break-glass path: no last-admin guard, but a
 * warning when no enabled admin account is left), then `after` in the same store session.
 */
async function change(
  config: Config,
  io: CliIo,
  name: string,
  patch: Parameters<AccessStore['updateUser']>[1],
  after: (access: AccessStore, before: AdminUserRecord, updated: AdminUserRecord) => Promise<void>,
): Promise<number> {
  return withAccess(config, async (access) => {
    const before = await access.getUserByName(name);
    if (before === null) {
      io.stderr.write(`parapet: no account named \`${name}\`; see \`parapet users list\`\n`);
      return EXIT.FAILURE;
    }
    const outcome = await access.updateUser(name, patch);
    if (outcome.status !== 'updated') {
      io.stderr.write(`parapet: no account named \`${name}\`; see \`parapet users list\`\n`);
      return EXIT.FAILURE;
    }
    await after(access, before, outcome.user);
    const admins = (await access.listUsers()).filter((u) => u.role === 'admin' && u.disabledAt === null);
    if (admins.length === 0 && config.admin.token === null) {
      io.stderr.write(
        'warning: no enabled admin account is left and `admin.token` is not set; nobody can manage accounts through the admin API\n',
      );
    }
    return EXIT.OK;
  });
}

/** The audit actor of CLI changes: `cli:<os user>`. */
export function cliActor(): AuditActor {
  let user = 'unknown';
  try {
    user = userInfo().username || 'unknown';
  } catch {
    // No user name on this system.
  }
  return { name: `cli:${user}`, kind: 'cli', ip: null };
}

/** Opens the configured store, runs `use` on its access store, and closes it. */
export async function withAccess<T>(
  config: Config,
  use: (access: AccessStore, store: Store) => Promise<T>,
): Promise<T> {
  const { openStore } = await import('../../store/index.ts');
  const { accessStoreFor } = await import('../../store/access-store.ts');
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  try {
    return await use(accessStoreFor(store.sql), store);
  } finally {
    await store.close();
  }
}

function accountName(raw: string, command: string): string {
  const parsed = UserName.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`account name \`${raw.slice(0, 100)}\` ${parsed.error.issues[0]!.message}`, command);
  }
  return parsed.data;
}

/** A role given on the command line; UsageError naming the roles otherwise. */
export function roleOption(raw: string, command: string): AdminRole {
  if (!isAdminRole(raw))
    throw new UsageError(`unknown role \`${raw.slice(0, 100)}\`; use one of ${ROLE_LIST}`, command);
  return raw;
}

export function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/** Longest password line read from a pipe, in bytes. */
const MAX_PASSWORD_INPUT = 8192;

/**
 * Reads one password: on a terminal, typed after `prompt` (on stderr) without echo; otherwise the first
 * line of stdin (without its line ending). Throws when nothing was given.
 */
export async function readPassword(io: CliIo, prompt: string): Promise<string> {
  const input = (io.stdin ?? process.stdin) as AsyncIterable<string | Buffer> & Partial<NodeJS.ReadStream>;
  const password =
    input.isTTY === true && typeof input.setRawMode === 'function'
      ? await readHidden(input as NodeJS.ReadStream, io, prompt)
      : await readFirstLine(input);
  if (password.length === 0) {
    throw new Error('no password given; type it, or pipe it on stdin (one line)');
  }
  return password;
}

async function readFirstLine(input: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n') || text.length > MAX_PASSWORD_INPUT) break;
  }
  const end = text.indexOf('\n');
  let line = end < 0 ? text : text.slice(0, end);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  return line;
}

function readHidden(stdin: NodeJS.ReadStream, io: CliIo, prompt: string): Promise<string> {
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (value.length < MAX_PASSWORD_INPUT) value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** Aligned columns, two spaces apart. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
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
