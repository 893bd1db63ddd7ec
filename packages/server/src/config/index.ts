/** Configuration: parapet.yaml + environment, validated once at boot and frozen. */
export { DEFAULTS, LOG_LEVELS, UPSTREAM_TYPES } from './defaults.ts';
export { didYouMean } from './did-you-mean.ts';
export { globMatch } from './glob.ts';
export {
  type AnthropicUpstream,
  type BuildConfigOptions,
  buildConfig,
  type Config,
  ConfigError,
  type ConfigFlags,
  type ConfigIssue,
  DEFAULT_CONFIG_FILE,
  type EchoUpstream,
  ENV_OVERRIDES,
  formatIssue,
  type LoadConfigOptions,
  loadConfig,
  type ModelEntry,
  type OpenAiUpstream,
  type Upstream,
} from './load.ts';
export { type ModelPrice, type ResolvedModel, type ResolvedTarget, resolveModel } from './resolve-model.ts';
export {
  type ConfigInput,
  ConfigSchema,
  configJsonSchema,
  configSchemaFileText,
  ModelEntrySchema,
  type ParsedConfig,
  UpstreamSchema,
} from './schema.ts';
