/**
 * The approval queue through the admin API: requests held by a `hold` rule wait (polling the store) until
 * a reviewer approves or denies them here, on any replica. The queue is also a stream of server-sent
 * events (`GET /approvals/stream`) for the dashboard's live view.
 */
import { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { ApprovalRecord, Store } from '../store/ports.ts';
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
import { StreamedAnswer } from './stream-answer.ts';

/** The longest interval between two reads of the pending approvals while a stream is open. */
export const APPROVAL_STREAM_MAX_POLL_MS = 1000;

/** How long an EventSource waits before reconnecting after the stream ends (the `retry:` field). */
const APPROVAL_STREAM_RETRY_MS = 3000;

export function approvalRoutes(deps: AdminDeps): AdminRoute[] {
  const { store, logger } = deps;
  const { approval_poll_ms: pollMs, keep_alive_ms: keepAliveMs } = deps.config.enforcement;
  // One poll loop for every open stream of this process, running only while one is open.
  const watch = new PendingApprovalsWatch(store, Math.min(pollMs, APPROVAL_STREAM_MAX_POLL_MS), logger);

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
      path: '/approvals/stream',
      summary:
        'The pending approvals as server-sent events: a snapshot at once, then a new one whenever they change',
      permission: 'approvals.read',
      response: z
        .custom<StreamedAnswer>((v) => v instanceof StreamedAnswer)
        .describe(
          'Not JSON: `text/event-stream`. Each `approvals` event carries `{approvals: Approval[]}` (the pending approvals, newest first, as `GET /approvals` answers them) in `data`: one at once, then one whenever the pending set or one of them changes, on any replica. A `: keep-alive` comment is sent every `enforcement.keep_alive_ms` without an event.',
        )
        .meta({ contentTypes: ['text/event-stream'] }),
      async handle() {
        const gone = new AbortController();
        // The stream ends when the client goes away, or when the gateway shuts down.
        const shutdown = deps.shutdown;
        if (shutdown?.aborted) gone.abort();
        const onShutdown = () => gone.abort();
        shutdown?.addEventListener('abort', onShutdown, { once: true });
        gone.signal.addEventListener('abort', () => shutdown?.removeEventListener('abort', onShutdown), {
          once: true,
        });
        return new StreamedAnswer(
          'text/event-stream; charset=utf-8',
          approvalEvents(watch, keepAliveMs, gone.signal),
          { 'x-accel-buffering': 'no' },
          { flushEachPiece: true, onClientGone: () => gone.abort() },
        );
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

// -------------------------------------------------------------------------------------------------
// The stream

/** A server-sent event of the approvals stream. */
function approvalsEvent(json: string): string {
  return `event: approvals\ndata: ${json}\n\n`;
}

/**
 * The events of one stream: the pending approvals at once, then whenever they change (as seen by the
 * shared poll loop), with a keep-alive comment after `keepAliveMs` of silence. Ends when `gone` aborts
 * (the client went away); a failed read of the first snapshot fails the request (an error answer).
 */
async function* approvalEvents(
  watch: PendingApprovalsWatch,
  keepAliveMs: number,
  gone: AbortSignal,
): AsyncGenerator<string> {
  let sent = await watch.read();
  yield `retry: ${APPROVAL_STREAM_RETRY_MS}\n${approvalsEvent(sent)}`;
  const box: { changed: string | null; wake: (() => void) | null } = { changed: null, wake: null };
  const unsubscribe = watch.subscribe((json) => {
    box.changed = json === sent ? null : json;
    if (box.changed !== null) box.wake?.();
  });
  const onGone = () => box.wake?.();
  gone.addEventListener('abort', onGone);
  try {
    while (!gone.aborted) {
      if (box.changed === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, keepAliveMs);
          box.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        box.wake = null;
      }
      if (gone.aborted) return;
      const changed = box.changed;
      if (changed === null) {
        yield ': keep-alive\n\n';
        continue;
      }
      box.changed = null;
      sent = changed;
      yield approvalsEvent(changed);
    }
  } finally {
    gone.removeEventListener('abort', onGone);
    unsubscribe();
  }
}

/**
 * Reads the pending approvals every `intervalMs` while at least one stream listens, and hands each read
 * (as JSON) to every listener; listeners keep what they last sent and skip what did not change. The loop
 * starts with the first listener and stops, timer cleared, when the last one leaves: an idle gateway
 * does not poll. Reading the store (shared by replicas) is what makes decisions on another replica show.
 */
export class PendingApprovalsWatch {
  readonly #listeners = new Set<(json: string) => void>();
  #running = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #wake: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** The pending approvals as `GET /approvals` answers them, as JSON. */
  async read(): Promise<string> {
    return JSON.stringify({ approvals: await this.store.listApprovals({ status: 'pending' }) });
  }

  /** True while the poll loop runs (a stream is open, or the last one closed during a read). */
  get polling(): boolean {
    return this.#running;
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: (json: string) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#running) {
      this.#running = true;
      void this.#loop();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#wake?.();
    };
  }

  async #loop(): Promise<void> {
    try {
      while (this.#listeners.size > 0) {
        await new Promise<void>((resolve) => {
          this.#timer = setTimeout(resolve, this.intervalMs);
          this.#wake = () => {
            if (this.#timer !== null) clearTimeout(this.#timer);
            resolve();
          };
        });
        this.#timer = null;
        this.#wake = null;
        if (this.#listeners.size === 0) break;
        let json: string;
        try {
          json = await this.read();
        } catch (err) {
          // A store hiccup: streams stay open (keep-alives go on) and the next read may work.
          this.logger.warn('approvals stream: reading the pending approvals failed', { error: err });
          continue;
        }
        for (const listener of [...this.#listeners]) listener(json);
      }
    } finally {
      this.#running = false;
    }
  }
}
