/**
 * The catalog of AI services that shadow-AI discovery matches proxy logs against: data shipped in
 * ai-services.json, validated once when first read. Every risk attribute is either `"unknown"` or a value
 * with the source it was read from (a URL or a document name); the catalog never guesses.
 */
import { z } from 'zod';
import catalogData from './ai-services.json' with { type: 'json' };

/** What a service is mainly for. */
export const SERVICE_CATEGORIES = [
  'chat',
  'coding',
  'image',
  'video',
  'audio',
  'meeting',
  'writing',
  'translation',
  'research',
  'search',
  'presentation',
  'design',
  'agent',
  'api',
  'llmops',
  'productivity',
  'companion',
  'data',
  'legal',
  'health',
  'support',
] as const;
export type ServiceCategory = (typeof SERVICE_CATEGORIES)[number];

/** The four risk attributes every service carries. */
export const RISK_ATTRIBUTES = [
  'trains_on_user_data_by_default',
  'enterprise_plan',
  'data_residency',
  'certifications',
] as const;
export type RiskAttributeName = (typeof RISK_ATTRIBUTES)[number];

/**
 * Why a source is acceptable: an `https://` URL, or the name of a document (at least a few words), never
 * a placeholder.
 */
export function sourceProblem(source: string): string | null {
  const text = source.trim();
  if (text.length === 0) return 'is empty';
  if (text.startsWith('http://')) return 'must use https:// (or name a document)';
  if (text.startsWith('https://')) {
    try {
      const url = new URL(text);
      return url.hostname.includes('.') ? null : 'is not a full URL';
    } catch {
      return 'is not a valid URL';
    }
  }
  const lower = text.toLowerCase();
  if (['unknown', 'n/a', 'none', 'guess', 'tbd', 'todo'].includes(lower))
    return `\`${text}\` is not a source`;
  if (text.length < 12 || !text.includes(' ')) return 'must be an https:// URL or the name of a document';
  return null;
}

const Source = z
  .string()
  .superRefine((value, ctx) => {
    const problem = sourceProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `source ${problem}` });
  })
  .describe('Where the value was read: an https:// URL or the name of a document.');

const Note = z.string().min(1).max(500).optional().describe('Scope of the value (plans, tiers, opt-outs).');

/** A risk attribute: `"unknown"`, or a value with its source. */
function sourced<T extends z.ZodType>(value: T) {
  return z.union([z.literal('unknown'), z.strictObject({ value, source: Source, note: Note })]);
}

export const ServiceRisk = z.strictObject({
  trains_on_user_data_by_default: sourced(z.boolean()).describe(
    'Whether what users send is used to train the vendor’s models unless someone opts out.',
  ),
  enterprise_plan: sourced(z.boolean()).describe('Whether an enterprise (business) plan is offered.'),
  data_residency: sourced(z.array(z.string().min(1)).min(1)).describe(
    'Regions where the vendor offers to keep customer data.',
  ),
  certifications: sourced(z.array(z.string().min(1)).min(1)).describe(
    'Security certifications or audits (SOC 2, ISO/IEC 27001, …).',
  ),
});
export type ServiceRisk = z.infer<typeof ServiceRisk>;

const ServiceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  message: 'must be kebab-case: a-z, 0-9 and `-`, at most 63 characters',
});

const DomainPattern = z.string().superRefine((value, ctx) => {
  const problem = domainPatternProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

export const AiService = z.strictObject({
  id: ServiceId,
  name: z.string().min(1).max(120),
  vendor: z.string().min(1).max(120),
  category: z.enum(SERVICE_CATEGORIES),
  /** `host.example.com` (that host only) or `*.example.com` (every host under example.com, not itself). */
  domains: z.array(DomainPattern).min(1),
  risk: ServiceRisk,
});
export type AiService = z.infer<typeof AiService>;

export const AiServiceCatalog = z
  .strictObject({
    $comment: z.string().optional(),
    version: z.literal(1),
    /** When the catalog was last reviewed (YYYY-MM-DD). */
    updated: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date, YYYY-MM-DD' }),
    services: z.array(AiService).min(1),
  })
  .superRefine((catalog, ctx) => {
    const ids = new Map<string, number>();
    const patterns = new Map<string, string>();
    catalog.services.forEach((service, index) => {
      const seen = ids.get(service.id);
      if (seen !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', index, 'id'],
          message: `duplicate service id \`${service.id}\` (also at services[${seen}])`,
        });
      } else ids.set(service.id, index);
      service.domains.forEach((pattern, d) => {
        const owner = patterns.get(pattern);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', index, 'domains', d],
            message: `domain pattern \`${pattern}\` is already listed by \`${owner}\``,
          });
        } else patterns.set(pattern, service.id);
      });
    });
  });
export type AiServiceCatalog = z.infer<typeof AiServiceCatalog>;

/**
 * Why `pattern` is not a well-formed domain pattern, or null: lower-case labels of `a-z`, `0-9` and `-`
 * (not at either end of a label), at least two labels, at most 253 characters, optionally preceded by
 * `*.`; no other wildcard.
 */
export function domainPatternProblem(pattern: string): string | null {
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (name.length === 0 || name.length > 253) return `\`${pattern}\` must have 1 to 253 characters`;
  const labels = name.split('.');
  if (labels.length < 2) return `\`${pattern}\` must have at least two labels (\`example.com\`)`;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) return `\`${pattern}\` has an empty or over-long label`;
    if (label.startsWith('-') || label.endsWith('-')) {
      return `\`${pattern}\`: a label may not start or end with \`-\``;
    }
    for (const char of label) {
      const ok = (char >= 'a' && char <= 'z') || (char >= '0' && char <= '9') || char === '-';
      if (!ok)
        return `\`${pattern}\` may only hold lower-case letters, digits, \`-\`, \`.\` and a leading \`*.\``;
    }
  }
  return null;
}

/** The problems of a catalog document, each with its path; empty when it is valid. */
export function catalogProblems(raw: unknown): { path: string; message: string }[] {
  const parsed = AiServiceCatalog.safeParse(raw);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join(''),
    message: issue.message,
  }));
}

/** Validates a catalog document; throws one error naming the first problems. */
export function parseServiceCatalog(raw: unknown, name = 'the AI service catalog'): AiServiceCatalog {
  const problems = catalogProblems(raw);
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 5)
      .map((p) => `${p.path || '(root)'}: ${p.message}`)
      .join('; ');
    throw new Error(
      `${name} is invalid: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    );
  }
  return AiServiceCatalog.parse(raw);
}

/** The shipped catalog with a lookup by id. */
export interface ServiceCatalog {
  readonly updated: string;
  readonly services: readonly AiService[];
  get(id: string): AiService | undefined;
}

/** A catalog over already-validated services. */
export function createServiceCatalog(catalog: AiServiceCatalog): ServiceCatalog {
  const byId = new Map(catalog.services.map((s) => [s.id, s]));
  return Object.freeze({
    updated: catalog.updated,
    services: Object.freeze([...catalog.services]),
    get: (id: string) => byId.get(id),
  });
}

let shipped: ServiceCatalog | null = null;

/** The catalog shipped with Parapet (ai-services.json), validated on first use. */
export function shippedServiceCatalog(): ServiceCatalog {
  shipped ??= createServiceCatalog(parseServiceCatalog(catalogData, 'ai-services.json'));
  return shipped;
}

/** The raw shipped catalog document (for its validation test). */
export function shippedCatalogDocument(): unknown {
  return catalogData;
}
