/**
 * Loads the configuration once at boot: YAML file → `${ENV}` interpolation → environment overrides →
 * command-line overrides → built-in upstreams → one validation that reports every problem at once →
 * per-type completion → deep freeze. Precedence, highest first: command-line flags, environment
 * variables, the file, DEFAULTS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DEFAULTS, UPSTREAM_TYPES } from './defaults.ts';
import { didYouMean } from './did-you-mean.ts';
import { deepFreeze } from './freeze.ts';
import { globMatch } from './glob.ts';
import { ConfigSchema, type ParsedConfig } from './schema.ts';

/** The file looked for in the working directory when neither `--config` nor PARAPET_CONFIG is given. */
export const DEFAULT_CONFIG_FILE = 'parapet.yaml';

/** One problem found in the configuration. */
export interface ConfigIssue {
  /** Dotted path of the offending key (`server.port`, `models["gpt-4.1"].provider`); '' for the file. */
  path: string;
  /** One sentence, lower-case start, no final period; never contains a configured value. */
  message: string;
  /** The key or name the user probably meant, for unknown keys and names. */
  suggestion?: string;
  /** Where the value came from when not the file: `PARAPET_PORT`, `--port`, … */
  source?: string;
}

/** The configuration is invalid; `issues` lists every problem found, not just the first. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** The configuration file read, if any. */
  readonly file: string | null;
  constructor(issues: readonly ConfigIssue[], file: string | null) {
    const where = file === null ? '' : ` in \`${file}\``;
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      `invalid configuration${where} (${count})\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}

/** Renders one issue as `path (from SOURCE): message`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : issue.path;
  const source = issue.source === undefined ? '' : ` (from ${issue.source})`;
  const prefix = where === '' && source === '' ? '' : `${where}${source}: `;
  return `${prefix}${issue.message}`;
}

interface UpstreamCommon {
  /** The key under `upstreams`. */
  name: string;
  api_key: string | null;
  headers: Record<string, string>;
  /** Model-name patterns (`*` wildcard) this upstream serves, after per-type defaults. */
  models: string[];
  timeout_ms: number;
  connect_timeout_ms: number;
  retries: { max: number; base_delay_ms: number; max_delay_ms: number };
}
/** An OpenAI-compatible server (OpenAI itself, Azure OpenAI, vLLM, Ollama, …). */
export interface OpenAiUpstream extends UpstreamCommon {
  type: 'openai';
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  base_url: string;
  /** Azure OpenAI settings, null for plain OpenAI-compatible servers. */
  azure: { api_version: string; deployments: Record<string, string> } | null;
}
/** The Anthropic Messages API. */
export interface AnthropicUpstream extends UpstreamCommon {
  type: 'anthropic';
  /** Without a trailing slash, e.g. `https://api.anthropic.com`. */
  base_url: string;
  /** The `anthropic-version` header. */
  version: string;
}
/** The built-in demo model, answered inside the gateway. */
export interface EchoUpstream extends UpstreamCommon {
  type: 'echo';
  base_url: null;
}
/** A completed upstream: every per-type default filled in. */
export type Upstream = OpenAiUpstream | AnthropicUpstream | EchoUpstream;
/** One entry of the model table. `model` absent means the entry name is sent upstream. */
export type ModelEntry = ParsedConfig['models'][string];

/**
 * The validated, frozen configuration (snake_case keys, as in parapet.yaml). Contains upstream
 * credentials: never log it whole.
 */
export type Config = Omit<ParsedConfig, 'upstreams' | '$schema'> & {
  upstreams: Record<string, Upstream>;
  /** True when no upstream was configured and the built-in `echo` upstream was added. */
  demo: boolean;
  /** Absolute path of the file read, null when running on defaults and environment only. */
  config_file: string | null;
};

/** Settings given on the command line; they win over the environment and the file. */
export interface ConfigFlags {
  /** `--config FILE`. */
  config?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  logLevel?: string | undefined;
}

