/** `parapet approvals list|approve|deny`: the queue of requests held by the policy's `hold` action. */
import { userInfo } from 'node:os';
import type { Config } from '../../config/index.ts';
import {
  APPROVAL_STATUSES,
  type ApprovalRecord,
  type ApprovalStatus,
  type Store,
} from '../../store/ports.ts';
import { type CliIo, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** `--status` values: every ApprovalStatus, plus `all`. */
const STATUS_CHOICES: readonly string[] = [...APPROVAL_STATUSES, 'all'];

/** Widest SUMMARY cell of the table; longer summaries are cut with `…`. */
const SUMMARY_WIDTH = 60;

export const approvalsListCommand = defineCommand({
  name: 'approvals list',
  summary: 'List requests held for approval (pending by default)',
  description:
    'List the approvals of held requests, newest first: pending ones by default. The summary is the redacted one the gateway stored, never the raw request.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'status',
      type: 'string',
      valueName: 'status',
      default: 'pending',
      description: 'pending, approved, denied, expired or all',
    },
    {
      name: 'limit',
      type: 'number',
      valueName: 'n',
      default: 100,
      description: 'Show at most n (1 to 10000)',
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON object per line' },
  ],
  examples: ['parapet approvals list', 'parapet approvals list --status all --json'],
  async run({ options, io }) {
    const status = parseStatus(options.status);
    const limit = options.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new UsageError(
        `option \`--limit\` must be an integer from 1 to 10000, not \`${limit}\``,
        'approvals list',
      );
    }
    const now = io.now?.() ?? new Date();
    const config = loadCommandConfig(options, io);
    const approvals = await withStore(config, (store) =>
      store.listApprovals(status === 'all' ? { limit } : { status, limit }),
    );
    if (options.json) {
      for (const approval of approvals) io.stdout.write(`${JSON.stringify(approval)}\n`);
      return EXIT.OK;
    }
    if (approvals.length === 0) {
      io.stderr.write(status === 'all' ? 'no approvals yet\n' : `no ${status} approvals\n`);
      return EXIT.OK;
    }
    const rows = approvals.map((a) => [
      a.id,
      age(a.createdAt, now),
      ...(status === 'pending' ? [] : [a.status]),
      a.ruleId,
      a.principal.user ?? '-',
      a.principal.app ?? '-',
      a.model ?? '-',
      cut(a.summary, SUMMARY_WIDTH),
    ]);
    const headers = [
      'ID',
      'AGE',
      ...(status === 'pending' ? [] : ['STATUS']),
      'RULE',
      'USER',
      'APP',
      'MODEL',
      'SUMMARY',
    ];
    io.stdout.write(formatTable(headers, rows));
    return EXIT.OK;
  },
});

const DECIDE_OPTIONS = [
  ...CONFIG_OPTIONS,
  {
    name: 'by',
    type: 'string',
    valueName: 'name',
    description: 'Who decides (default: the operating-system user name)',
  },
] as const;

export const approvalsApproveCommand = defineCommand({
  name: 'approvals approve',
  summary: 'Approve a held request by id',
  description:
    'Approve a pending approval by its id (as `approvals list` shows it): the held request proceeds. Fails when the approval is unknown, already decided or expired.',
  options: [
    ...DECIDE_OPTIONS,
    { name: 'reason', type: 'string', valueName: 'text', description: 'Why (recorded with the decision)' },
  ],
  positionals: [{ name: 'id', description: 'Id of the approval', required: true }],
  examples: ['parapet approvals approve ap_3f9c2 --reason "budget owner confirmed"'],
  async run({ options, positionals, io }) {
    return await decide('approved', positionals[0]!, options, io);
  },
});

export const approvalsDenyCommand = defineCommand({
  name: 'approvals deny',
  summary: 'Deny a held request by id, with a reason',
  description:
    'Deny a pending approval by its id (as `approvals list` shows it): the held request is refused. A reason is required. Fails when the approval is unknown, already decided or expired.',
  options: [
    ...DECIDE_OPTIONS,
    {
      name: 'reason',
      type: 'string',
      valueName: 'text',
      required: true,
      description: 'Why (recorded with the decision)',
    },
  ],
  positionals: [{ name: 'id', description: 'Id of the approval', required: true }],
  examples: ['parapet approvals deny ap_3f9c2 --reason "contractors may not see budgets"'],
  async run({ options, positionals, io }) {
    return await decide('denied', positionals[0]!, options, io);
  },
});

interface DecideOptions {
  config?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  by?: string | undefined;
  reason?: string | undefined;
}

async function decide(
  status: 'approved' | 'denied',
  id: string,
  options: DecideOptions,
  io: CliIo,
): Promise<number> {
  const command = status === 'approved' ? 'approvals approve' : 'approvals deny';
  const reason = options.reason ?? null;
  if (reason !== null && reason.trim() === '') {
    throw new UsageError('option `--reason` must not be empty', command);
  }
  if (options.by !== undefined && options.by.trim() === '') {
    throw new UsageError('option `--by` must not be empty', command);
  }
  const by = options.by ?? operatingSystemUser();
  const now = io.now?.() ?? new Date();
  const config = loadCommandConfig(options, io);
  const outcome = await withStore(config, async (store) => {
    const decided = await store.decideApproval(id, { status, by, reason, at: now.toISOString() });
    return decided === null ? { decided: false, current: await store.getApproval(id) } : { decided: true };
  });
  if (outcome.decided) {
    io.stdout.write(`${status} ${id}\n`);
    return EXIT.OK;
  }
  io.stderr.write(
    outcome.current == null
      ? `parapet: no approval with id \`${id}\`; see \`parapet approvals list\`\n`
      : `parapet: ${notPending(outcome.current)}\n`,
  );
  return EXIT.FAILURE;
}

/** Why an approval can no longer be decided, in one line. */
function notPending(approval: ApprovalRecord): string {
  const id = `approval \`${approval.id}\``;
  if (approval.status === 'pending') {
    return `${id} expired at ${approval.expiresAt}; it can no longer be decided`;
  }
  const who = approval.decidedBy === null ? '' : ` by ${clean(approval.decidedBy)}`;
  const when = approval.decidedAt === null ? '' : ` at ${approval.decidedAt}`;
  return `${id} is already ${approval.status}${who}${when}; it can no longer be decided`;
}

/** The user name of the process, or `cli` when the system has none. */
function operatingSystemUser(): string {
  try {
    const name = userInfo().username;
    return name === '' ? 'cli' : name;
  } catch {
    return 'cli';
  }
}

function parseStatus(value: string): ApprovalStatus | 'all' {
  if (!STATUS_CHOICES.includes(value)) {
    throw new UsageError(
      `option \`--status\` must be one of ${STATUS_CHOICES.join(', ')}, not \`${value}\``,
      'approvals list',
    );
  }
  return value as ApprovalStatus | 'all';
}

/** How long ago `time` was, in its largest unit: `45s`, `12m`, `3h`, `2d`. */
export function age(time: string, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(time)) / 1000));
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

// Control characters (C0, DEL, C1) would break the table or drive the terminal: shown as spaces.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function clean(text: string): string {
  return text.replace(CONTROL, ' ');
}

/** One table cell: control characters out, at most `width` code points. */
function cut(text: string, width: number): string {
  const points = Array.from(clean(text));
  return points.length <= width ? points.join('') : `${points.slice(0, width - 1).join('')}…`;
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
  const cells = rows.map((row) => row.map(clean));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => Array.from(row[column]!).length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell + ' '.repeat(widths[column]! - Array.from(cell).length))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}
