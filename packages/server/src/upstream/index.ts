/** The upstream transport (pooling, timeouts, retries, fallbacks, abort) and its error hierarchy. */
export * from './errors.ts';
export * from './transport.ts';
