/**
 * The admin folder's public API: the admin HTTP handler, its route table, roles and permissions, the
 * access part (accounts, sessions, API tokens, audit trail) and the request and response schemas (for
 * the dashboard and OpenAPI).
 */

export * from './auth/index.ts';
export {
  ADMIN_API_PREFIX,
  ADMIN_BODY_LIMIT_BYTES,
  ADMIN_TOKEN_ACTOR,
  type AdminActor,
  type AdminActorKind,
  type AdminDeps,
} from './context.ts';
export { type AdminHandler, adminRoutes, CSRF_HEADER, createAdminHandler } from './handler.ts';
export { AdminError } from './http.ts';
export {
  ADMIN_ROLES,
  type AdminRole,
  isAdminRole,
  PERMISSION_DESCRIPTIONS,
  PERMISSIONS,
  type Permission,
  permissionMatrixMarkdown,
  ROLE_PERMISSIONS,
  type RoutePermission,
  roleAllows,
} from './permissions.ts';
export {
  type AdminExchange,
  type AdminInput,
  type AdminRoute,
  createRouteTable,
  DETACHED_EXCHANGE,
  definePublicRoute,
  defineRoute,
  type PublicInput,
  type RouteAudit,
  type RouteCall,
  type RouteMatch,
  type RouteTable,
} from './router.ts';
export * from './schemas.ts';
