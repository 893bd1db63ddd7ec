/** `parapet serve`: run the gateway until SIGINT or SIGTERM, then close cleanly. */
import { join, resolve } from 'node:path';
import { defineCommand, EXIT } from '../command.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the gateway',
  description:
    'Run the gateway and admin API. With no upstream configured (nor OPENAI_API_KEY / ANTHROPIC_API_KEY), it serves the built-in `echo` demo model.',
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
      description: 'TCP port (config: server.port)',
      env: 'PARAPET_PORT',
    },
    {
      name: 'log-level',
      type: 'string',
      valueName: 'level',
      description: 'silent, error, warn, info or debug (config: logging.level)',
      env: 'PARAPET_LOG_LEVEL',
    },
  ],
  examples: ['parapet serve', 'parapet serve --config parapet.yaml --port 9000'],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    // Imported here, not at the top, so `parapet keys …` and `--help` never load the gateway.
    const { startServer } = await import('../../main.ts');
    const server = await startServer(config);
    const { parsePostgresUrl, SQLITE_FILE_NAME } = await import('../../store/index.ts');
    const store =
      server.context.store.kind === 'postgres' && config.database.url !== null
        ? `PostgreSQL at ${parsePostgresUrl(config.database.url).display}`
        : `SQLite at ${join(resolve(config.data_dir), SQLITE_FILE_NAME)}`;
    io.stderr.write(startBanner({ url: server.url, store, demo: config.demo }));
    await waitForStop(io.signal);
    await server.close();
    return EXIT.OK;
  },
});

/**
 * The lines `serve` prints to stderr once it listens: where, which store, and in demo mode what the echo
 * model is and how to reach a real one. Never a key or a password.
 */
export function startBanner(info: { url: string; store: string; demo: boolean }): string {
  const lines = [`parapet is listening on ${info.url}`, `  store: ${info.store}`];
  if (info.demo) {
    lines.push(
      '  demo mode: no upstream is configured, so the built-in `echo` model answers (it repeats your message back;',
      '  `echo-embedding` gives embeddings). Configure upstreams in parapet.yaml or set OPENAI_API_KEY /',
      '  ANTHROPIC_API_KEY to reach real models.',
    );
  }
  lines.push('  create a key with `parapet keys create --user <name>`; stop with Ctrl-C');
  return `${lines.join('\n')}\n`;
}

/** Resolves on the first SIGINT or SIGTERM (or when `signal` aborts); a second signal kills as usual. */
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
