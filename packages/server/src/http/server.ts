import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Deadline for a whole request, upstream included (0 = none). */
  requestTimeoutMs: number;
}

/** Starts a node:http server with keep-alive settings suited to a proxy, and resolves when it listens. */
export async function listen(
  handler: RequestListener,
  options: HttpServerOptions,
): Promise<{ server: Server; url: string }> {
  const server = createServer(
    {
      keepAlive: true,
      keepAliveTimeout: 65_000,
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: 60_000,
      // Request smuggling defence: refuse ambiguous framing.
      insecureHTTPParser: false,
      joinDuplicateHeaders: true,
    },
    handler,
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes what is left. */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await done;
  clearTimeout(timer);
}
