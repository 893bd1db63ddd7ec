/**
 * Enforcement helpers the request flows share: acknowledgement tokens (warn), the redaction vault
 * (redact, reversible), human approval (hold) and the decision header. Policy semantics stay in the
 * core; this is the imperative shell around them.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  applyRedactions,
  type Decision,
  type Finding,
  ParapetError,
  type Principal,
  type RedactionPlanItem,
  type Segment,
  type TokenVault,
  vaultFrom,
} from '@parapet/core';
import { decryptContent, encryptContent } from '../store/index.ts';
import type { Store } from '../store/ports.ts';

export const ACK_HEADER = 'x-parapet-acknowledge';
export const JUSTIFICATION_HEADER = 'x-parapet-justification';
export const CONVERSATION_HEADER = 'x-parapet-conversation';

/** Keys derived once from the content key, one per purpose. */
export interface EnforcementKeys {
  ack: Buffer;
  vault: Buffer;
  hash: Buffer;
  content: Buffer;
}

export function deriveEnforcementKeys(contentKey: Buffer): EnforcementKeys {
  const derive = (purpose: string) => createHmac('sha256', contentKey).update(`parapet:${purpose}`).digest();
  return {
    ack: derive('ack-token'),
    vault: derive('vault-scope'),
    hash: derive('redaction-hash'),
    content: contentKey,
  };
}

/** Who an acknowledgement or a vault belongs to. */
export function subjectOf(principal: Principal): string {
  if (principal.keyId !== null) return `key:${principal.keyId}`;
  if (principal.user !== null) return `user:${principal.user}`;
  return 'anonymous';
}

/** SHA-256 of the inspected input texts: an acknowledgement is for this content only. */
export function contentHash(segments: readonly Segment[]): string {
  const h = createHash('sha256');
  for (const s of segments) h.update(s.text).update('\u0000');
  return h.digest('base64url');
}

/**
 * A warn acknowledgement token: `pa1.<rule id, base64url>.<expiry, base36 ms>.<HMAC>`. The HMAC binds the
 * rule, the expiry, the caller and the content, so a token acknowledges one warning about one request.
 */
export function createAckToken(
  key: Buffer,
  ruleId: string,
  subject: string,
  hash: string,
  expiresAtMs: number,
): string {
  const payload = `${Buffer.from(ruleId).toString('base64url')}.${expiresAtMs.toString(36)}`;
  return `pa1.${payload}.${mac(key, payload, subject, hash)}`;
}

/** The rule id a valid, unexpired token acknowledges, or null. The MAC is compared in constant time. */
export function verifyAckToken(
  key: Buffer,
  token: string,
  subject: string,
  hash: string,
  nowMs: number,
): string | null {
  if (token.length > 1024) return null;
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'pa1') return null;
  const payload = `${parts[1]}.${parts[2]}`;
  const expected = Buffer.from(mac(key, payload, subject, hash));
  const given = Buffer.from(parts[3]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const expires = Number.parseInt(parts[2]!, 36);
  if (!Number.isFinite(expires) || expires < nowMs) return null;
  return Buffer.from(parts[1]!, 'base64url').toString('utf8');
}

function mac(key: Buffer, payload: string, subject: string, hash: string): string {
  return createHmac('sha256', key).update(`${payload}|${subject}|${hash}`).digest('base64url');
}

/** `x-parapet-decision: <action>; rule=<id>` (rule omitted for the default). */
export function setDecisionHeader(res: ServerResponse, decision: Decision | null): void {
  if (decision === null || res.headersSent) return;
  res.setHeader(
    'x-parapet-decision',
    decision.ruleId === null ? decision.action : `${decision.action}; rule=${decision.ruleId}`,
  );
}

/** The more telling of the input and output decisions for the header (output wins unless it only allows). */
export function headlineDecision(input: Decision | null, output: Decision | null): Decision | null {
  if (output !== null && (output.action !== 'allow' || input === null)) return output;
  return input;
}

// -------------------------------------------------------------------------------------------------
// Redaction

/** The plan of the decision's redactions (findings by index). */
export function redactionPlan(decision: Decision, findings: readonly Finding[]): RedactionPlanItem[] {
  return (decision.redactions ?? []).map((r) => ({
    mode: r.mode,
    findings: r.findings.map((i) => findings[i]!).filter((f) => f !== undefined),
  }));
}

export function hashFunction(key: Buffer): (value: string) => string {
  return (value) => createHmac('sha256', key).update(value).digest('hex');
}

/**
 * The conversation a request belongs to, for the vault: the caller's `x-parapet-conversation` header, or
 * else the first system and user texts (re-sent on every turn of a conversation), keyed by the caller.
 */
export function vaultScope(
  keys: EnforcementKeys,
  principal: Principal,
  segments: readonly Segment[],
  header: string | undefined,
): string {
  const h = createHmac('sha256', keys.vault).update(subjectOf(principal)).update('\u0000');
  if (header !== undefined && header.length > 0) h.update(`h:${header.slice(0, 256)}`);
  else {
    const firstUser = segments.find((s) => s.source === 'user');
    const system = segments.find((s) => s.source === 'system');
    h.update(`s:${system?.text ?? ''}\u0000u:${firstUser?.text ?? ''}`);
  }
  return h.digest('base64url');
}

