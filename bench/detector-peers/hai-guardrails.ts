// @presidio-dev/hai-guardrails as a benchmark target: its two local guards, `piiGuard` and `secretGuard`
// (regular expressions, redact mode). Its LLM guards are out; the heuristic injection/leakage tactics are
// not data-security checks.
//
// Importing the package starts two piscina worker pools (for its heuristic tactics) whose worker file path
// was baked in at its build (`/home/runner/work/hai-guardrails/…/piscina/dist/worker.js`): each worker fails
// to start and the pool emits an unhandled 'error', which would crash the process when the event loop next
// turns. `createHaiGuardrailsTarget` swallows exactly those errors (module not found: that worker file)
// and waits for the pools to give up before anything is measured; any other uncaught error still exits.

import { importPeer, peerVersion } from './load.ts';
import { spansFromRedaction, type TypedSpan } from './spans.ts';
import type { BenchTarget } from './types.ts';

interface GuardResult {
  passed: boolean;
  modifiedMessage?: { role: string; content: string };
}
type Guard = (messages: { role: string; content: string }[]) => Promise<GuardResult[]> | GuardResult[];
interface HaiModule {
  piiGuard(opts?: { mode?: 'block' | 'redact' }): Guard;
  secretGuard(opts?: { mode?: 'block' | 'redact' }): Guard;
}

/** hai-guardrails placeholder (`[REDACTED-EMAIL]`) → Presidio entity name. */
export const HAI_TYPE_MAP: Readonly<Record<string, string>> = {
  EMAIL: 'EMAIL_ADDRESS',
  PHONE: 'PHONE_NUMBER',
  SSN: 'US_SSN',
  'CREDIT-CARD': 'CREDIT_CARD',
  'IP-ADDRESS': 'IP_ADDRESS',
  ICD10: 'MEDICAL_CODE',
  MRN: 'MEDICAL_RECORD_NUMBER',
  NPI: 'MEDICAL_LICENSE',
  DEA: 'MEDICAL_LICENSE',
};

const PLACEHOLDER = /\[REDACTED-[A-Z0-9-]+\]/g;

/** `[REDACTED-CREDIT-CARD]` → `CREDIT_CARD`. */
function haiType(token: string): string {
  const name = token.slice('[REDACTED-'.length, -1);
  return HAI_TYPE_MAP[name] ?? name;
}

/** A guard run on one user message: true when it changed (redacted) or failed the message. */
async function runGuard(guard: Guard, text: string): Promise<GuardResult | undefined> {
  const [result] = await guard([{ role: 'user', content: text }]);
  return result;
}

function flagged(result: GuardResult | undefined): boolean {
  return result !== undefined && (!result.passed || result.modifiedMessage !== undefined);
}

/** Errors of the broken worker pools started on import (see the header), counted once swallowed. */
let brokenPoolErrors = 0;

/** True for the start-up failure of one of hai-guardrails' piscina workers. */
export function isBrokenPoolError(err: unknown): boolean {
  return (
    err instanceof Error &&
    ['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'].includes((err as NodeJS.ErrnoException).code ?? '') &&
    /piscina[\\/]dist[\\/]worker\.js/.test(err.message)
  );
}

/** How long the pools take to fail after import (they do not retry afterwards). */
const POOL_SETTLE_MS = 1500;

/**
 * Imports hai-guardrails the way every hai-guardrails target needs it: the broken pools' start-up errors
 * swallowed (and counted), any other uncaught error still fatal, and the pools given time to give up
 * before anything is measured. Call once per process.
 */
export async function importHaiGuardrails<T>(): Promise<{ hai: T; brokenPoolErrors: () => number }> {
  process.on('uncaughtException', (err) => {
    if (isBrokenPoolError(err)) {
      brokenPoolErrors++;
      return;
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
  const hai = await importPeer<T>('@presidio-dev/hai-guardrails');
  await new Promise((resolve) => setTimeout(resolve, POOL_SETTLE_MS));
  return { hai, brokenPoolErrors: () => brokenPoolErrors };
}

/** Builds the hai-guardrails target (redact mode, the default). */
export async function createHaiGuardrailsTarget(): Promise<BenchTarget> {
  const { hai } = await importHaiGuardrails<HaiModule>();
  const pii = hai.piiGuard({ mode: 'redact' });
  const secrets = hai.secretGuard({ mode: 'redact' });
  return {
    id: 'hai-guardrails',
    label: `@presidio-dev/hai-guardrails ${peerVersion('@presidio-dev/hai-guardrails')}`,
    checks: [
      'piiGuard (regex, redact)',
      'secretGuard (regex + entropy, redact)',
      ...(brokenPoolErrors > 0 ? [`(${brokenPoolErrors} import-time worker start failures ignored)`] : []),
    ],
    typeMap: HAI_TYPE_MAP,
    piiTypes: [...new Set(Object.values(HAI_TYPE_MAP))],
    async all(text) {
      const [a, b] = await Promise.all([runGuard(pii, text), runGuard(secrets, text)]);
      return flagged(a) || flagged(b);
    },
    async pii(text): Promise<TypedSpan[]> {
      const result = await runGuard(pii, text);
      const redacted = result?.modifiedMessage?.content;
      if (redacted === undefined) return [];
      return spansFromRedaction(text, redacted, PLACEHOLDER, haiType);
    },
    async secrets(text) {
      return flagged(await runGuard(secrets, text));
    },
    parts() {
      return { pii: (text) => runGuard(pii, text), secrets: (text) => runGuard(secrets, text) };
    },
  };
}
