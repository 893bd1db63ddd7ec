/**
 * The events part of the admin API: the Activity table (search, filter, page at a million events), the
 * interaction detail (redacted conversation with highlighted findings, the decision trace, latency,
 * tokens), the audited reveal of decrypted content, reviewer labels, and CSV / NDJSON export. See
 * docs/api.md ("Events") and store/event-search.ts for how a page is found.
 */
import { ParapetError, tryParseDuration } from '@parapet/core';
import { z } from 'zod';
import { createEventSearch, type EventFilters } from '../store/event-search.ts';
import { recordAudit } from './auth/audit.ts';
import type { AdminActor, AdminDeps } from './context.ts';
import { findingViews, redactedView, revealedView } from './events/content-view.ts';
import { exportLines, summaryOf } from './events/export.ts';
import {
  EventDetail,
  type EventFiltersQuery,
  EventLabel,
  EventPage,
  EventPath,
  ExportEventsQuery,
  LabelPath,
  LabelRemoved,
  ListEventsQuery,
  PutLabelRequest,
  RevealedEvent,
  RevealRequest,
} from './events/schemas.ts';
import { AdminError } from './http.ts';
import { roleAllows } from './permissions.ts';
import { type AdminRoute, defineRoute } from './router.ts';
import { StreamedAnswer } from './stream-answer.ts';

