/**
 * Admin roles and what each may do. Every admin API route names the one permission it needs; the
 * matrix below is the single source of truth, mirrored in docs/admin-access.md and tested route by route
 * for every role.
 */

export const ADMIN_ROLES = ['admin', 'policy_author', 'reviewer', 'analyst', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const PERMISSIONS = [
  /** Usage analytics: counts, time series, breakdowns (no content). */
  'analytics.read',
  /** Events: search, filter, page, detail, with redacted content only. */
  'events.read',
  /** Unredacted (decrypted) content of an event; every use is recorded in the audit trail. */
  'content.reveal',
  /** Export events as CSV or NDJSON (redacted content unless the role may reveal). */
  'events.export',
  /** Label events (false positive, confirmed, …). */
  'events.label',
  'policies.read',
  /** Validate and simulate candidate policies. */
  'policies.test',
  /** Store, activate and roll back policy versions. */
  'policies.write',
  'approvals.read',
  'approvals.decide',
  'keys.read',
  'keys.write',
  'users.read',
  'users.write',
  /** Run-time settings: the kill switch and block lists, the SIEM sink. */
  'settings.read',
  'settings.write',
  'discovery.read',
  /** Import proxy logs; mark services sanctioned or blocked. */
  'discovery.write',
  /** The admin audit trail. */
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What each permission allows, in one line (docs/admin-access.md, the dashboard's user screens). */
export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = Object.freeze({
  'analytics.read': 'usage analytics: counts, time series, breakdowns (no content)',
  'events.read': 'search, filter and open events, with redacted content only',
  'content.reveal': 'reveal the unredacted content of an event (every reveal is audited)',
  'events.export': 'export events as CSV or NDJSON (redacted unless the role may reveal)',
  'events.label': 'label events (false positive, confirmed, …)',
  'policies.read': 'policy versions and diffs',
  'policies.test': 'validate and simulate candidate policies',
  'policies.write': 'store, activate and roll back policy versions',
  'approvals.read': 'the approval queue',
  'approvals.decide': 'approve or deny held requests',
  'keys.read': 'virtual keys (never their secrets)',
  'keys.write': 'create and revoke virtual keys',
  'users.read': 'admin accounts and API tokens (never passwords or token secrets)',
  'users.write': 'create accounts, change roles, disable accounts, create and revoke API tokens',
  'settings.read': 'run-time settings: kill switch, block lists, SIEM sink',
  'settings.write': 'change run-time settings: turn the kill switch on or off, block lists, SIEM sink',
  'discovery.read': 'shadow-AI discovery results',
  'discovery.write': 'import proxy logs; mark services sanctioned or blocked',
  'audit.read': 'the admin audit trail',
});

const READ_ONLY: readonly Permission[] = [
  'analytics.read',
  'events.read',
  'policies.read',
  'approvals.read',
  'keys.read',
  'users.read',
  'settings.read',
  'discovery.read',
  'audit.read',
];

/** Role → permissions. */
export const ROLE_PERMISSIONS: Readonly<Record<AdminRole, readonly Permission[]>> = Object.freeze({
  admin: PERMISSIONS,
  policy_author: [
    'analytics.read',
    'events.read',
    'policies.read',
    'policies.test',
    'policies.write',
    'approvals.read',
    'settings.read',
    'discovery.read',
    'discovery.write',
  ],
  /**
   * Decides held requests and labels findings; may reveal content, because judging whether a finding
   * was right needs the text (every reveal is audited).
   */
  reviewer: [
    'analytics.read',
    'events.read',
    'content.reveal',
    'events.label',
    'approvals.read',
    'approvals.decide',
    'policies.read',
  ],
  /** Usage and findings, redacted content only. */
  analyst: ['analytics.read', 'events.read', 'events.export', 'policies.read', 'discovery.read'],
  /** Read-only, including the audit trail; never unredacted content. */
  auditor: [...READ_ONLY, 'events.export'],
});

/** True when `role` is one of ADMIN_ROLES (a stored role from another version may not be). */
export function isAdminRole(role: string): role is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(role);
}

export function roleAllows(role: AdminRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/**
 * What a route asks of its caller: a permission of the caller's role, `authenticated` (any signed-in
 * actor, whatever the role: the caller's own session) or `public` (no credentials: signing in).
 */
export type RoutePermission = Permission | 'authenticated' | 'public';

/**
 * The permission matrix as a Markdown table (one row per permission, one column per role), exactly as
 * docs/admin-access.md shows it between its `permission-matrix` markers; a test keeps the two equal.
 */
export function permissionMatrixMarkdown(): string {
  const header = `| permission | ${ADMIN_ROLES.map((r) => `\`${r}\``).join(' | ')} | allows |`;
  const rule = `| --- | ${ADMIN_ROLES.map(() => ':---:').join(' | ')} | --- |`;
  const rows = PERMISSIONS.map(
    (p) =>
      `| \`${p}\` | ${ADMIN_ROLES.map((r) => (roleAllows(r, p) ? 'yes' : '-')).join(' | ')} | ${PERMISSION_DESCRIPTIONS[p]} |`,
  );
  return `${[header, rule, ...rows].join('\n')}\n`;
}
