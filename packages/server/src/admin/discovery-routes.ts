/**
 * The discovery part of the admin API: AI services found in imported proxy logs (usage, status, risk),
 * their users, AI-looking hosts outside the catalog, import runs, marking a service sanctioned or
 * blocked (blocking feeds `global.blocked_apps`), log upload, and the blocklist for proxies.
 * See docs/discovery.md.
 */
import { randomUUID } from 'node:crypto';
import { type AiService, type ServiceCatalog, shippedServiceCatalog } from '../discovery/catalog.ts';
import { importLogs, summarizeImport } from '../discovery/import-logs.ts';
import { LogFormatError } from '../discovery/parsers/types.ts';
import {
  createDiscoveryStore,
  type DiscoveryStore,
  type ServiceStatusRecord,
  type ServiceUsageSummary,
} from '../store/discovery-store.ts';
import type { AdminDeps } from './context.ts';
import { setAppBlocked } from './discovery/blocking.ts';
import {
  type DiscoveredService,
  DiscoveredServiceList,
  DiscoveryBlocklist,
  DiscoveryBlocklistQuery,
  DiscoveryCandidateList,
  DiscoveryImportQuery,
  DiscoveryImportRequest,
  DiscoveryImportResult,
  DiscoveryLimitQuery,
  DiscoveryRunList,
  DiscoveryServicePath,
  DiscoveryServiceStatusChanged,
  DiscoveryServiceUserList,
  ListDiscoveredServicesQuery,
  SetServiceStatusRequest,
} from './discovery/schemas.ts';
import { AdminError } from './http.ts';
import { type AdminRoute, defineRoute } from './router.ts';

export interface DiscoveryRouteOptions {
  /** The catalog to match against; default the shipped one. */
  catalog?: ServiceCatalog;
}