export function eventRoutes(deps: AdminDeps): AdminRoute[] {
  const { store } = deps;
  const search = createEventSearch(store.sql);

  const filtersOf = (query: EventFiltersQuery): EventFilters => {
    const now = deps.clock.wallMs();
    const { since, until, ...rest } = query;
    const filters: EventFilters = {};
    for (const [name, value] of Object.entries(rest)) {
      if (value !== undefined) (filters as Record<string, unknown>)[name] = value;
    }
    if (since !== undefined) filters.since = pointInTime(since, now, 'since');
    if (until !== undefined) filters.until = pointInTime(until, now, 'until');
    return filters;
  };

  const eventOrNotFound = async (id: string) => {
    const event = await store.getEvent(id);
    if (event === null) throw notFound(id);
    return event;
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/events',
      summary: 'Search events: filter, text search on the redacted preview, newest first, paged by cursor',
      permission: 'events.read',
      query: ListEventsQuery,
      response: EventPage,
      async handle({ query }) {
        const { limit, after, ...rest } = query;
        const page = await badRequestOnRange(() =>
          search.page({ ...filtersOf(rest), limit, ...(after === undefined ? {} : { after }) }),
        );
        return { events: page.events.map(summaryOf), nextCursor: page.nextCursor };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/events/export',
      summary: 'Export the events of a search as CSV or NDJSON, streamed (redacted unless revealed)',
      permission: 'events.export',
      query: ExportEventsQuery,
      response: z
        .custom<StreamedAnswer>((v) => v instanceof StreamedAnswer)
        .describe(
          'Not JSON: `text/csv` (a header row, then one row per event) or `application/x-ndjson` (one event summary per line), newest first.',
        )
        .meta({ contentTypes: ['text/csv', 'application/x-ndjson'] }),
      async handle({ query, actor }) {
        const { format, reveal, limit, ...rest } = query;
        if (reveal && !roleAllows(actor.role, 'content.reveal')) {
          throw new ParapetError(
            'PARAPET_ADMIN_FORBIDDEN',
            `role \`${actor.role}\` lacks permission \`content.reveal\` for \`reveal=true\`; export without it for redacted content`,
          );
        }
        const filters = filtersOf(rest);
        // Checks the filters and the cursor before anything is sent.
        await badRequestOnRange(() => search.page({ ...filters, limit: 1 }));
        await audit(deps, actor, reveal ? 'events.export.reveal' : 'events.export', null, {
          format,
          limit,
          filters: { ...filters },
        });
        const lines = exportLines(search.scan(filters, { pageSize: 500, max: limit }), {
          format,
          reveal,
          loadEvent: (id) => store.getEvent(id),
          contentKey: deps.contentKey,
        });
        const stamp = new Date(deps.clock.wallMs()).toISOString().replace(/[:.]/g, '-');
        return new StreamedAnswer(
          format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          lines,
          { 'content-disposition': `attachment; filename="parapet-events-${stamp}.${format}"` },
        );
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/events/{id}',
      summary:
        'One event: the redacted conversation with highlighted findings, the decision trace, latency and tokens',
      permission: 'events.read',
      params: EventPath,
      response: EventDetail,
      async handle({ params }) {
        const event = await eventOrNotFound(params.id);
        const [preview, labels] = await Promise.all([search.preview(event.id), search.labels(event.id)]);
        const { labels: _names, ...summary } = summaryOf({ event, preview, labels: [] });
        return {
          ...summary,
          latency: event.latency,
          trace: event.decision,
          findings: findingViews(event),
          content: redactedView(event, deps.contentKey),
          labels,
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/events/{id}/reveal',
      summary: 'Reveal the decrypted content of an event (recorded in the audit trail)',
      permission: 'content.reveal',
      params: EventPath,
      body: RevealRequest,
      response: RevealedEvent,
      // Recorded below, before the content is answered, with what was revealed.
      audit: 'off',
      async handle({ params, body, actor }) {
        const event = await eventOrNotFound(params.id);
        const view = revealedView(event, deps.contentKey);
        if ('unavailable' in view) throw unavailable(event.id, event.contentMode, view.unavailable);
        await audit(
          deps,
          actor,
          'events.reveal',
          { event: event.id },
          {
            contentMode: event.contentMode,
            ...(body.reason === undefined ? {} : { reason: body.reason }),
          },
        );
        deps.logger.info('event content revealed through the admin API', { event: event.id, by: actor.name });
        return { eventId: event.id, ...view };
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/events/{id}/labels/{label}',
      summary: 'Label an event (or change the note of its label)',
      permission: 'events.label',
      params: LabelPath,
      body: PutLabelRequest,
      response: EventLabel,
      async handle({ params, body, actor }) {
        const label = await search.putLabel({
          eventId: params.id,
          label: params.label,
          note: body.note ?? null,
          by: actor.name,
          at: new Date(deps.clock.wallMs()).toISOString(),
        });
        if (label === null) throw notFound(params.id);
        return label;
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/events/{id}/labels/{label}',
      summary: 'Remove a label from an event',
      permission: 'events.label',
      params: LabelPath,
      response: LabelRemoved,
      async handle({ params }) {
        await eventOrNotFound(params.id);
        const removed = await search.deleteLabel(params.id, params.label);
        return { eventId: params.id, label: params.label, removed };
      },
    }),
  ];
}

/** Appends to the admin audit trail (awaited: nothing is revealed or exported unrecorded). */
function audit(
  deps: AdminDeps,
  actor: AdminActor,
  action: string,
  target: Record<string, string> | null,
  details: Record<string, unknown>,
): Promise<unknown> {
  return recordAudit(deps, { name: actor.name, kind: actor.kind, ip: actor.ip }, action, target, details);
}

/** A store RangeError (bad cursor, time or limit) as 400. */
async function badRequestOnRange<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RangeError) throw new AdminError('PARAPET_REQUEST_INVALID', error.message);
    throw error;
  }
}

/** `7d` → now minus 7 days; an ISO date or time → that instant; as an ISO string. */
function pointInTime(text: string, nowMs: number, field: string): string {
  const ms = tryParseDuration(text);
  if (ms !== null) return new Date(nowMs - ms).toISOString();
  if (text.length >= 10 && text[4] === '-' && text[7] === '-') {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return new Date(at).toISOString();
  }
  throw new AdminError(
    'PARAPET_REQUEST_INVALID',
    `query parameter \`${field}\` must be a duration such as \`7d\` or \`12h\`, or an ISO time such as \`2025-03-01T00:00:00Z\`, not \`${text.slice(0, 100)}\``,
  );
}

function notFound(id: string): AdminError {
  return new AdminError(
    'PARAPET_ADMIN_NOT_FOUND',
    `no event with id \`${id.slice(0, 200)}\`; find events with \`GET /events\``,
  );
}

function unavailable(id: string, mode: string, reason: string): ParapetError {
  const why =
    reason === 'not_stored'
      ? mode === 'redacted'
        ? 'its content was stored redacted, so there is nothing more to reveal than `GET /events/{id}` shows'
        : 'its content was not stored (content mode `none`)'
      : reason === 'no_key'
        ? 'this gateway has no content key to decrypt it'
        : 'its content does not decrypt with this gateway\u2019s content key';
  return new ParapetError(
    'PARAPET_ADMIN_CONTENT_UNAVAILABLE',
    `event \`${id.slice(0, 200)}\` cannot be revealed: ${why}`,
  );
}
