/**
 * The platform part of the admin API: virtual keys (`/keys`), the SIEM sink's settings and status
 * (`/siem`), and the OpenAPI document of the whole API (`/openapi.json`).
 */
import { randomBytes } from 'node:crypto';
import {
  createVirtualKey,
  EXPIRY_USAGE,
  listedKey,
  resolveExpiry,
  revokeVirtualKey,
} from '../identity/key-management.ts';
import {
  displayUrl,
  loadSiemSettings,
  SIEM_SETTINGS_KEY,
  type SiemSettings,
  storedSiemSettings,
} from '../siem/settings.ts';
import { feedCursor, parseSiemState, SIEM_STATE_KEY } from '../siem/state.ts';
import { createEventFeed } from '../store/ingest-feed.ts';
import type { AdminDeps } from './context.ts';
import { adminRoutes } from './handler.ts';
import { AdminError } from './http.ts';
import { buildOpenApiDocument } from './openapi.ts';
import {
  CreateKeyRequest,
  KeyList,
  KeyPath,
  KeySummary,
  NewKey,
  OpenApiDocument,
  PutSiemRequest,
  RevokedKey,
  SIEM_BACKLOG_CAP,
  SiemView,
} from './platform-schemas.ts';
import { type AdminRoute, defineRoute } from './router.ts';

