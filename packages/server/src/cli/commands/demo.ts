/**
 * `parapet demo seed` (synthetic traffic through the real pipeline into the deployment's store) and
 * `parapet demo` (seed once, then run a demo gateway with the admin API for a first look). Both say
 * plainly that the data is synthetic.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/index.ts';
import { SYNTHETIC_NOTICE } from '../../demo/population.ts';
import type { SeedSummary } from '../../demo/seed.ts';
import { type CliIo, type CliWriter, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** Events `parapet demo` seeds when the store has none from the demo yet. */
export const DEMO_DEFAULT_EVENTS = 5000;
/** The account `parapet demo` creates (or gives a new password) for signing in to the admin API. */
export const DEMO_ADMIN_ACCOUNT = 'demo-admin';

const SEED_OPTIONS = [
  {
    name: 'days',
    type: 'number',
    default: 7,
    valueName: 'n',
    description: 'Spread the events over the last n days',
  },
  {
    name: 'seed',
    type: 'number',
    default: 42,
    valueName: 'n',
    description: 'Seed of the generator: the same seed gives the same traffic',
  },
  {
    name: 'stream-share',
    type: 'number',
    default: 0.1,
    valueName: 'x',
    description:
      'About this share (0-1) of requests stream; streamed answers cost the gateway more inspection work',
  },
] as const;

export const demoSeedCommand = defineCommand({
  name: 'demo seed',
  summary: 'Generate synthetic traffic through the real pipeline (clearly marked as synthetic)',
  description:
    'Send N synthetic requests through an in-process gateway (the built-in detectors, the demo policy of examples/demo-policy.yaml, echo models named like gpt-4o-mini, claude-3-5-haiku and private-llm) into the configured store, as synthetic people in groups (eng, finance, legal, support, contractors) using apps (chat-web, ide, support-bot, agent), with prompts carrying personal data, credentials, attacks, topics and code. Event times are spread over the last days. Users and apps are named `demo-…`. Values are test values: card test numbers, example.com addresses, random credentials in providers\u2019 formats.',
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'events',
      type: 'number',
      required: true,
      valueName: 'n',
      description: 'Number of requests to send (one event each)',
    },
    ...SEED_OPTIONS,
    {
      name: 'concurrency',
      type: 'number',
      default: 8,
      valueName: 'n',
      description: 'Requests in flight at once',
    },
    { name: 'json', type: 'boolean', description: 'Print the summary as one JSON object' },
  ],
  examples: [
    'parapet demo seed --events 10000',
    'parapet demo seed --events 200 --days 1 --seed 7 --data-dir ./demo-data',
  ],
  async run({ options, io }) {
    const events = integerOption(options.events, '--events', 1, 10_000_000, 'demo seed');
    const seeding = seedSettings(options, 'demo seed');
    const concurrency = integerOption(options.concurrency, '--concurrency', 1, 64, 'demo seed');
    const config = loadCommandConfig(options, io);
    io.stderr.write(`${SYNTHETIC_NOTICE}\n`);
    io.stderr.write(
      `seeding ${events} synthetic events over the last ${seeding.days} days into ${await storeName(config)}\n`,
    );
    const summary = await runSeed(config, io, { events, concurrency, ...seeding });
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ synthetic: true, notice: SYNTHETIC_NOTICE, ...summary })}\n`);
    } else io.stdout.write(formatSummary(summary));
    return summary.transportErrors === 0 ? EXIT.OK : EXIT.FAILURE;
  },
});

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Seed synthetic data once and run a demo gateway with the admin API, for a first look',
  description: `Seed synthetic events (when the store has none from \`parapet demo seed\` yet), then run the gateway with the demo models and policy and the admin API on, until Ctrl-C. Sign in with the \`${DEMO_ADMIN_ACCOUNT}\` account and the password printed once (or the bearer token of \`admin.token\` when it is set); a virtual key for trying the gateway is printed too. Refuses a store that already holds events not made by the demo: use a separate \`--data-dir\`.`,
  options: [
    ...CONFIG_OPTIONS,
    {
      name: 'host',
      type: 'string',
      valueName: 'address',
      description: 'Interface to listen on (config: server.host)',
      env: 'PARAPET_HOST',
    },
    {
      name: 'port',
      type: 'number',
      valueName: 'port',
      description: 'TCP port (config: server.port, default 8787)',
      env: 'PARAPET_PORT',
    },
    {
      name: 'events',
      type: 'number',
      default: DEMO_DEFAULT_EVENTS,
      valueName: 'n',
      description: 'Events to seed when the store has no demo events yet',
    },
    ...SEED_OPTIONS,
  ],
  examples: ['parapet demo', 'parapet demo --data-dir ./demo-data --port 9000'],
  async run({ options, io }) {
    const events = integerOption(options.events, '--events', 1, 10_000_000, 'demo');
    const seeding = seedSettings(options, 'demo');
    const config = loadCommandConfig(options, io);
    const { openStore } = await import('../../store/index.ts');
    const { demoSeedRecord } = await import('../../demo/seed.ts');
    const where = await storeName(config);

    const probe = await openStore({ url: config.database.url, dataDir: config.data_dir });
    let existing: Awaited<ReturnType<typeof demoSeedRecord>>;
    let stored: number;
    try {
      existing = await demoSeedRecord(probe);
      stored = await probe.countEvents();
    } finally {
      await probe.close();
    }
    io.stderr.write(`${SYNTHETIC_NOTICE}\n`);
    if (existing === null && stored > 0) {
      io.stderr.write(
        `parapet: the store (${where}) already holds ${stored} event${stored === 1 ? '' : 's'} that \`parapet demo seed\` did not create; run the demo on its own data directory: \`parapet demo --data-dir ./demo-data\`\n`,
      );
      return EXIT.FAILURE;
    }
    let demoEvents = existing?.events ?? 0;
    if (existing === null) {
      io.stderr.write(
        `seeding ${events} synthetic events over the last ${seeding.days} days into ${where}\n`,
      );
      const summary = await runSeed(config, io, { events, concurrency: 8, ...seeding });
      io.stderr.write(formatSummary(summary));
      demoEvents = summary.events;
    } else {
      io.stderr.write(`the store already has ${demoEvents} demo events; not seeding again\n`);
    }

    const { demoConfig } = await import('../../demo/demo-config.ts');
    const { startServer } = await import('../../main.ts');
    const served = demoConfig(config, {
      host: config.server.host,
      port: config.server.port,
      adminToken: config.admin.token,
      logLevel: config.logging.level === 'info' ? 'warn' : config.logging.level,
    });
    const server = await startServer(served, { env: io.env as NodeJS.ProcessEnv });
    try {
      const login =
        config.admin.token === null
          ? await demoAdminLogin(server.context.store, nowOf(io))
          : 'dashboard and admin API: use the token set in `admin.token` (the dashboard\u2019s "API token" sign-in, or `Authorization: Bearer …`)';
      const key = await demoPlaygroundKey(server.context.store, nowOf(io));
      io.stderr.write(banner({ url: server.url, where, demoEvents, login, key }));
      await waitForStop(io.signal);
    } finally {
      await server.close();
    }
    return EXIT.OK;
  },
});

