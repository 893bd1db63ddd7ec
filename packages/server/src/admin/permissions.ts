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
  reviewer: [
    'analytics.read',
    'events.read',
    'events.label',
    'approvals.read',
    'approvals.decide',
    'policies.read',
  ],
  analyst: ['analytics.read', 'events.read', 'events.export', 'policies.read', 'discovery.read'],
  /** Read-only, including the audit trail; never unredacted content. */
  auditor: [...READ_ONLY, 'events.export'],
});

export function roleAllows(role: AdminRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
