import type { z } from 'zod';
import { INPUT_ONLY_ACTIONS, isTimeZone, parseClock, tryParseDuration } from './evaluate.ts';
import { type Condition, PolicyDocument } from './schema.ts';

/** What the deployment knows, so that names in a policy can be checked instead of silently never matching. */
export interface PolicyCatalogue {
  /** Detector families that are configured, each with its finding types (null: any type, e.g. custom dictionaries). */
  families: Readonly<Record<string, readonly string[] | null>>;
  /** Model table names and aliases. */
  models: readonly string[];
  /** Upstream names. */
  providers: readonly string[];
  /** Tags used in the model table. */
  tags: readonly string[];
  /** Groups known outside the policy (for example the groups of virtual keys). */
  groups: readonly string[];
}

export interface PolicyIssue {
  /** Path inside the policy document, e.g. ['rules', 2, 'when', 'groups', 0]. */
  path: (string | number)[];
  message: string;
  suggestion?: string;
  severity: 'error' | 'warning';
}

export interface PolicyValidation {
  /** The parsed policy when there are no errors (warnings allowed), else null. */
  policy: PolicyDocument | null;
  issues: PolicyIssue[];
}

/**
 * Parses and checks a policy document (what the YAML parses to). Every problem is reported at once, with
 * its path and, where one is close, a suggestion. Unknown families, types, groups, models, providers and
 * tags are errors: a rule that can never match is a hole in the policy, not a no-op.
 */