/** Inputs of loadConfig; env and cwd default to the process's own. */
export interface LoadConfigOptions {
  flags?: ConfigFlags;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

/** Inputs of buildConfig: like LoadConfigOptions, plus the file the raw object came from. */
export interface BuildConfigOptions extends LoadConfigOptions {
  /** Absolute path of the file `raw` was read from; relative `data_dir` resolves against its folder. */
  file?: string | null;
}

/**
 * Reads the configuration file (`--config`, else PARAPET_CONFIG, else `parapet.yaml` in cwd when it
 * exists, else none) and returns the frozen Config. Throws ConfigError listing every problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = nonEmpty(options.flags?.config) ?? nonEmpty(env['PARAPET_CONFIG']);
  let file: string | null = null;
  if (explicit !== undefined) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) {
      const from = nonEmpty(options.flags?.config) === undefined ? ' (from PARAPET_CONFIG)' : '';
      throw new ConfigError(
        [{ path: '', message: `config file \`${explicit}\`${from} does not exist` }],
        null,
      );
    }
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    file = resolve(cwd, DEFAULT_CONFIG_FILE);
  }
  const raw = file === null ? {} : readYaml(file);
  return buildConfig(raw, { ...options, env, cwd, file });
}

/**
 * Validates a raw configuration object (what the YAML parses to) with the same steps as loadConfig:
 * interpolation, overrides, built-in upstreams, validation, completion and freezing. Useful in tests.
 */
export function buildConfig(raw: unknown, options: BuildConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? null;
  const issues: ConfigIssue[] = [];
  const sources = new Map<string, string>();

  let root: Record<string, unknown> = {};
  if (isRecord(raw)) root = interpolateTree(raw, [], env, issues) as Record<string, unknown>;
  else if (raw !== null && raw !== undefined) {
    issues.push({ path: '', message: 'the configuration must be a mapping of keys to values' });
  }

  applyOverrides(root, env, options.flags ?? {}, sources);
  addEnvUpstreams(root, env, sources);
  const demo = addDemoUpstream(root);

  const parsed = ConfigSchema.safeParse(root, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(...convertIssue(issue));
  }
  issues.push(...crossCheck(root));
  for (const issue of issues) {
    const source = sourceOf(issue.path, sources);
    if (source !== undefined) issue.source = source;
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues, file);

  const { $schema: _ignored, upstreams, ...rest } = parsed.data;
  const dataDirBase = file !== null && !sources.has('data_dir') && 'data_dir' in root ? dirname(file) : cwd;
  const config: Config = {
    ...rest,
    data_dir: isAbsolute(rest.data_dir) ? rest.data_dir : resolve(dataDirBase, rest.data_dir),
    upstreams: Object.fromEntries(
      Object.entries(upstreams).map(([name, u]) => [name, completeUpstream(name, u)]),
    ),
    demo,
    config_file: file,
  };
  return deepFreeze(config);
}

/** Parses a YAML file; syntax errors become a ConfigError (positions only, never the file's text). */
function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([{ path: '', message: `cannot read the file (${code})` }], file);
  }
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const { line, column } = lineAndColumn(text, error.pos[0]);
      return {
        path: '',
        message: `yaml syntax error at line ${line}, column ${column}: ${lowerFirst(error.message)}`,
      };
    });
    throw new ConfigError(issues, file);
  }
  return document.toJS({ maxAliasCount: 100 });
}

// ---------------------------------------------------------------------------------------------------
// Interpolation

/**
 * Replaces `${NAME}` (and `${NAME:-fallback}`) in every string value with the environment variable;
 * `$${` writes a literal `${`. A string that is exactly one reference, at a key whose schema expects a
 * number or boolean, is converted (so `port: ${PORT}` works). Unset variables without a fallback are
 * reported as issues. A left-to-right scan; no regular expression.
 */
function interpolateTree(
  value: unknown,
  path: readonly PropertyKey[],
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): unknown {
  if (typeof value === 'string') return interpolateString(value, path, env, issues);
  if (Array.isArray(value))
    return value.map((item, index) => interpolateTree(item, [...path, index], env, issues));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value))
      out[key] = interpolateTree(child, [...path, key], env, issues);
    return out;
  }
  return value;
}

function interpolateString(
  text: string,
  path: readonly PropertyKey[],
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): unknown {
  if (!text.includes('$')) return text;
  let out = '';
  let index = 0;
  let references = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      index = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      index = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) {
      issues.push({
        path: formatPath(path),
        message: 'unclosed `${` in the value; write `$${` for a literal `${`',
      });
      return text;
    }
    references++;
    const body = text.slice(dollar + 2, close);
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    if (!isEnvName(name)) {
      issues.push({
        path: formatPath(path),
        message: `\`${name}\` is not a valid environment variable name`,
      });
    } else {
      const value = env[name];
      if (value !== undefined && value !== '') out += value;
      else if (separator !== -1) out += body.slice(separator + 2);
      else issues.push({ path: formatPath(path), message: `environment variable \`${name}\` is not set` });
    }
    index = close + 1;
  }
  const whole = references === 1 && text.startsWith('${') && text.indexOf('}') === text.length - 1;
  return whole ? coerceScalar(out, path) : out;
}

