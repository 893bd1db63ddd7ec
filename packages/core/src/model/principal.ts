import { z } from 'zod';

/** Who is calling: resolved once per request by authentication, then read-only. */
export const Principal = z.object({
  /** Id of the virtual key used, or null when identity came from trusted headers. */
  keyId: z.string().nullable(),
  user: z.string().nullable(),
  groups: z.array(z.string()),
  app: z.string().nullable(),
  /** Models this principal may use; null means every model. */
  models: z.array(z.string()).nullable(),
  /** How the identity was established. */
  via: z.enum(['key', 'trusted-header', 'anonymous']),
});
export type Principal = z.infer<typeof Principal>;