/** The demo commands, in the order `parapet --help` lists them. */
export const DEMO_COMMANDS = [demoCommand, demoSeedCommand] as const;

// ---------------------------------------------------------------------------------------------------

interface SeedSettings {
  days: number;
  seed: number;
  streamShare: number;
}

function seedSettings(
  options: { days: number; seed: number; streamShare: number },
  command: string,
): SeedSettings {
  const days = options.days;
  if (!Number.isFinite(days) || days <= 0 || days > 366) {
    throw new UsageError(
      `option \`--days\` must be a number of days from 1 to 366, not \`${days}\``,
      command,
    );
  }
  const seed = integerOption(options.seed, '--seed', 0, 2 ** 32 - 1, command);
  const streamShare = options.streamShare;
  if (!Number.isFinite(streamShare) || streamShare < 0 || streamShare > 1) {
    throw new UsageError(
      `option \`--stream-share\` must be between 0 and 1, not \`${streamShare}\``,
      command,
    );
  }
  return { days, seed, streamShare };
}

function integerOption(value: number, name: string, min: number, max: number, command: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `option \`${name}\` must be a whole number from ${min} to ${max}, not \`${value}\``,
      command,
    );
  }
  return value;
}

async function runSeed(
  config: Config,
  io: CliIo,
  settings: SeedSettings & { events: number; concurrency: number },
): Promise<SeedSummary> {
  const { seedDemo } = await import('../../demo/seed.ts');
  const { createLogger } = await import('../../observability/logger.ts');
  const progress = progressReporter(io.stderr);
  const summary = await seedDemo({
    config,
    events: settings.events,
    days: settings.days,
    seed: settings.seed,
    streamShare: settings.streamShare,
    concurrency: settings.concurrency,
    now: nowOf(io),
    env: io.env as NodeJS.ProcessEnv,
    log: createLogger({ level: 'warn', stream: { write: (line: string) => void io.stderr.write(line) } }),
    onProgress: progress.update,
  });
  progress.done();
  return summary;
}

/**
 * Progress on stderr: one line rewritten in place on a terminal, otherwise a line at every tenth.
 * Never more than a few lines a second.
 */
function progressReporter(out: CliWriter): {
  update: (done: number, total: number) => void;
  done: () => void;
} {
  const tty = (out as { isTTY?: boolean }).isTTY === true;
  const started = performance.now();
  let lastWrite = 0;
  let lastTenth = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = performance.now();
      const tenth = Math.floor((done * 10) / total);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const line = `  ${done}/${total} events (${Math.round(rate)}/s)`;
      if (tty) {
        if (now - lastWrite < 200 && done < total) return;
        lastWrite = now;
        drawn = true;
        out.write(`\r${line}`);
      } else if (tenth > lastTenth) {
        lastTenth = tenth;
        out.write(`${line}\n`);
      }
    },
    done() {
      if (drawn) out.write('\n');
    },
  };
}

