/**
 * Host → catalog service, in time linear in the host's length: one map of exact hosts and one of
 * wildcard suffixes, probed once per label boundary. No regular expression runs per log line.
 */
import type { AiService } from './catalog.ts';

export interface ServiceMatcher {
  /**
   * The service a host belongs to, or null. `host` is lower case without port (as hostOf returns it).
   * An exact pattern wins over a wildcard; among wildcards the longest suffix wins (`*.api.example.com`
   * over `*.example.com`). `*.example.com` matches `a.example.com` and `a.b.example.com`, not
   * `example.com` itself.
   */
  match(host: string): AiService | null;
}

export function createServiceMatcher(services: readonly AiService[]): ServiceMatcher {
  const exact = new Map<string, AiService>();
  const suffixes = new Map<string, AiService>();
  for (const service of services) {
    for (const pattern of service.domains) {
      if (pattern.startsWith('*.')) suffixes.set(pattern.slice(2), service);
      else exact.set(pattern, service);
    }
  }
  return {
    match(host) {
      const direct = exact.get(host);
      if (direct !== undefined) return direct;
      // Suffixes after each dot, longest first: for a.b.example.com try b.example.com, example.com, com.
      for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        const hit = suffixes.get(host.slice(dot + 1));
        if (hit !== undefined) return hit;
      }
      return null;
    },
  };
}
