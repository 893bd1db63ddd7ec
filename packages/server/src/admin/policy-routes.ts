/**
 * Policy versions through the admin API: list, read, validate, store, diff, activate, roll back and
 * simulate. The same operations as `parapet policy …`, with the same rules: nothing invalid is stored or
 * activated, and a change applies to this process at once.
 */
import { compilePolicy, ParapetError, tryParseDuration } from '@parapet/core';
import { unifiedDiff } from '../policy/line-diff.ts';
import { readEventWindow, simulatePolicy } from '../policy/simulate.ts';
import type { PolicyVersionRecord } from '../store/ports.ts';
import { MAX_QUERY_LIMIT } from '../store/store-rows.ts';
import type { AdminActor, AdminDeps } from './context.ts';
import { AdminError } from './http.ts';
import { checkPolicyText, deploymentCatalogue, policyInvalid, refreshPolicy } from './policy-check.ts';
import { type AdminRoute, defineRoute } from './router.ts';
import {
  ActivatedPolicy,
  DiffQuery,
  ListPoliciesQuery,
  PolicyDetail,
  PolicyDiff,
  PolicyList,
  PolicyValidation,
  SimulatePolicyRequest,
  SimulationResult,
  StoredPolicy,
  StorePolicyRequest,
  ValidatePolicyRequest,
  VersionPath,
} from './schemas.ts';

