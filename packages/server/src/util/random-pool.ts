import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 8192;

/**
 * Cryptographically secure random bytes, served from a pool refilled with `randomFillSync` 8 KiB at a
 * time: one system call per few hundred requests instead of several per request. The bytes are the same
 * CSPRNG output `randomBytes` gives; each byte is handed out once.
 */
export function createRandomPool(size = POOL_BYTES): (n: number) => Buffer {
  const pool = Buffer.allocUnsafe(size);
  let offset = size;
  return (n) => {
    if (n > size) return randomFillSync(Buffer.allocUnsafe(n));
    if (offset + n > size) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + n));
    pool.fill(0, offset, offset + n);
    offset += n;
    return out;
  };
}

/** The process-wide pool. */
export const pooledRandomBytes: (n: number) => Buffer = createRandomPool();
