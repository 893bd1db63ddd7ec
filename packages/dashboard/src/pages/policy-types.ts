/**
 * The policy routes' answers (packages/server/src/admin/schemas.ts), and small pure helpers to show them.
 */

/** One problem with a policy: its path in the document, and where the text has one, line and column. */
export interface PolicyIssue {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
  suggestion?: string;
  line?: number;
  column?: number;
}

export interface PolicySummary {
  version: number;
  author: string;
  comment: string | null;
  createdAt: string;
  /** Last time this version was made active; null when never. */
  activatedAt: string | null;
  active: boolean;
}

export interface PolicyList {
  versions: PolicySummary[];
}

export interface PolicyDetail extends PolicySummary {
  document: string;
}

export interface StoredPolicy extends PolicyDetail {
  warnings: PolicyIssue[];
}

export interface ActivatedPolicy extends PolicyDetail {
  previousVersion: number | null;
}

export interface PolicyValidation {
  valid: boolean;
  issues: PolicyIssue[];
}

export interface PolicyDiff {
  from: number;
  to: number;
  /** Unified diff from `from` to `to`; empty when their lines are equal. */
  diff: string;
}

export interface ChangeGroup {
  count: number;
  examples: string[];
}

export interface SimulationResult {
  window: { since: string; until: string | null };
  truncated: boolean;
  eventsScanned: number;
  decisionsCompared: number;
  decisionsChanged: number;
  eventsChanged: number;
  byDirection: {
    input: { compared: number; changed: number };
    output: { compared: number; changed: number };
  };
  byTransition: (ChangeGroup & { from: string; to: string })[];
  byRule: (ChangeGroup & { ruleId: string | null })[];
  rescan: { rescanned: number; notRescannable: number; unreadable: number } | null;
}

/** `rules[2].when.detections.pii` from an issue path (empty for the whole document). */
export function formatIssuePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** `12:5` (or `12` without a column, '' without a line). */
export function issuePosition(issue: PolicyIssue): string {
  if (issue.line === undefined) return '';
  return issue.column === undefined ? String(issue.line) : `${issue.line}:${issue.column}`;
}

/**
 * The issue's message with its suggestion: the server usually words it already ("…; did you mean
 * `allow`?"); when it does not, ` (did you mean `allow`?)` is added.
 */
export function issueMessage(issue: PolicyIssue): string {
  if (issue.suggestion === undefined || /did you mean/i.test(issue.message)) return issue.message;
  return `${issue.message} (did you mean \`${issue.suggestion}\`?)`;
}

/** `LINE:COL message (did you mean …)`, as the problems list shows it. */
export function formatIssue(issue: PolicyIssue): string {
  const at = issuePosition(issue);
  return at === '' ? issueMessage(issue) : `${at} ${issueMessage(issue)}`;
}

/** By line and column (issues without a line first); on one spot, errors before warnings. */
export function sortIssues(issues: readonly PolicyIssue[]): PolicyIssue[] {
  const rank = (i: PolicyIssue) => (i.severity === 'error' ? 0 : 1);
  return [...issues].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || rank(a) - rank(b),
  );
}

/** Line → the worst severity of the issues on it. */
export function issueLines(issues: readonly PolicyIssue[]): Map<number, 'error' | 'warning'> {
  const lines = new Map<number, 'error' | 'warning'>();
  for (const issue of issues) {
    if (issue.line === undefined) continue;
    if (lines.get(issue.line) !== 'error') lines.set(issue.line, issue.severity);
  }
  return lines;
}

/** The issues of a PARAPET_POLICY_INVALID error answer (ApiError details), when it has them. */
export function issuesOf(details: unknown): PolicyIssue[] | null {
  if (typeof details !== 'object' || details === null) return null;
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return null;
  return issues.filter(
    (i): i is PolicyIssue =>
      typeof i === 'object' &&
      i !== null &&
      typeof (i as PolicyIssue).message === 'string' &&
      ((i as PolicyIssue).severity === 'error' || (i as PolicyIssue).severity === 'warning'),
  );
}
