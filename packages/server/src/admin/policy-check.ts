/**
 * Checking policy texts against this deployment, and applying a change to the live policy at once.
 * Shared by the policy and global routes.
 */
import { type PolicyCatalogue, type PolicyDocument, validatePolicy } from '@parapet/core';
import { policyCatalogue } from '../policy/catalogue.ts';
import {
  type LocatedProblem,
  locateIssues,
  PolicyFileError,
  type PolicySource,
  parsePolicyText,
} from '../policy/policy-file.ts';
import { formatIssuePath } from '../policy/runtime.ts';
import type { AdminDeps } from './context.ts';
import { AdminError } from './http.ts';
import type { PolicyIssue } from './schemas.ts';

/**
 * What a policy may name here: the families of the detectors this gateway runs, the model table,
 * upstreams and tags, and the groups of the stored virtual keys (read now, so a new key's group counts).
 */
export async function deploymentCatalogue(deps: AdminDeps): Promise<PolicyCatalogue> {
  const keys = await deps.store.listKeys();
  return policyCatalogue(
    deps.config,
    deps.detectors,
    keys.flatMap((k) => k.groups),
  );
}

/** A policy text checked: the parsed source and policy when there is no error, and every issue. */
export interface CheckedPolicy {
  source: PolicySource | null;
  /** The policy when there are no errors (warnings allowed), else null. */
  policy: PolicyDocument | null;
  issues: PolicyIssue[];
}

/**
 * Parses a policy text (YAML or JSON; a bare policy document or a parapet.yaml's `policy:` section) and
 * validates it against the catalogue. Issue paths are paths in the text as sent (a parapet.yaml's start
 * with `policy`); each issue also has the line and column it points at.
 */
export function checkPolicyText(text: string, name: string, catalogue: PolicyCatalogue): CheckedPolicy {
  let source: PolicySource;
  try {
    source = parsePolicyText(text, name);
  } catch (err) {
    if (!(err instanceof PolicyFileError)) throw err;
    return { source: null, policy: null, issues: err.problems.map(toIssue) };
  }
  const result = validatePolicy(source.raw, catalogue);
  return { source, policy: result.policy, issues: locateIssues(source, result.issues).map(toIssue) };
}

/** 422 PARAPET_POLICY_INVALID listing every issue (errors and warnings). */
export function policyInvalid(what: string, issues: readonly PolicyIssue[]): AdminError {
  const errors = issues.filter((i) => i.severity === 'error');
  const first = errors[0];
  const where =
    first === undefined || first.path.length === 0 ? '' : ` at \`${formatIssuePath(first.path)}\``;
  const head = first === undefined ? '' : `: ${first.message}${where}`;
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  return new AdminError(
    'PARAPET_POLICY_INVALID',
    `${what} does not validate against this deployment${head}${more}; see \`issues\``,
    { issues },
  );
}

/**
 * Makes this process pick the change up now (other replicas follow within `enforcement.policy_refresh_ms`).
 * A failed refresh is logged, not thrown: the change is stored and the poller applies it on its next turn.
 */
export async function refreshPolicy(deps: AdminDeps): Promise<void> {
  if (deps.policy === null) return;
  try {
    await deps.policy.refresh();
  } catch (err) {
    deps.logger.warn('policy refresh after an admin change failed; the next poll will apply it', {
      error: err,
    });
  }
}

function toIssue(p: LocatedProblem): PolicyIssue {
  return {
    path: p.path ?? [],
    message: p.message,
    severity: p.severity,
    ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
    line: p.line,
    column: p.column,
  };
}