function formatSummary(s: SeedSummary): string {
  const order = ['allow', 'monitor', 'redact', 'route', 'warn', 'hold', 'block', 'none'];
  const decisions = Object.entries(s.decisions)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([action, n]) => `${action} ${n}`)
    .join(', ');
  const lines = [
    SYNTHETIC_NOTICE,
    `recorded ${s.events} events from ${s.users} synthetic people and a support bot, with ${s.keys} virtual keys (users and apps are named \`demo-…\`; the keys are revoked)`,
    `  window: ${s.from} to ${s.to}`,
    `  decisions seen by clients: ${decisions}`,
    `  held for review: ${s.approvals.approved} approved, ${s.approvals.denied} denied, ${s.approvals.expired} expired; warnings acknowledged: ${s.acknowledged}`,
    `  took ${s.seconds} s (${s.eventsPerSecond} events/s)`,
  ];
  if (s.transportErrors > 0) lines.push(`  ${s.transportErrors} requests failed to reach the gateway`);
  return `${lines.join('\n')}\n`;
}

async function storeName(config: Config): Promise<string> {
  if (config.database.url !== null) {
    const { parsePostgresUrl } = await import('../../store/index.ts');
    return `PostgreSQL at ${parsePostgresUrl(config.database.url).display}`;
  }
  const { SQLITE_FILE_NAME } = await import('../../store/index.ts');
  return `SQLite at ${join(resolve(config.data_dir), SQLITE_FILE_NAME)}`;
}

function nowOf(io: CliIo): Date {
  return io.now?.() ?? new Date();
}

/**
 * Creates the `demo-admin` account (role admin) with a new random password, or gives the existing one a
 * new password, records it in the audit trail, and returns the sign-in line (the password is shown once).
 */
async function demoAdminLogin(store: import('../../store/ports.ts').Store, now: Date): Promise<string> {
  const { accessStoreFor } = await import('../../store/access-store.ts');
  const { appendAudit, createAccount, hashPassword } = await import('../../admin/auth/index.ts');
  const access = accessStoreFor(store.sql);
  const password = randomBytes(18).toString('base64url');
  const actor = { name: 'cli:parapet demo', kind: 'cli' as const, ip: null };
  const existing = await access.getUserByName(DEMO_ADMIN_ACCOUNT);
  if (existing === null) {
    await createAccount(access, DEMO_ADMIN_ACCOUNT, 'admin', password, now.toISOString());
    await appendAudit(
      access,
      now.getTime(),
      actor,
      'users.add',
      { user: DEMO_ADMIN_ACCOUNT },
      { role: 'admin' },
    );
  } else {
    await access.updateUser(DEMO_ADMIN_ACCOUNT, {
      passwordHash: await hashPassword(password),
      disabledAt: null,
    });
    await access.deleteUserSessions(existing.id);
    await appendAudit(access, now.getTime(), actor, 'users.passwd', { user: DEMO_ADMIN_ACCOUNT }, null);
  }
  return `dashboard and admin API: sign in as \`${DEMO_ADMIN_ACCOUNT}\` with password ${password} (shown once; POST /admin/api/v1/session)`;
}

/** A key for trying the demo gateway by hand: user `demo-you` in eng, app `demo-playground`. */
async function demoPlaygroundKey(store: import('../../store/ports.ts').Store, now: Date): Promise<string> {
  const { generateVirtualKey } = await import('../../identity/virtual-keys.ts');
  const generated = generateVirtualKey(randomBytes);
  await store.createKey({
    id: generated.id,
    hash: generated.hash,
    user: 'demo-you',
    groups: ['eng'],
    app: 'demo-playground',
    models: null,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
    revokedAt: null,
  });
  return generated.key;
}

function banner(info: {
  url: string;
  where: string;
  demoEvents: number;
  login: string;
  key: string;
}): string {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Please email ada@example.com the Q3 forecast' }],
  });
  return [
    `parapet demo is listening on ${info.url}`,
    `  ${SYNTHETIC_NOTICE}`,
    `  store: ${info.where} (${info.demoEvents} demo events)`,
    `  dashboard: open ${info.url}/ and sign in (below)`,
    '  models: gpt-4o-mini, gpt-4o, claude-3-5-haiku, claude-3-5-sonnet, private-llm (all answered by the built-in echo model)',
    `  ${info.login}`,
    `  your virtual key (shown once, valid 7 days): ${info.key}`,
    `  try: curl -s ${info.url}/v1/chat/completions -H 'authorization: Bearer ${info.key}' -H 'content-type: application/json' -d '${body}'`,
    '  stop with Ctrl-C',
    '',
  ].join('\n');
}

/** Resolves on the first SIGINT or SIGTERM (or when `signal` aborts). */
function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
