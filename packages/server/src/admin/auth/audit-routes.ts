/** `GET /audit`: the admin audit trail, newest first, filtered and paged. There is no route to change it. */
import { tryParseDuration } from '@parapet/core';
import { accessStoreFor } from '../../store/access-store.ts';
import type { AdminDeps } from '../context.ts';
import { AdminError } from '../http.ts';
import { type AdminRoute, defineRoute } from '../router.ts';
import { AuditPage, AuditQueryParams } from './schemas.ts';

const DEFAULT_LIMIT = 100;

export function auditRoutes(deps: AdminDeps): AdminRoute[] {
  const access = accessStoreFor(deps.store.sql);
  return [
    defineRoute({
      method: 'GET',
      path: '/audit',
      summary: 'The admin audit trail, newest first: filter by time, actor and action; page with `after`',
      permission: 'audit.read',
      query: AuditQueryParams,
      response: AuditPage,
      async handle({ query }) {
        const nowMs = deps.clock.wallMs();
        const limit = query.limit ?? DEFAULT_LIMIT;
        const entries = await access.queryAudit({
          ...(query.since === undefined ? {} : { since: pointInTime(query.since, nowMs, 'since') }),
          ...(query.until === undefined ? {} : { until: pointInTime(query.until, nowMs, 'until') }),
          ...(query.actor === undefined ? {} : { actor: query.actor }),
          ...(query.action === undefined ? {} : { action: query.action }),
          ...(query.after === undefined ? {} : { after: query.after }),
          limit,
        });
        const last = entries[entries.length - 1];
        return { entries, next: entries.length === limit && last !== undefined ? String(last.id) : null };
      },
    }),
  ];
}

/** `7d` → now minus 7 days; an ISO date or time → itself; as an ISO string. */
function pointInTime(text: string, nowMs: number, field: string): string {
  const last = text[text.length - 1] ?? '';
  const ms = last >= 'a' && last <= 'z' ? tryParseDuration(text) : null;
  if (ms !== null) return new Date(nowMs - ms).toISOString();
  if (text.length >= 10 && text[4] === '-' && text[7] === '-' && !Number.isNaN(Date.parse(text))) {
    return new Date(Date.parse(text)).toISOString();
  }
  throw new AdminError(
    'PARAPET_REQUEST_INVALID',
    `query parameter \`${field}\` must be a duration such as \`7d\` or \`12h\`, or an ISO time such as \`2025-03-01\`, not \`${text.slice(0, 100)}\``,
  );
}
