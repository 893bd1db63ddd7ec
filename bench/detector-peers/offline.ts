// Holds a benchmark process to "offline": any attempt to open a network connection (TCP or IPC socket,
// `fetch` included, which connects through node:net) is recorded and fails, so a peer that tries to
// fetch something at run time is reported as such instead of quietly measuring a network round trip.

import net from 'node:net';

/** Where a blocked connection was headed, as `host:port` or the socket path. */
function describe(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number; path?: string };
    return o.path ?? `${o.host ?? 'localhost'}:${o.port ?? '?'}`;
  }
  if (typeof first === 'number') return `${typeof second === 'string' ? second : 'localhost'}:${first}`;
  return String(first);
}

let attempts: string[] | null = null;

/**
 * Blocks every outgoing connection of this process from now on and returns the list the attempts are
 * recorded in (the same list on every call).
 */
export function blockNetwork(): readonly string[] {
  if (attempts !== null) return attempts;
  const list: string[] = [];
  attempts = list;
  net.Socket.prototype.connect = function blockedConnect(this: net.Socket, ...args: unknown[]) {
    list.push(describe(Array.isArray(args[0]) ? (args[0] as unknown[]) : args));
    process.nextTick(() => this.destroy(new Error('network access is blocked in the detector benchmark')));
    return this;
  } as typeof net.Socket.prototype.connect;
  return list;
}