function coerceScalar(text: string, path: readonly PropertyKey[]): unknown {
  const node = schemaAt(ConfigSchema, path);
  if (node instanceof z.ZodNumber && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (node instanceof z.ZodBoolean && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function isEnvName(name: string): boolean {
  if (name.length === 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Overrides and built-in upstreams

/** Environment variables that override one key each, and the command-line flag that beats them. */
export const ENV_OVERRIDES = [
  { env: 'PARAPET_HOST', path: ['server', 'host'], flag: 'host', numeric: false },
  { env: 'PARAPET_PORT', path: ['server', 'port'], flag: 'port', numeric: true },
  { env: 'PARAPET_DATA_DIR', path: ['data_dir'], flag: 'dataDir', numeric: false },
  { env: 'PARAPET_LOG_LEVEL', path: ['logging', 'level'], flag: 'logLevel', numeric: false },
  { env: 'PARAPET_DATABASE_URL', path: ['database', 'url'], flag: 'databaseUrl', numeric: false },
  { env: 'PARAPET_ADMIN_TOKEN', path: ['admin', 'token'], flag: null, numeric: false },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', path: ['telemetry', 'otlp', 'endpoint'], flag: null, numeric: false },
] as const;

function applyOverrides(
  root: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigFlags,
  sources: Map<string, string>,
): void {
  for (const override of ENV_OVERRIDES) {
    const flagValue = override.flag === null ? undefined : flags[override.flag];
    const envValue = nonEmpty(env[override.env]);
    let value: unknown;
    let source: string;
    if (flagValue !== undefined) {
      value = flagValue;
      source = `--${override.flag === null ? '' : kebab(override.flag)}`;
    } else if (envValue !== undefined) {
      value = override.numeric && isDigits(envValue) ? Number(envValue) : envValue;
      source = override.env;
    } else continue;
    setPath(root, override.path, value);
    sources.set(formatPath(override.path), source);
  }
}

/** Adds `openai` / `anthropic` upstreams from the providers' usual variables, unless already configured. */
function addEnvUpstreams(
  root: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  sources: Map<string, string>,
): void {
  const candidates = [
    { name: 'openai', type: 'openai', keyVar: 'OPENAI_API_KEY', urlVar: 'OPENAI_BASE_URL' },
    { name: 'anthropic', type: 'anthropic', keyVar: 'ANTHROPIC_API_KEY', urlVar: 'ANTHROPIC_BASE_URL' },
  ] as const;
  for (const candidate of candidates) {
    const apiKey = nonEmpty(env[candidate.keyVar]);
    if (apiKey === undefined) continue;
    if (root['upstreams'] === undefined || root['upstreams'] === null) root['upstreams'] = {};
    const upstreams = root['upstreams'];
    if (!isRecord(upstreams) || candidate.name in upstreams) continue;
    const baseUrl = nonEmpty(env[candidate.urlVar]) ?? DEFAULTS.upstream_types[candidate.type].base_url;
    upstreams[candidate.name] = { type: candidate.type, base_url: baseUrl, api_key: apiKey };
    sources.set(formatPath(['upstreams', candidate.name]), candidate.keyVar);
  }
}

/** When no upstream exists at all, adds the built-in `echo` upstream; returns whether it did. */
function addDemoUpstream(root: Record<string, unknown>): boolean {
  const upstreams = root['upstreams'];
  const empty =
    upstreams === undefined ||
    upstreams === null ||
    (isRecord(upstreams) && Object.keys(upstreams).length === 0);
  if (!empty) return false;
  root['upstreams'] = { echo: { type: 'echo' } };
  return true;
}

function completeUpstream(name: string, parsed: ParsedConfig['upstreams'][string]): Upstream {
  const common = {
    name,
    api_key: parsed.api_key,
    headers: parsed.headers,
    timeout_ms: parsed.timeout_ms,
    connect_timeout_ms: parsed.connect_timeout_ms,
    retries: parsed.retries,
  };
  if (parsed.type === 'openai') {
    const baseUrl = trimSlash(parsed.base_url ?? DEFAULTS.upstream_types.openai.base_url);
    return {
      ...common,
      type: 'openai',
      base_url: baseUrl,
      models: parsed.models ?? defaultModels(parsed),
      azure: parsed.azure ?? null,
    };
  }
  if (parsed.type === 'anthropic') {
    return {
      ...common,
      type: 'anthropic',
      base_url: trimSlash(parsed.base_url ?? DEFAULTS.upstream_types.anthropic.base_url),
      version: parsed.version ?? DEFAULTS.upstream_types.anthropic.version,
      models: parsed.models ?? defaultModels(parsed),
    };
  }
  return { ...common, type: 'echo', base_url: null, models: parsed.models ?? defaultModels(parsed) };
}

/**
 * The model patterns of an upstream that does not list its own: anthropic `claude-*`; echo its two
 * models; openai the OpenAI families only when it points at the official API, an Azure upstream its
 * deployment names, any other OpenAI-compatible server none (list them under `models`).
 */
function defaultModels(upstream: { type?: unknown; base_url?: unknown; azure?: unknown }): string[] {
  if (upstream.type === 'anthropic') return [...DEFAULTS.upstream_types.anthropic.models];
  if (upstream.type === 'echo') return [...DEFAULTS.upstream_types.echo.models];
  if (upstream.type !== 'openai') return [];
  if (isRecord(upstream.azure)) {
    return isRecord(upstream.azure['deployments']) ? Object.keys(upstream.azure['deployments']) : [];
  }
  const official = DEFAULTS.upstream_types.openai.base_url;
  const baseUrl = typeof upstream.base_url === 'string' ? trimSlash(upstream.base_url) : official;
  return baseUrl === official ? [...DEFAULTS.upstream_types.openai.models] : [];
}

// ---------------------------------------------------------------------------------------------------
// Cross-checks: run on the raw object, tolerant of wrong types, so they are reported with schema issues

function crossCheck(root: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const upstreams = isRecord(root['upstreams']) ? root['upstreams'] : {};
  const models = isRecord(root['models']) ? root['models'] : {};
  const upstreamNames = Object.keys(upstreams);

  const patterns: string[] = [];
  for (const [name, upstream] of Object.entries(upstreams)) {
    if (!isRecord(upstream)) continue;
    const type = upstream['type'];
    if (upstream['azure'] !== undefined && type !== 'openai' && isUpstreamType(type)) {
      issues.push({
        path: formatPath(['upstreams', name, 'azure']),
        message: 'an `azure` block is only allowed on an upstream of type `openai`',
      });
    }
    if (upstream['azure'] !== undefined && type === 'openai' && upstream['base_url'] === undefined) {
      issues.push({
        path: formatPath(['upstreams', name, 'base_url']),
        message: 'an Azure upstream needs `base_url` (https://RESOURCE.openai.azure.com/openai)',
      });
    }
    if (upstream['version'] !== undefined && type !== 'anthropic' && isUpstreamType(type)) {
      issues.push({
        path: formatPath(['upstreams', name, 'version']),
        message: '`version` is only allowed on an upstream of type `anthropic`',
      });
    }
    const listed = upstream['models'];
    if (Array.isArray(listed)) {
      for (const pattern of listed) if (typeof pattern === 'string') patterns.push(pattern);
    } else patterns.push(...defaultModels(upstream));
  }

  const owners = new Map<string, string>();
  for (const name of Object.keys(models)) owners.set(name, name);
  for (const [name, entry] of Object.entries(models)) {
    if (!isRecord(entry) || !Array.isArray(entry['aliases'])) continue;
    entry['aliases'].forEach((alias, index) => {
      if (typeof alias !== 'string') return;
      const owner = owners.get(alias);
      if (owner !== undefined && owner !== name) {
        issues.push({
          path: formatPath(['models', name, 'aliases', index]),
          message: `alias \`${alias}\` is already the name or an alias of model \`${owner}\``,
        });
      } else owners.set(alias, name);
    });
  }

  for (const [name, entry] of Object.entries(models)) {
    if (!isRecord(entry)) continue;
    const provider = entry['provider'];
    if (typeof provider === 'string' && !(provider in upstreams)) {
      const suggestion = didYouMean(provider, upstreamNames);
      const known = upstreamNames.length === 0 ? 'none' : upstreamNames.map((n) => `\`${n}\``).join(', ');
      issues.push({
        path: formatPath(['models', name, 'provider']),
        message: `unknown upstream \`${provider}\` (configured: ${known})${hint(suggestion)}`,
        ...(suggestion === null ? {} : { suggestion }),
      });
    }
    const fallbacks = entry['fallbacks'];
    if (!Array.isArray(fallbacks)) continue;
    fallbacks.forEach((fallback, index) => {
      if (typeof fallback !== 'string' || owners.has(fallback)) return;
      if (patterns.some((pattern) => globMatch(pattern, fallback))) return;
      const suggestion = didYouMean(fallback, owners.keys());
      issues.push({
        path: formatPath(['models', name, 'fallbacks', index]),
        message: `unknown model \`${fallback}\`, add it under \`models\` or to an upstream's \`models\` patterns${hint(suggestion)}`,
        ...(suggestion === null ? {} : { suggestion }),
      });
    });
  }

  const server = isRecord(root['server']) ? root['server'] : {};
  const trusted = isRecord(server['trusted_identity']) ? server['trusted_identity'] : {};
  const sources = trusted['sources'];
  if (trusted['enabled'] === true && (!Array.isArray(sources) || sources.length === 0)) {
    issues.push({
      path: 'server.trusted_identity.sources',
      message: 'list the proxy addresses allowed to assert identity when `trusted_identity.enabled` is true',
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------
// Zod issues → ConfigIssue

function convertIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(ConfigSchema, path);
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, known);
        return {
          path: formatPath([...path, key]),
          message: `unknown key \`${key}\`${hint(suggestion)}`,
          ...(suggestion === null ? {} : { suggestion }),
        };
      });
    }
    case 'invalid_type': {
      const missing = issue.input === undefined;
      return [
        {
          path: formatPath(path),
          message: missing
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}, got ${describe(issue.input)}`,
        },
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map((value) => `\`${String(value)}\``).join(', ');
      const input = issue.input;
      const suggestion = typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : null;
      return [
        {
          path: formatPath(path),
          message: `must be one of ${options}${hint(suggestion)}`,
          ...(suggestion === null ? {} : { suggestion }),
        },
      ];
    }
    case 'too_small':
      return [{ path: formatPath(path), message: boundMessage(issue.origin, 'at least', issue.minimum) }];
    case 'too_big':
      return [{ path: formatPath(path), message: boundMessage(issue.origin, 'at most', issue.maximum) }];
    case 'invalid_key':
      return issue.issues.map((inner) => ({
        path: formatPath(path),
        message: `the name ${lowerFirst(inner.message)}`,
      }));
    default:
      return [{ path: formatPath(path), message: lowerFirst(issue.message) }];
  }
}

function boundMessage(origin: string, relation: string, bound: number | bigint): string {
  if (origin === 'string')
    return bound === 1 ? 'must not be empty' : `must have ${relation} ${bound} characters`;
  if (origin === 'array') return `must have ${relation} ${bound} items`;
  return `must be ${relation} ${bound}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fractional number';
  return typeof value === 'string' ? 'a string' : typeof value;
}

// ---------------------------------------------------------------------------------------------------
// Schema navigation (for did-you-mean and interpolation coercion)

function unwrap(schema: z.ZodType): z.ZodType {
  let node: z.ZodType = schema;
  for (let depth = 0; depth < 10; depth++) {
    if (
      node instanceof z.ZodDefault ||
      node instanceof z.ZodPrefault ||
      node instanceof z.ZodOptional ||
      node instanceof z.ZodNullable
    ) {
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodPipe) node = node.in as z.ZodType;
    else break;
  }
  return node;
}

function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
  let node: z.ZodType | null = unwrap(schema);
  for (const segment of path) {
    if (node instanceof z.ZodObject) {
      const child: z.ZodType | undefined = (node.shape as Record<string, z.ZodType>)[String(segment)];
      node = child === undefined ? null : unwrap(child);
    } else if (node instanceof z.ZodRecord) node = unwrap(node.valueType as z.ZodType);
    else if (node instanceof z.ZodArray) node = unwrap(node.element as z.ZodType);
    else return null;
    if (node === null) return null;
  }
  return node;
}

function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const node = schemaAt(schema, path);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

const SIMPLE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `server.port`, `models["gpt-4.1"].fallbacks[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && SIMPLE_SEGMENT.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function sourceOf(path: string, sources: ReadonlyMap<string, string>): string | undefined {
  for (const [prefix, source] of sources) {
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) return source;
  }
  return undefined;
}

function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const child = node[segment];
    if (!isRecord(child)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isUpstreamType(value: unknown): boolean {
  return typeof value === 'string' && (UPSTREAM_TYPES as readonly string[]).includes(value);
}

function hint(suggestion: string | null): string {
  return suggestion === null ? '' : `; did you mean \`${suggestion}\`?`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (const char of text) if (char < '0' || char > '9') return false;
  return true;
}

function trimSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

function kebab(name: string): string {
  let out = '';
  for (const char of name) out += char >= 'A' && char <= 'Z' ? `-${char.toLowerCase()}` : char;
  return out;
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : text[0]!.toLowerCase() + text.slice(1);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
