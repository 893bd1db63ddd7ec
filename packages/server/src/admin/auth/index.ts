/**
 * Admin access: accounts, sessions, API tokens, the audit trail. `accessRoutes` are the routes of this
 * part; `recordAudit` is how other parts add explicit audit entries (content reveals).
 */
import type { AdminDeps } from '../context.ts';
import type { AdminRoute } from '../router.ts';
import { accountRoutes } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { sessionRoutes } from './session-routes.ts';

/** The session, account, token and audit routes. */
export function accessRoutes(deps: AdminDeps): AdminRoute[] {
  return [...sessionRoutes(deps), ...accountRoutes(deps), ...auditRoutes(deps)];
}

export { createAccount, createApiToken, expiryFrom, listedToken, listedUser } from './account-routes.ts';
export {
  type AuditActor,
  appendAudit,
  automaticAuditDetails,
  MAX_AUDIT_DETAILS_CHARS,
  recordAudit,
} from './audit.ts';
export {
  type Authentication,
  type Authenticator,
  createAuthenticator,
  type SessionLifetimes,
} from './authenticate.ts';
export { API_TOKEN_PREFIX, SESSION_COOKIE } from './credentials.ts';
export {
  dummyVerify,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  SCRYPT_PARAMS,
  verifyPassword,
} from './passwords.ts';
export * from './schemas.ts';
export { LOGIN_LIMITS, permissionsOf, sessionLifetimes } from './session-routes.ts';