export function validatePolicy(raw: unknown, catalogue: PolicyCatalogue): PolicyValidation {
  // reportInput: the offending value is needed to tell a missing key from a wrong type, and to suggest the
  // closest allowed value; it never goes into a message.
  const parsed = PolicyDocument.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) {
    return { policy: null, issues: parsed.error.issues.map(convertIssue) };
  }
  const policy = parsed.data;
  const issues: PolicyIssue[] = [];
  const error = (
    path: (string | number)[],
    message: string,
    options: readonly string[] = [],
    value?: string,
  ) => {
    const suggestion = value === undefined ? null : closest(value, options);
    issues.push({
      path,
      message: suggestion === null ? message : `${message}; did you mean \`${suggestion}\`?`,
      ...(suggestion === null ? {} : { suggestion }),
      severity: 'error',
    });
  };
  const warn = (path: (string | number)[], message: string) =>
    issues.push({ path, message, severity: 'warning' });

  const families = Object.keys(catalogue.families);
  const groups = [...new Set([...(policy.groups ?? []), ...catalogue.groups])];
  const checkNames = (
    path: (string | number)[],
    names: readonly string[] | undefined,
    known: readonly string[],
    what: string,
    hint: string,
  ) => {
    names?.forEach((n, i) => {
      if (n.includes('*')) return;
      if (!known.includes(n)) error([...path, i], `unknown ${what} \`${n}\`${hint}`, known, n);
    });
  };

  /**
   * Groups come from the identity provider, so the policy can only know them when it declares them: with
   * `policy.groups`, an undeclared group is an error; without it, a group no virtual key has is a warning.
   */
  const checkGroups = (path: (string | number)[], names: readonly string[] | undefined): void => {
    const declared = policy.groups !== undefined;
    for (const [i, n] of (names ?? []).entries()) {
      if (n.includes('*') || groups.includes(n)) continue;
      if (declared) error([...path, i], `unknown group \`${n}\` (not in \`policy.groups\`)`, groups, n);
      else
        warn([...path, i], `group \`${n}\` is not declared in \`policy.groups\` and no virtual key has it`);
    }
  };

  const checkCondition = (when: Condition, path: (string | number)[]) => {
    checkGroups([...path, 'groups'], when.groups);
    if (when.destination !== undefined) {
      const d = [...path, 'destination'];
      checkNames([...d, 'models'], when.destination.models, catalogue.models, 'model', '');
      checkNames([...d, 'providers'], when.destination.providers, catalogue.providers, 'provider', '');
      checkNames(
        [...d, 'tags'],
        when.destination.tags,
        catalogue.tags,
        'model tag',
        ' (no model in the model table has it)',
      );
    }
    for (const [family, cond] of Object.entries(when.detections ?? {})) {
      const fpath = [...path, 'detections', family];
      const types = catalogue.families[family];
      if (types === undefined) {
        error(
          fpath,
          `unknown or disabled detector family \`${family}\` (enabled: ${families.join(', ') || 'none'})`,
          families,
          family,
        );
        continue;
      }
      if (types === null) continue;
      for (const key of ['types', 'categories', 'labels'] as const) {
        cond[key]?.forEach((t, i) => {
          if (!types.includes(t)) error([...fpath, key, i], `\`${t}\` is not a ${family} type`, types, t);
        });
      }
    }
    if (when.time !== undefined) {
      const t = [...path, 'time'];
      if (when.time.timezone !== undefined && !isTimeZone(when.time.timezone)) {
        error(
          [...t, 'timezone'],
          `unknown time zone \`${when.time.timezone}\` (use an IANA name such as Europe/Berlin)`,
        );
      }
      when.time.between?.forEach((clock, i) => {
        if (parseClock(clock) === null)
          error([...t, 'between', i], `\`${clock}\` is not a time; write HH:MM (24-hour)`);
      });
    }
    if (when.not !== undefined) checkCondition(when.not, [...path, 'not']);
    for (const [i, c] of (when.any ?? []).entries()) checkCondition(c, [...path, 'any', i]);
    for (const [i, c] of (when.all ?? []).entries()) checkCondition(c, [...path, 'all', i]);
  };

  const seen = new Map<string, number>();
  policy.rules.forEach((rule, index) => {
    const path: (string | number)[] = ['rules', index];
    const first = seen.get(rule.id);
    if (first !== undefined)
      error([...path, 'id'], `duplicate rule id \`${rule.id}\` (also rules[${first}])`);
    else seen.set(rule.id, index);
    checkCondition(rule.when, [...path, 'when']);
    const dir = rule.when.direction;
    const directions = dir === undefined ? [] : Array.isArray(dir) ? dir : [dir];
    if (INPUT_ONLY_ACTIONS.has(rule.action) && directions.length > 0 && !directions.includes('input')) {
      error(
        [...path, 'action'],
        `\`${rule.action}\` can only act on input (before the request is forwarded); set \`when.direction: input\``,
      );
    }
    if (rule.action === 'route') {
      if (rule.route_to === undefined)
        error([...path, 'route_to'], 'a `route` rule needs `route_to: <model alias>`');
      else if (!catalogue.models.includes(rule.route_to)) {
        error([...path, 'route_to'], `unknown model \`${rule.route_to}\``, catalogue.models, rule.route_to);
      }
    } else if (rule.route_to !== undefined) {
      error([...path, 'route_to'], '`route_to` only applies to `action: route`');
    }
    if (rule.action === 'redact' && !hasDetections(rule.when)) {
      error(
        [...path, 'when'],
        'a `redact` rule needs a `detections` condition: it redacts the findings it matched',
      );
    }
    if (rule.redact !== undefined && rule.action !== 'redact')
      error([...path, 'redact'], '`redact` settings only apply to `action: redact`');
    if (rule.hold !== undefined && rule.action !== 'hold')
      error([...path, 'hold'], '`hold` settings only apply to `action: hold`');
    if (rule.warn !== undefined && rule.action !== 'warn')
      error([...path, 'warn'], '`warn` settings only apply to `action: warn`');
    if (rule.block !== undefined && rule.action !== 'block')
      error([...path, 'block'], '`block` settings only apply to `action: block`');
    if (rule.tags !== undefined && rule.action !== 'monitor')
      warn([...path, 'tags'], '`tags` are only recorded by `monitor` rules');
    if (rule.hold !== undefined && tryParseDuration(rule.hold.timeout) === null) {
      error([...path, 'hold', 'timeout'], `\`${rule.hold.timeout}\` is not a duration (use 30s, 10m, 2h)`);
    }
    if (rule.warn !== undefined && tryParseDuration(rule.warn.ack_ttl) === null) {
      error([...path, 'warn', 'ack_ttl'], `\`${rule.warn.ack_ttl}\` is not a duration (use 30s, 10m, 2h)`);
    }
    if (rule.action === 'warn' && rule.message === undefined) {
      warn([...path, 'message'], 'a `warn` rule without a `message` shows a generic coaching text');
    }
    if (
      rule.action === 'redact' &&
      rule.redact?.mode === 'tokenize' &&
      directions.length === 1 &&
      directions[0] === 'output'
    ) {
      warn(
        [...path, 'redact', 'mode'],
        'on output `tokenize` masks: the caller must not receive placeholders',
      );
    }
  });
  const g = policy.global;
  checkNames(['global', 'blocked_models'], g.blocked_models, catalogue.models, 'model', '');
  checkNames(['global', 'blocked_providers'], g.blocked_providers, catalogue.providers, 'provider', '');
  checkGroups(['global', 'blocked_groups'], g.blocked_groups);
  for (const family of Object.keys(policy.on_error.families)) {
    if (catalogue.families[family] === undefined) {
      error(
        ['on_error', 'families', family],
        `unknown or disabled detector family \`${family}\``,
        families,
        family,
      );
    }
  }
  const failed = issues.some((i) => i.severity === 'error');
  return { policy: failed ? null : policy, issues };
}

