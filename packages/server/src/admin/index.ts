/**
 * The admin folder's public API: the admin HTTP handler, its route table and the request and response
 * schemas (for the dashboard and, later, OpenAPI).
 */
export {
  ADMIN_API_PREFIX,
  ADMIN_BODY_LIMIT_BYTES,
  ADMIN_TOKEN_ACTOR,
  type AdminActor,
  type AdminDeps,
} from './context.ts';
export { type AdminHandler, adminRoutes, createAdminHandler } from './handler.ts';
export { AdminError } from './http.ts';
export {
  type AdminRoute,
  createRouteTable,
  defineRoute,
  type RouteMatch,
  type RouteTable,
} from './router.ts';
export * from './schemas.ts';
