import { globMatch } from './glob.ts';
import type { Config, ModelEntry } from './load.ts';

/** Price of a model in USD per million tokens. */
export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

/** Where one model name is served. */
export interface ResolvedTarget {
  /** Canonical name: the model-table entry name, or the requested name when an upstream pattern matched. */
  name: string;
  /** Upstream name (a key of `config.upstreams`). */
  provider: string;
  /** Model name sent to the upstream. */
  upstreamModel: string;
  tags: string[];
  price: ModelPrice | null;
}

/** A resolved model with its fallback chain, in the order to try. */
export interface ResolvedModel extends ResolvedTarget {
  /**
   * Fallbacks flattened depth-first (a fallback's own fallbacks follow it), without repeats and without
   * the model itself; names that resolve to nothing are skipped (loadConfig has already rejected them).
   */
  fallbacks: ResolvedTarget[];
}

interface ModelIndex {
  /** Entry names and aliases → entry name. */
  byName: Map<string, string>;
  entries: Record<string, ModelEntry>;
  /** [upstream name, pattern] in upstream order, then pattern order. */
  patterns: Array<[string, string]>;
}

const indexes = new WeakMap<Config, ModelIndex>();

/**
 * Resolves a requested model name: model-table entry names first, then aliases, then the upstreams'
 * `models` patterns in upstream order (first match wins). Null when nothing serves the name. The lookup
 * index is built once per (frozen) config.
 */
export function resolveModel(config: Config, name: string): ResolvedModel | null {
  const index = indexFor(config);
  const primary = resolveTarget(index, name);
  if (primary === null) return null;
  const fallbacks: ResolvedTarget[] = [];
  const seen = new Set<string>([primary.name]);
  const visit = (entryName: string): void => {
    const entry = index.entries[entryName];
    if (entry === undefined) return;
    for (const fallbackName of entry.fallbacks) {
      const target = resolveTarget(index, fallbackName);
      if (target === null || seen.has(target.name)) continue;
      seen.add(target.name);
      fallbacks.push(target);
      visit(target.name);
    }
  };
  visit(primary.name);
  return { ...primary, fallbacks };
}

function resolveTarget(index: ModelIndex, name: string): ResolvedTarget | null {
  const entryName = index.byName.get(name);
  if (entryName !== undefined) {
    const entry = index.entries[entryName]!;
    return {
      name: entryName,
      provider: entry.provider,
      upstreamModel: entry.model ?? entryName,
      tags: entry.tags,
      price: entry.price,
    };
  }
  for (const [provider, pattern] of index.patterns) {
    if (globMatch(pattern, name)) return { name, provider, upstreamModel: name, tags: [], price: null };
  }
  return null;
}

function indexFor(config: Config): ModelIndex {
  let index = indexes.get(config);
  if (index === undefined) {
    const byName = new Map<string, string>();
    for (const name of Object.keys(config.models)) byName.set(name, name);
    for (const [name, entry] of Object.entries(config.models)) {
      for (const alias of entry.aliases) if (!byName.has(alias)) byName.set(alias, name);
    }
    const patterns: Array<[string, string]> = [];
    for (const upstream of Object.values(config.upstreams)) {
      for (const pattern of upstream.models) patterns.push([upstream.name, pattern]);
    }
    index = { byName, entries: config.models, patterns };
    indexes.set(config, index);
  }
  return index;
}