function hasDetections(when: Condition): boolean {
  if (when.detections !== undefined && Object.keys(when.detections).length > 0) return true;
  return (when.any ?? []).some(hasDetections) || (when.all ?? []).some(hasDetections);
}

const RULE_KEYS = [
  'id',
  'description',
  'enabled',
  'when',
  'action',
  'message',
  'route_to',
  'tags',
  'on_error',
  'redact',
  'block',
  'hold',
  'warn',
];
const WHEN_KEYS = [
  'direction',
  'users',
  'groups',
  'apps',
  'keys',
  'destination',
  'detections',
  'languages',
  'has_tools',
  'stream',
  'time',
  'not',
  'any',
  'all',
];
const TOP_KEYS = ['default', 'on_error', 'global', 'groups', 'rules'];
const GLOBAL_KEYS = [
  'block_all',
  'message',
  'blocked_apps',
  'blocked_models',
  'blocked_users',
  'blocked_groups',
  'blocked_keys',
  'blocked_providers',
];
const DETECTION_KEYS = ['types', 'categories', 'labels', 'min_score', 'min_count', 'sources'];

function knownKeys(path: readonly PropertyKey[]): string[] {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 0) return TOP_KEYS;
  if (last === 'global') return GLOBAL_KEYS;
  if (typeof last === 'number' && path[0] === 'rules' && path.length === 2) return RULE_KEYS;
  if (last === 'when' || last === 'not' || parent === 'any' || parent === 'all') return WHEN_KEYS;
  if (parent === 'detections') return DETECTION_KEYS;
  return [];
}

function convertIssue(issue: z.core.$ZodIssue): PolicyIssue {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const suggestion = closest(key, knownKeys(issue.path));
      return {
        path: [...path, key],
        message: `unknown key \`${issue.keys.join('`, `')}\`${suggestion === null ? '' : `; did you mean \`${suggestion}\`?`}`,
        ...(suggestion === null ? {} : { suggestion }),
        severity: 'error',
      };
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const input = (issue as { input?: unknown }).input;
      const suggestion = typeof input === 'string' ? closest(input, values) : null;
      if (input === undefined) {
        return {
          path,
          message: `is required (one of ${values.map((v) => `\`${v}\``).join(', ')})`,
          severity: 'error',
        };
      }
      return {
        path,
        message: `must be one of ${values.map((v) => `\`${v}\``).join(', ')}${suggestion === null ? '' : `; did you mean \`${suggestion}\`?`}`,
        ...(suggestion === null ? {} : { suggestion }),
        severity: 'error',
      };
    }
    case 'invalid_union': {
      // `direction: inptu`: report the branch that names the allowed values (with its suggestion), the one
      // that got deepest into the value (`[output, outptu]` fails at index 1 of the list form).
      let branch: z.core.$ZodIssue | undefined;
      for (const i of issue.errors.flat()) {
        if (i.code === 'invalid_value' && (branch === undefined || i.path.length > branch.path.length))
          branch = i;
      }
      if (branch !== undefined) return convertIssue({ ...branch, path: [...issue.path, ...branch.path] });
      return { path, message: 'invalid value', severity: 'error' };
    }
    case 'invalid_type':
      return {
        path,
        message:
          (issue as { input?: unknown }).input === undefined
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}`,
        severity: 'error',
      };
    default:
      return {
        path,
        message:
          issue.message.length > 0 ? issue.message[0]!.toLowerCase() + issue.message.slice(1) : 'invalid',
        severity: 'error',
      };
  }
}

/** The closest option within an edit distance of a third of the word (at least 2), or null. */
export function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  const lower = word.toLowerCase();
  for (const option of options) {
    if (option.toLowerCase() === lower) return option;
    if (Math.abs(option.length - word.length) >= bestDistance) continue;
    const d = editDistance(lower, option.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = option;
    }
  }
  return best;
}

function editDistance(a: string, b: string, limit: number): number {
  if (a.length > 64 || b.length > 64) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