export function discoveryRoutes(deps: AdminDeps, options: DiscoveryRouteOptions = {}): AdminRoute[] {
  const catalog = options.catalog ?? shippedServiceCatalog();
  let discoveryStore: DiscoveryStore | null = null;
  // Created on first use: the route table is also built where no request is ever served (OpenAPI).
  const store = () => {
    discoveryStore ??= createDiscoveryStore(deps.store.sql);
    return discoveryStore;
  };

  const serviceOr404 = (id: string): AiService => {
    const service = catalog.get(id);
    if (service === undefined) {
      throw new AdminError(
        'PARAPET_ADMIN_NOT_FOUND',
        `no service \`${id.slice(0, 100)}\` in the AI service catalog; see \`GET /discovery/services?scope=all\``,
      );
    }
    return service;
  };

  const view = (
    service: AiService,
    usage: ServiceUsageSummary | undefined,
    status: ServiceStatusRecord | null | undefined,
  ): DiscoveredService => ({
    id: service.id,
    name: service.name,
    vendor: service.vendor,
    category: service.category,
    domains: [...service.domains],
    risk: service.risk,
    status:
      status === null || status === undefined
        ? { status: 'unreviewed', note: null, updatedBy: null, updatedAt: null }
        : {
            status: status.status,
            note: status.note,
            updatedBy: status.updatedBy,
            updatedAt: status.updatedAt,
          },
    usage:
      usage === undefined
        ? null
        : {
            users: usage.users,
            requests: usage.requests,
            bytesUp: usage.bytesUp,
            bytesDown: usage.bytesDown,
            firstSeen: usage.firstSeen,
            lastSeen: usage.lastSeen,
            hosts: usage.hosts,
          },
  });

  const serviceView = async (service: AiService): Promise<DiscoveredService> => {
    const [usage, status] = await Promise.all([store().listServiceUsage(), store().getStatus(service.id)]);
    return view(
      service,
      usage.find((u) => u.serviceId === service.id),
      status,
    );
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/discovery/services',
      summary: 'AI services seen in imported proxy logs (or the whole catalog), with usage, status and risk',
      permission: 'discovery.read',
      query: ListDiscoveredServicesQuery,
      response: DiscoveredServiceList,
      async handle({ query }) {
        const [usage, statuses] = await Promise.all([store().listServiceUsage(), store().listStatuses()]);
        const usageById = new Map(usage.map((u) => [u.serviceId, u]));
        const statusById = new Map(statuses.map((s) => [s.serviceId, s]));
        const services = catalog.services
          .filter((s) => query.scope === 'all' || usageById.has(s.id) || statusById.has(s.id))
          .map((s) => view(s, usageById.get(s.id), statusById.get(s.id)))
          .filter((s) => query.category === undefined || s.category === query.category)
          .filter((s) => query.status === undefined || s.status.status === query.status)
          .sort(
            (a, b) =>
              (b.usage?.requests ?? 0) - (a.usage?.requests ?? 0) || a.name.localeCompare(b.name, 'en'),
          );
        return { catalogUpdated: catalog.updated, services };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/discovery/services/{id}/users',
      summary: 'Who used one service: requests, bytes, first and last seen per user',
      permission: 'discovery.read',
      params: DiscoveryServicePath,
      query: DiscoveryLimitQuery,
      response: DiscoveryServiceUserList,
      async handle({ params, query }) {
        const service = serviceOr404(params.id);
        const users = await store().listServiceUsers(service.id, query.limit);
        return { service: { id: service.id, name: service.name }, users };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/discovery/candidates',
      summary: 'Hosts that look like AI services but are not in the catalog, with the reason',
      permission: 'discovery.read',
      query: DiscoveryLimitQuery,
      response: DiscoveryCandidateList,
      async handle({ query }) {
        return { candidates: await store().listCandidates(query.limit) };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/discovery/runs',
      summary: 'Proxy-log imports, newest first',
      permission: 'discovery.read',
      query: DiscoveryLimitQuery,
      response: DiscoveryRunList,
      async handle({ query }) {
        return { runs: await store().listRuns(query.limit) };
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/discovery/services/{id}/status',
      summary: 'Mark a service sanctioned, blocked or unreviewed; blocking adds it to global.blocked_apps',
      permission: 'discovery.write',
      params: DiscoveryServicePath,
      body: SetServiceStatusRequest,
      response: DiscoveryServiceStatusChanged,
      audit: ({ params, body }, answer) => ({
        service: params.id,
        status: body.status,
        previous: answer.previousStatus,
        blockedAppsChanged: answer.policyUpdated,
      }),
      async handle({ params, body, actor }) {
        const service = serviceOr404(params.id);
        const previous = await store().getStatus(service.id);
        const previousStatus = previous?.status ?? 'unreviewed';
        await store().setStatus({
          serviceId: service.id,
          status: body.status,
          note: body.note === undefined || body.note === '' ? null : body.note,
          updatedBy: actor.name,
          updatedAt: new Date(deps.clock.wallMs()).toISOString(),
        });
        // The block list follows the status; a service id put in blocked_apps by hand is removed too.
        const { blockedApps, changed } = await setAppBlocked(
          deps,
          service.id,
          body.status === 'blocked',
          actor.name,
        );
        return {
          service: await serviceView(service),
          previousStatus,
          blockedApps,
          policyUpdated: changed,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/discovery/import',
      summary: 'Import a proxy log sent as text (`?format=`); results are stored unless `store` is false',
      permission: 'discovery.write',
      query: DiscoveryImportQuery,
      body: DiscoveryImportRequest,
      response: DiscoveryImportResult,
      audit: ({ query, body }, answer) => ({
        format: query.format,
        name: body.name ?? 'upload',
        bytes: Buffer.byteLength(body.content, 'utf8'),
        run: answer.run?.id ?? null,
        lines: answer.files.reduce((n, f) => n + f.lines, 0),
      }),
      async handle({ query, body, actor }) {
        const name = body.name ?? 'upload';
        const startedAt = new Date(deps.clock.wallMs()).toISOString();
        let result: Awaited<ReturnType<typeof importLogs>>;
        try {
          result = await importLogs([{ kind: 'text', name, text: body.content }], {
            format: query.format,
            catalog,
          });
        } catch (err) {
          if (err instanceof LogFormatError) {
            throw new AdminError(
              'PARAPET_REQUEST_INVALID',
              `the log cannot be read as \`${query.format}\`: ${err.message}`,
            );
          }
          throw err;
        }
        const summary = summarizeImport(result, catalog);
        const run = body.store
          ? await store().recordImport(
              {
                id: `drun_${randomUUID()}`,
                startedAt,
                finishedAt: new Date(deps.clock.wallMs()).toISOString(),
                source: 'api',
                actor: actor.name,
                format: query.format,
                files: [name],
                lines: result.lines,
                records: result.tally.records,
                malformed: result.malformed,
                matched: result.tally.matched,
                candidateRecords: result.tally.candidateRecords,
              },
              result.tally.usage,
              result.tally.candidates,
            )
          : null;
        return { run, files: result.files, services: summary.services, candidates: summary.candidates };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/discovery/blocklist',
      summary: 'Domain patterns of blocked services as plain text, one per line, for web proxies',
      permission: 'discovery.read',
      query: DiscoveryBlocklistQuery,
      response: DiscoveryBlocklist,
      async handle({ query }) {
        const statuses = await store().listStatuses();
        const patterns = statuses
          .filter((s) => s.status === 'blocked')
          .flatMap((s) => catalog.get(s.serviceId)?.domains ?? []);
        return blocklistText(patterns, query.style);
      },
    }),
  ];
}

/**
 * The blocklist text. `plain`: the patterns as in the catalog. `squid`: `*.example.com` becomes
 * `.example.com` (the domain and every subdomain), and hosts already covered by such an entry are left
 * out (Squid refuses overlapping `dstdomain` entries). Sorted, one per line, ending with a newline.
 */
export function blocklistText(patterns: readonly string[], style: 'plain' | 'squid'): string {
  let lines: string[];
  if (style === 'plain') lines = [...new Set(patterns)];
  else {
    const domains = new Set(patterns.filter((p) => p.startsWith('*.')).map((p) => p.slice(2)));
    const covered = (host: string) => {
      for (let dot = -1; ; ) {
        if (domains.has(host.slice(dot + 1))) return true;
        dot = host.indexOf('.', dot + 1);
        if (dot < 0) return false;
      }
    };
    const exact = patterns.filter((p) => !p.startsWith('*.') && !covered(p));
    // A domain under another listed domain is covered by it too.
    const wild = [...domains].filter((d) => {
      const dot = d.indexOf('.');
      return dot < 0 || !covered(d.slice(dot + 1));
    });
    lines = [...new Set([...exact, ...wild.map((d) => `.${d}`)])];
  }
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
