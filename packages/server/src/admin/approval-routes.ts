/**
 * The approval queue through the admin API: requests held by a `hold` rule wait (polling the store) until
 * a reviewer approves or denies them here, on any replica.
 */
import type { ApprovalRecord } from '../store/ports.ts';
import type { AdminActor, AdminDeps } from './context.ts';
import { AdminError } from './http.ts';
import { type AdminRoute, defineRoute } from './router.ts';
import {
  Approval,
  ApprovalList,
  ApprovalPath,
  ApproveRequest,
  DenyRequest,
  ListApprovalsQuery,
} from './schemas.ts';

export function approvalRoutes(deps: AdminDeps): AdminRoute[] {
  const { store, logger } = deps;

  const decide = async (
    id: string,
    status: 'approved' | 'denied',
    reason: string | null,
    actor: AdminActor,
  ): Promise<ApprovalRecord> => {
    const at = new Date(deps.clock.wallMs()).toISOString();
    const decided = await store.decideApproval(id, { status, by: actor.name, reason, at });
    if (decided !== null) {
      logger.info(`approval ${status} through the admin API`, { approval: id, by: actor.name });
      return decided;
    }
    const current = await store.getApproval(id);
    if (current === null) throw notFound(id);
    throw new AdminError('PARAPET_ADMIN_CONFLICT', notPending(current), { approval: current });
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/approvals',
      summary: 'List approvals of held requests, newest first (pending by default)',
      permission: 'approvals.read',
      query: ListApprovalsQuery,
      response: ApprovalList,
      async handle({ query }) {
        const approvals = await store.listApprovals({
          ...(query.status === 'all' ? {} : { status: query.status }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        });
        return { approvals };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/approvals/{id}',
      summary: 'One approval',
      permission: 'approvals.read',
      params: ApprovalPath,
      response: Approval,
      async handle({ params }) {
        const approval = await store.getApproval(params.id);
        if (approval === null) throw notFound(params.id);
        return approval;
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/approvals/{id}/approve',
      summary: 'Approve a pending approval: the held request proceeds',
      permission: 'approvals.decide',
      params: ApprovalPath,
      body: ApproveRequest,
      response: Approval,
      async handle({ params, body, actor }) {
        return decide(params.id, 'approved', body.reason ?? null, actor);
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/approvals/{id}/deny',
      summary: 'Deny a pending approval with a reason: the held request is refused',
      permission: 'approvals.decide',
      params: ApprovalPath,
      body: DenyRequest,
      response: Approval,
      async handle({ params, body, actor }) {
        return decide(params.id, 'denied', body.reason, actor);
      },
    }),
  ];
}

function notFound(id: string): AdminError {
  return new AdminError(
    'PARAPET_ADMIN_NOT_FOUND',
    `no approval with id \`${id.slice(0, 200)}\`; list them with \`GET /approvals?status=all\``,
  );
}

/** Why an approval can no longer be decided, in one sentence. */
function notPending(approval: ApprovalRecord): string {
  const id = `approval \`${approval.id}\``;
  if (approval.status === 'pending')
    return `${id} expired at ${approval.expiresAt}; it can no longer be decided`;
  const who = approval.decidedBy === null ? '' : ` by ${approval.decidedBy}`;
  const when = approval.decidedAt === null ? '' : ` at ${approval.decidedAt}`;
  return `${id} is already ${approval.status}${who}${when}; it can no longer be decided`;
}