export interface VaultOutcome {
  texts: string[];
  vault: TokenVault;
  /** Replacements made (types and modes only are recorded). */
  replaced: number;
}

/**
 * Applies a decision's redactions to the input segments with the conversation's vault: values already
 * tokenized in this conversation keep their placeholders; new ones are stored encrypted, with an expiry.
 * A concurrent turn that numbered the same value first wins; this turn then re-applies with its vault.
 */
export async function redactInput(
  store: Store,
  keys: EnforcementKeys,
  scope: string,
  segments: readonly Segment[],
  plan: readonly RedactionPlanItem[],
  now: Date,
  ttlMs: number,
): Promise<VaultOutcome> {
  const hash = hashFunction(keys.hash);
  const needsVault = plan.some((p) => p.mode === 'tokenize');
  let vault = needsVault ? await loadVault(store, keys, scope, now) : vaultFrom([]);
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = applyRedactions(segments, plan, vault, { hash });
    if (!needsVault) return { texts: result.texts, vault: result.vault, replaced: result.replaced.length };
    const known = new Set(vault.entries.map((e) => e.placeholder));
    const fresh = result.vault.entries.filter((e) => !known.has(e.placeholder));
    if (fresh.length === 0)
      return { texts: result.texts, vault: result.vault, replaced: result.replaced.length };
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const stored = await store.putVaultEntries(
      fresh.map((e) => ({
        scope,
        valueHash: createHmac('sha256', keys.vault).update(e.value).digest('hex'),
        placeholder: e.placeholder,
        ciphertext: encryptContent(keys.content, JSON.stringify({ value: e.value, type: e.type })),
        createdAt: now.toISOString(),
        expiresAt,
      })),
    );
    const mine = new Set(stored.map((s) => s.placeholder));
    if (fresh.every((e) => mine.has(e.placeholder))) {
      return { texts: result.texts, vault: result.vault, replaced: result.replaced.length };
    }
    vault = await loadVault(store, keys, scope, now);
  }
  throw new ParapetError('PARAPET_GATEWAY_INTERNAL', 'the redaction vault could not be updated; try again');
}

async function loadVault(store: Store, keys: EnforcementKeys, scope: string, now: Date): Promise<TokenVault> {
  const rows = await store.getVaultEntries(scope, now.toISOString());
  const entries: { placeholder: string; value: string; type: string }[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    try {
      const { value, type } = JSON.parse(decryptContent(keys.content, row.ciphertext)) as {
        value: string;
        type: string;
      };
      if (seen.has(value)) continue;
      seen.add(value);
      entries.push({ placeholder: row.placeholder, value, type });
    } catch {
      // An entry this key cannot read (rotated key) is skipped; its value gets a new placeholder.
    }
  }
  return vaultFrom(entries);
}

// -------------------------------------------------------------------------------------------------
// Hold

export interface HoldOutcome {
  status: 'approved' | 'denied' | 'expired';
  id: string;
  by: string | null;
  at: string | null;
  reason: string | null;
}

/**
 * Files an approval and waits for a reviewer (any replica: the store is polled). On timeout the approval
 * is marked expired; the caller applies the rule's `on_timeout`. A client that goes away expires it too.
 */
export async function waitForApproval(
  store: Store,
  a: {
    eventId: string;
    ruleId: string;
    principal: Principal;
    model: string;
    summary: string;
    findings: readonly Finding[];
    timeoutMs: number;
    pollMs: number;
    now: () => Date;
    signal: AbortSignal;
    onFiled?: (id: string) => void;
    onTick?: () => void;
  },
): Promise<HoldOutcome> {
  const id = `apr_${randomUUID().replaceAll('-', '')}`;
  const created = a.now();
  await store.createApproval({
    id,
    eventId: a.eventId,
    ruleId: a.ruleId,
    principal: {
      keyId: a.principal.keyId,
      user: a.principal.user,
      groups: a.principal.groups,
      app: a.principal.app,
    },
    model: a.model,
    summary: a.summary,
    findings: a.findings.map((f) => ({ family: f.family, type: f.type, score: f.score })),
    createdAt: created.toISOString(),
    expiresAt: new Date(created.getTime() + a.timeoutMs).toISOString(),
  });
  a.onFiled?.(id);
  const deadline = created.getTime() + a.timeoutMs;
  for (;;) {
    const record = await store.getApproval(id);
    if (record !== null && record.status !== 'pending') {
      return { status: record.status, id, by: record.decidedBy, at: record.decidedAt, reason: record.reason };
    }
    if (a.signal.aborted || a.now().getTime() >= deadline) {
      const by = a.signal.aborted ? 'client-disconnected' : 'timeout';
      const decided = await store.decideApproval(id, {
        status: 'expired',
        by,
        reason: null,
        at: a.now().toISOString(),
      });
      // A reviewer may have decided in the same instant: their decision stands.
      const final = decided ?? (await store.getApproval(id));
      if (final !== null && final.status !== 'pending') {
        return { status: final.status, id, by: final.decidedBy, at: final.decidedAt, reason: final.reason };
      }
      return { status: 'expired', id, by, at: a.now().toISOString(), reason: null };
    }
    a.onTick?.();
    await sleep(Math.min(a.pollMs, Math.max(1, deadline - a.now().getTime())), a.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
