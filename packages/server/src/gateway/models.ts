import { type Config, resolveModel, type Upstream } from '../config/index.ts';
import type { UpstreamTarget } from '../upstream/index.ts';
import type { ModelDirectory, ResolvedRoute } from './context.ts';
import type { ModelChoice, UpstreamSpec } from './plan.ts';

const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** One UpstreamSpec per configured upstream, built once at boot. */
export function upstreamTargets(config: Config): ReadonlyMap<string, UpstreamSpec> {
  const specs = new Map<string, UpstreamSpec>();
  for (const up of Object.values(config.upstreams)) specs.set(up.name, toSpec(up));
  return specs;
}

function toSpec(up: Upstream): UpstreamSpec {
  const target: UpstreamTarget = {
    name: up.name,
    baseUrl: up.base_url ?? 'http://127.0.0.1',
    headers: {},
    connectTimeoutMs: up.connect_timeout_ms,
    timeoutMs: up.timeout_ms,
    retries: {
      max: up.retries.max,
      baseDelayMs: up.retries.base_delay_ms,
      maxDelayMs: up.retries.max_delay_ms,
    },
  };
  return {
    name: up.name,
    type: up.type,
    baseUrl: target.baseUrl,
    apiKey: up.api_key,
    headers: up.headers,
    anthropicVersion: up.type === 'anthropic' ? up.version : DEFAULT_ANTHROPIC_VERSION,
    azure:
      up.type === 'openai' && up.azure !== null
        ? { apiVersion: up.azure.api_version, deployments: up.azure.deployments }
        : null,
    target,
  };
}

/**
 * The model table as the request path sees it. Resolutions are memoised per requested name (the config
 * is frozen), with a bound so arbitrary client-chosen names cannot grow the cache without limit.
 */
export function createModelDirectory(
  config: Config,
  specs: ReadonlyMap<string, UpstreamSpec>,
): ModelDirectory {
  const cache = new Map<string, ResolvedRoute | null>();
  const listing: { id: string; provider: string }[] = [];
  for (const [name, entry] of Object.entries(config.models)) {
    listing.push({ id: name, provider: entry.provider });
    for (const alias of entry.aliases) listing.push({ id: alias, provider: entry.provider });
  }
  for (const up of Object.values(config.upstreams)) {
    for (const pattern of up.models) {
      if (!pattern.includes('*') && !listing.some((m) => m.id === pattern))
        listing.push({ id: pattern, provider: up.name });
    }
  }
  Object.freeze(listing);

  function choice(name: string, provider: string, upstreamModel: string): ModelChoice | null {
    const upstream = specs.get(provider);
    return upstream === undefined ? null : { name, upstream, upstreamModel };
  }

  function resolve(name: string): ResolvedRoute | null {
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    const resolved = resolveModel(config, name);
    let route: ResolvedRoute | null = null;
    if (resolved !== null) {
      const chain: ModelChoice[] = [];
      for (const t of [resolved, ...resolved.fallbacks]) {
        const c = choice(t.name, t.provider, t.upstreamModel);
        if (c !== null) chain.push(c);
      }
      route = { requested: name, chain, price: resolved.price, tags: resolved.tags };
    }
    if (cache.size >= 4096) cache.clear();
    cache.set(name, route);
    return route;
  }

  return { resolve, list: () => listing };
}
