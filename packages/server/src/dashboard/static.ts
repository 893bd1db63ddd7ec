/**
 * Serves the built dashboard (packages/dashboard/dist) at `/`: `GET /` is its index.html and
 * `/assets/NAME` its hashed scripts and styles. Nothing else is served from disk: a name must be one
 * plain file name of the assets directory, read once into memory at start, so no request can reach a
 * path outside it.
 *
 * Every answer carries a strict Content-Security-Policy (scripts and styles from this origin only, no
 * inline script, no framing): even if some content slipped past React's escaping, the browser would
 * not run it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Inline style attributes are allowed for the chart library's layout (never for script). */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export interface DashboardFiles {
  /** Where the files came from. */
  dir: string;
  /** Answers `GET|HEAD /` and `/assets/…`; false when the path is not the dashboard's. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

/** The built dashboard's directory: `dir` when set, else packages/dashboard/dist found from this file. */
export function findDashboardDir(dir: string | null): string | null {
  if (dir !== null) return existsSync(join(dir, 'index.html')) ? resolve(dir) : null;
  // From src/dashboard/static.ts (tsx) or dist/parapet.mjs (bundled), the dashboard package is a sibling.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../dashboard/dist', '../../dashboard/dist']) {
    const candidate = resolve(here, up);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

/**
 * Loads the dashboard's files into memory. With no built dashboard, `/` answers 503 with the command
 * that builds it (the admin API works regardless).
 */
export function loadDashboard(dir: string | null): DashboardFiles {
  const found = findDashboardDir(dir);
  if (found === null) return missingDashboard(dir);
  const index = readFileSync(join(found, 'index.html'));
  const assets = new Map<string, Buffer>();
  const assetDir = join(found, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const full = join(assetDir, name);
      if (ASSET_NAME.test(name) && statSync(full).isFile()) assets.set(name, readFileSync(full));
    }
  }
  return {
    dir: found,
    handle(req, res, path) {
      if (path === '/' || path === '/index.html') {
        send(req, res, 200, 'text/html; charset=utf-8', index, 'no-cache');
        return true;
      }
      if (!path.startsWith('/assets/')) return false;
      const name = path.slice('/assets/'.length);
      const body = ASSET_NAME.test(name) ? assets.get(name) : undefined;
      if (body === undefined) {
        send(req, res, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'), 'no-store');
        return true;
      }
      // File names carry a content hash, so they can be cached for good.
      send(req, res, 200, typeOf(name), body, 'public, max-age=31536000, immutable');
      return true;
    },
  };
}

function missingDashboard(dir: string | null): DashboardFiles {
  const hint =
    dir === null
      ? 'the dashboard is not built: run `npm run build:dashboard` (npm install does it), then restart'
      : `no index.html in dashboard.dir \`${dir}\``;
  return {
    dir: dir ?? '',
    handle(req, res, path) {
      if (path !== '/' && path !== '/index.html' && !path.startsWith('/assets/')) return false;
      const body = Buffer.from(
        JSON.stringify({ error: { code: 'PARAPET_DASHBOARD_NOT_BUILT', message: hint } }),
      );
      res.setHeader('x-parapet-error-code', 'PARAPET_DASHBOARD_NOT_BUILT');
      send(req, res, 503, 'application/json', body, 'no-store');
      return true;
    },
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer,
  cache: string,
): void {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, {
      allow: 'GET, HEAD',
      'content-type': 'text/plain; charset=utf-8',
      ...SECURITY_HEADERS,
    });
    res.end('method not allowed\n');
    return;
  }
  res.writeHead(status, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': cache,
    ...SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function typeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return TYPES[dot < 0 ? '' : name.slice(dot)] ?? 'application/octet-stream';
}
