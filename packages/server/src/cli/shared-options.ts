/**
 * Options shared by every command that reads the configuration, so `serve` and `keys` resolve the same
 * file, data directory and database, and therefore see the same keys as a running server.
 */
import { type Config, type ConfigFlags, loadConfig } from '../config/index.ts';
import type { CliIo } from './command.ts';
import type { OptionSpec } from './options.ts';

/** `--config FILE`, `--data-dir DIR`, `--database-url URL`. */
export const CONFIG_OPTIONS = [
  {
    name: 'config',
    short: 'c',
    type: 'string',
    valueName: 'file',
    description: 'Configuration file (default: ./parapet.yaml when it exists)',
    env: 'PARAPET_CONFIG',
  },
  {
    name: 'data-dir',
    type: 'string',
    valueName: 'dir',
    description: 'Directory of the SQLite database, event spool and encryption key (config: data_dir)',
    env: 'PARAPET_DATA_DIR',
  },
  {
    name: 'database-url',
    type: 'string',
    valueName: 'url',
    description: 'postgres://… to use PostgreSQL instead of SQLite (config: database.url)',
    env: 'PARAPET_DATABASE_URL',
  },
] as const satisfies readonly OptionSpec[];

/** The values CONFIG_OPTIONS parse to, plus serve's own overrides. */
export interface ConfigOptionValues {
  config?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  logLevel?: string | undefined;
}

/** Loads the configuration the way every command does: flags over environment over file. */
export function loadCommandConfig(options: ConfigOptionValues, io: CliIo): Config {
  const flags: ConfigFlags = {
    config: options.config,
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    host: options.host,
    port: options.port,
    logLevel: options.logLevel,
  };
  return loadConfig({ flags, env: io.env, cwd: io.cwd });
}