export function platformRoutes(deps: AdminDeps): AdminRoute[] {
  const { store, config, logger } = deps;
  const contentKey = deps.contentKey ?? null;
  const now = () => new Date(deps.clock.wallMs());
  let openapi: Record<string, unknown> | null = null;

  const siemView = async () => {
    const effective = await loadSiemSettings(store, config, contentKey);
    const stateRecord = await store.getSetting(SIEM_STATE_KEY);
    const state = parseSiemState(stateRecord?.value);
    const cursor = state.cursor === null ? null : feedCursor(state.cursor);
    const at = deps.clock.wallMs();
    const { secret, url, ...tunables } = effective.settings;
    return {
      source: effective.source,
      setting:
        effective.setting === null
          ? null
          : {
              revision: effective.setting.revision,
              updatedBy: effective.setting.updatedBy,
              updatedAt: effective.setting.updatedAt,
            },
      problem: effective.problem,
      settings: {
        ...tunables,
        url: displayUrl(url),
        // A stored secret that does not decrypt is still set (the problem says so).
        secretSet: secret !== null || storedSecretSet(effective.setting?.value),
      },
      status: {
        lease:
          state.lease === null ? null : { ...state.lease, active: Date.parse(state.lease.expiresAt) > at },
        cursor: state.cursor,
        lagMs: state.cursor === null ? null : Math.max(0, at - Date.parse(state.cursor.from)),
        backlog:
          cursor === null ? null : await createEventFeed(store.sql).countAfter(cursor.seq, SIEM_BACKLOG_CAP),
        stats: state.stats,
        lastError: state.lastError,
        failures: state.failures,
      },
    };
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/keys',
      summary: 'List virtual keys (never their secrets or hashes), oldest first',
      permission: 'keys.read',
      response: KeyList,
      async handle() {
        const at = now();
        return { keys: (await store.listKeys()).map((record) => listedKey(record, at)) };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/keys/{id}',
      summary: 'One virtual key (never its secret or hash)',
      permission: 'keys.read',
      params: KeyPath,
      response: KeySummary,
      async handle({ params }) {
        const record = await store.findKey(params.id);
        if (record === null) throw keyNotFound(params.id);
        return listedKey(record, now());
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/keys',
      summary: 'Create a virtual key; the answer holds the key, shown this once',
      permission: 'keys.write',
      status: 201,
      body: CreateKeyRequest,
      response: NewKey,
      async handle({ body, actor }) {
        const at = now();
        let expiresAt: string | null = null;
        if (body.expires !== undefined && body.expires !== null) {
          const resolved = resolveExpiry(body.expires, at);
          if ('problem' in resolved) {
            throw new AdminError(
              'PARAPET_REQUEST_INVALID',
              resolved.problem === 'past'
                ? `request body \`expires\`: \`${body.expires}\` is in the past`
                : `request body \`expires\`: must be ${EXPIRY_USAGE}, not \`${body.expires}\``,
              {
                issues: [
                  {
                    path: ['expires'],
                    message: resolved.problem === 'past' ? 'is in the past' : `must be ${EXPIRY_USAGE}`,
                  },
                ],
              },
            );
          }
          expiresAt = resolved.at;
        }
        const { key, record } = await createVirtualKey(
          store,
          {
            user: body.user ?? null,
            groups: body.groups,
            app: body.app ?? null,
            models: body.models ?? null,
            expiresAt,
          },
          { now: at, randomBytes },
        );
        logger.info('virtual key created through the admin API', { key_id: record.id, by: actor.name });
        return { ...listedKey(record, at), key };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/keys/{id}',
      summary: 'Revoke a virtual key; gateways refuse it within `server.key_cache_ttl_ms`',
      permission: 'keys.write',
      params: KeyPath,
      response: RevokedKey,
      async handle({ params, actor }) {
        const outcome = await revokeVirtualKey(store, params.id, now().toISOString());
        if (outcome === 'missing') throw keyNotFound(params.id);
        const record = await store.findKey(params.id);
        if (record === null) throw keyNotFound(params.id);
        if (outcome === 'revoked') {
          logger.info('virtual key revoked through the admin API', { key_id: record.id, by: actor.name });
        }
        return { ...listedKey(record, now()), alreadyRevoked: outcome === 'already' };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/siem',
      summary: "The SIEM sink's settings (never the secret) and its export status",
      permission: 'settings.read',
      response: SiemView,
      handle: siemView,
    }),

    defineRoute({
      method: 'PUT',
      path: '/siem',
      summary: "Change the SIEM sink's settings at run time; absent fields keep their value",
      permission: 'settings.write',
      body: PutSiemRequest,
      response: SiemView,
      async handle({ body, actor }) {
        const current = await loadSiemSettings(store, config, contentKey);
        const next: SiemSettings = {
          ...current.settings,
          ...definedFields(body),
          // A setting that did not parse switched the sink off; it stays off unless `enabled` is sent.
          enabled: body.enabled ?? (current.problem === null ? current.settings.enabled : false),
        };
        if (next.enabled && (next.url === null || next.secret === null)) {
          const missing = next.url === null ? 'url' : 'secret';
          throw new AdminError(
            'PARAPET_REQUEST_INVALID',
            `request body \`${missing}\`: is required to enable the SIEM sink (send \`${missing}\`, or \`enabled: false\`)`,
            { issues: [{ path: [missing], message: 'is required to enable the SIEM sink' }] },
          );
        }
        if (next.secret !== null && contentKey === null) {
          throw new AdminError(
            'PARAPET_ADMIN_CONFLICT',
            'this gateway has no content key to encrypt the SIEM secret with; start it with its data directory or `PARAPET_ENCRYPTION_KEY`',
          );
        }
        await store.putSetting(
          SIEM_SETTINGS_KEY,
          storedSiemSettings(next, contentKey),
          actor.name,
          now().toISOString(),
        );
        logger.info('SIEM sink settings changed through the admin API', {
          enabled: next.enabled,
          url: displayUrl(next.url),
          secret_changed: body.secret !== undefined,
          by: actor.name,
        });
        return siemView();
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      summary: 'The OpenAPI 3.1 document of this admin API, generated from its route table',
      permission: 'authenticated',
      response: OpenApiDocument,
      async handle() {
        openapi ??= buildOpenApiDocument(adminRoutes(deps));
        return openapi as OpenApiDocument;
      },
    }),
  ];
}

function keyNotFound(id: string): AdminError {
  return new AdminError(
    'PARAPET_ADMIN_NOT_FOUND',
    `no virtual key with id \`${id.slice(0, 200)}\`; list them with \`GET /keys\``,
  );
}

/** The fields of a PUT body that were sent (undefined ones dropped), as SiemSettings fields. */
function definedFields(body: PutSiemRequest): Partial<SiemSettings> {
  const out: Partial<SiemSettings> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value !== undefined) (out as Record<string, unknown>)[name] = value;
  }
  return out;
}

function storedSecretSet(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { secret?: unknown }).secret === 'string'
  );
}
