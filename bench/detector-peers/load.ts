// Loads a peer package by name at run time, so the benchmark type-checks and runs (reporting the peer as
// SKIPPED) when a peer is not installed.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Imports `specifier` (a peer package or one of its files); the caller states the shape it relies on. */
export async function importPeer<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T;
}

/** The installed version of `pkg`, read from its package.json (`unknown` when it cannot be read). */
export function peerVersion(pkg: string): string {
  try {
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // Packages whose exports hide package.json (or offer no `require` entry at all): look for it in the
    // node_modules folders Node would search.
    for (const dir of require.resolve.paths(pkg) ?? []) {
      const file = join(dir, pkg, 'package.json');
      if (!existsSync(file)) continue;
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
      } catch {
        return 'unknown';
      }
    }
    return 'unknown';
  }
}