export function policyRoutes(deps: AdminDeps): AdminRoute[] {
  const { store, logger } = deps;
  const nowIso = () => new Date(deps.clock.wallMs()).toISOString();

  const activeVersion = async (): Promise<number | null> =>
    (await store.getActivePolicyVersion())?.version ?? null;

  const getVersion = async (version: number): Promise<PolicyVersionRecord> => {
    const record = await store.getPolicyVersion(version);
    if (record === null) {
      throw new AdminError(
        'PARAPET_ADMIN_NOT_FOUND',
        `no policy version ${version}; list them with \`GET /policies\``,
      );
    }
    return record;
  };

  /** Validates a stored version against today's deployment, then makes it the active one. */
  const activate = async (version: number, actor: AdminActor) => {
    const record = await getVersion(version);
    const checked = checkPolicyText(
      record.document,
      `policy version ${version}`,
      await deploymentCatalogue(deps),
    );
    if (checked.policy === null) throw policyInvalid(`policy version ${version}`, checked.issues);
    const previous = await activeVersion();
    if (previous !== version) {
      if (!(await store.activatePolicyVersion(version, actor.name, nowIso()))) {
        throw new AdminError('PARAPET_ADMIN_NOT_FOUND', `no policy version ${version}`);
      }
      await refreshPolicy(deps);
      logger.info('policy version activated through the admin API', { version, previous, by: actor.name });
    }
    const updated = (await store.getPolicyVersion(version)) ?? record;
    return { ...detail(updated, version), previousVersion: previous };
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/policies',
      summary: 'List the stored policy versions, newest first',
      permission: 'policies.read',
      query: ListPoliciesQuery,
      response: PolicyList,
      async handle({ query }) {
        const [versions, active] = await Promise.all([
          store.listPolicyVersions(query.limit === undefined ? {} : { limit: query.limit }),
          activeVersion(),
        ]);
        return { versions: versions.map((v) => summary(v, active)) };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/policies',
      summary: 'Validate a policy and store it as the next version; activate it when asked',
      permission: 'policies.write',
      status: 201,
      body: StorePolicyRequest,
      response: StoredPolicy,
      async handle({ body, actor }) {
        const checked = checkPolicyText(body.document, 'document', await deploymentCatalogue(deps));
        if (checked.policy === null || checked.source === null)
          throw policyInvalid('the policy', checked.issues);
        const at = nowIso();
        const record = await store.insertPolicyVersion({
          // A parapet.yaml is stored as its `policy:` section only (the rest may hold credentials).
          document: checked.source.policyText,
          author: actor.name,
          comment: body.comment ?? null,
          createdAt: at,
        });
        let stored = record;
        if (body.activate) {
          await store.activatePolicyVersion(record.version, actor.name, at);
          await refreshPolicy(deps);
          stored = (await store.getPolicyVersion(record.version)) ?? record;
        }
        logger.info('policy version stored through the admin API', {
          version: record.version,
          activated: body.activate,
          by: actor.name,
        });
        return {
          ...detail(stored, await activeVersion()),
          warnings: checked.issues.filter((i) => i.severity === 'warning'),
        };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/policies/validate',
      summary: 'Check a policy against this deployment without storing it',
      permission: 'policies.test',
      body: ValidatePolicyRequest,
      response: PolicyValidation,
      async handle({ body }) {
        const checked = checkPolicyText(body.document, 'document', await deploymentCatalogue(deps));
        return { valid: checked.policy !== null, issues: checked.issues };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/policies/active',
      summary: 'The active policy version, with its document',
      permission: 'policies.read',
      response: PolicyDetail,
      async handle() {
        const record = await store.getActivePolicyVersion();
        if (record === null) {
          throw new AdminError(
            'PARAPET_ADMIN_NOT_FOUND',
            'no policy version is active (the config file policy applies); store one with `POST /policies`',
          );
        }
        return detail(record, record.version);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/policies/rollback',
      summary: 'Activate the version that was active before the current one',
      permission: 'policies.write',
      response: ActivatedPolicy,
      async handle({ actor }) {
        const log = await store.listPolicyActivations({ limit: MAX_QUERY_LIMIT });
        const current = log[0];
        if (current === undefined) {
          throw new AdminError(
            'PARAPET_ADMIN_CONFLICT',
            'no policy version was ever activated; nothing to roll back',
          );
        }
        const previous = log.find((entry) => entry.version !== current.version);
        if (previous === undefined) {
          throw new AdminError(
            'PARAPET_ADMIN_CONFLICT',
            `version ${current.version} is the only version ever activated; nothing to roll back to`,
          );
        }
        return activate(previous.version, actor);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/policies/simulate',
      summary: 'Replay stored events against a candidate policy and count the decisions that would change',
      permission: 'policies.test',
      body: SimulatePolicyRequest,
      response: SimulationResult,
      async handle({ body }) {
        const now = deps.clock.wallMs();
        const since = pointInTime(body.since, now, 'since');
        const until = body.until === undefined ? null : pointInTime(body.until, now, 'until');
        if (until !== null && until <= since) {
          throw new AdminError('PARAPET_REQUEST_INVALID', '`until` must be after `since`');
        }
        const checked = checkPolicyText(body.document, 'document', await deploymentCatalogue(deps));
        if (checked.policy === null) throw policyInvalid('the policy', checked.issues);
        const { events, truncated } = await readEventWindow(store, { since, until, limit: body.limit });
        const report = await simulatePolicy(events, {
          policy: compilePolicy(checked.policy),
          config: deps.config,
          ...(body.rescan
            ? {
                rescan: {
                  detectors: deps.detectors,
                  budgetMs: deps.config.inspection.detector_budget_ms,
                  contentKey: deps.contentKey ?? null,
                },
              }
            : {}),
        });
        return { window: { since, until }, truncated, ...report };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/policies/{version}',
      summary: 'One stored policy version, with its document',
      permission: 'policies.read',
      params: VersionPath,
      response: PolicyDetail,
      async handle({ params }) {
        const [record, active] = await Promise.all([getVersion(params.version), activeVersion()]);
        return detail(record, active);
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/policies/{version}/diff',
      summary: 'Unified diff from another version (default: the active one) to this version',
      permission: 'policies.read',
      params: VersionPath,
      query: DiffQuery,
      response: PolicyDiff,
      async handle({ params, query }) {
        const to = await getVersion(params.version);
        let from: PolicyVersionRecord;
        if (query.against === 'active') {
          const active = await store.getActivePolicyVersion();
          if (active === null) {
            throw new AdminError(
              'PARAPET_ADMIN_NOT_FOUND',
              'no policy version is active to compare with; give `against=<version>`',
            );
          }
          from = active;
        } else {
          from = await getVersion(query.against);
        }
        const diff = unifiedDiff(from.document, to.document, {
          fromLabel: `policy version ${from.version}`,
          toLabel: `policy version ${to.version}`,
        });
        return { from: from.version, to: to.version, diff };
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/policies/{version}/activate',
      summary: 'Make a stored version the active one (it must still validate against this deployment)',
      permission: 'policies.write',
      params: VersionPath,
      response: ActivatedPolicy,
      async handle({ params, actor }) {
        return activate(params.version, actor);
      },
    }),
  ];
}

function summary(v: PolicyVersionRecord, active: number | null) {
  return {
    version: v.version,
    author: v.author,
    comment: v.comment,
    createdAt: v.createdAt,
    activatedAt: v.activatedAt,
    active: v.version === active,
  };
}

function detail(v: PolicyVersionRecord, active: number | null) {
  return { ...summary(v, active), document: v.document };
}

/** `7d` → now minus 7 days; an ISO date or time → itself; as an ISO string. */
function pointInTime(text: string, nowMs: number, field: string): string {
  const ms = tryParseDuration(text);
  if (ms !== null) return new Date(nowMs - ms).toISOString();
  if (text.length >= 10 && text[4] === '-' && text[7] === '-' && !Number.isNaN(Date.parse(text))) {
    return new Date(Date.parse(text)).toISOString();
  }
  throw new ParapetError(
    'PARAPET_REQUEST_INVALID',
    `\`${field}\` must be a duration such as \`7d\` or \`12h\`, or an ISO time such as \`2025-03-01\`, not \`${text.slice(0, 100)}\``,
  );
}
