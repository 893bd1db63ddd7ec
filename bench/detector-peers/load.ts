// Loads a peer package by name at run time, so the benchmark type-checks and runs (reporting the peer as
// SKIPPED) when a peer is not installed.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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
    // Packages whose exports hide package.json: walk from the entry point.
    try {
      const entry = require.resolve(pkg);
      const at = entry.lastIndexOf(`/node_modules/${pkg}/`);
      const file = `${entry.slice(0, at)}/node_modules/${pkg}/package.json`;
      return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }
}
