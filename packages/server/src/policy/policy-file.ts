/**
 * Reading a policy from a file or a stored text: either a whole parapet.yaml (its `policy:` section) or a
 * bare policy document (`rules`, `default`, `global` … at the top). YAML and JSON are both accepted.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { PolicyIssue } from '@parapet/core';
import { Document, isMap, isScalar, stringify } from 'yaml';
import { ConfigSchema } from '../config/index.ts';
import {
  offsetPosition,
  parseYamlSource,
  type SourcePosition,
  type YamlSource,
  yamlPosition,
} from './yaml-positions.ts';

/** Largest policy (or config) file read. */
export const MAX_POLICY_FILE_BYTES = 5 * 1024 * 1024;

/** Top-level keys of a bare policy document. */
const POLICY_KEYS = ['default', 'on_error', 'global', 'groups', 'rules'];

/** A policy as read from a text. */
export interface PolicySource {
  /** `config`: a parapet.yaml with a `policy:` section; `policy`: a bare policy document. */
  kind: 'config' | 'policy';
  /** What the policy parses to (the `policy:` value, or the whole document). */
  raw: unknown;
  /** The parsed text, for positions. */
  yaml: YamlSource;
  /** Where the policy sits in the text: `[]` or `['policy']`. Prefix validation paths with it. */
  prefix: (string | number)[];
  /**
   * The policy alone as text: the text verbatim for a bare document; for a config file, the `policy:`
   * section on its own (comments kept where the YAML library can), never the rest of the file (which
   * may hold upstream credentials).
   */
  policyText: string;
}

/** A problem with a position, ready to print as `FILE:LINE:COLUMN: severity: message`. */
export interface LocatedProblem extends SourcePosition {
  severity: 'error' | 'warning';
  message: string;
  /** Path in the file (with the `policy` prefix for a config file), when the problem has one. */
  path?: (string | number)[];
  suggestion?: string;
}

/** A policy text that cannot be read: unreadable file, YAML syntax errors, no policy in it. */
export class PolicyFileError extends Error {
  readonly file: string;
  readonly problems: LocatedProblem[];
  constructor(file: string, problems: LocatedProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'PolicyFileError';
    this.file = file;
    this.problems = problems;
  }
}

/** `FILE:LINE:COLUMN: error: message` — one line, as compilers print. */
export function formatProblem(file: string, problem: LocatedProblem): string {
  return `${file}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}`;
}

/**
 * Reads a policy file (relative paths resolve against `cwd`). Throws PolicyFileError with line and column
 * when the file cannot be read, has YAML syntax errors, or holds no policy.
 */
export function readPolicyFile(file: string, cwd: string): PolicySource {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let text: string;
  try {
    const buffer = readFileSync(path);
    if (buffer.length > MAX_POLICY_FILE_BYTES) {
      throw new PolicyFileError(file, [
        problemAt(1, 1, `the file is over ${MAX_POLICY_FILE_BYTES} bytes; is it really a policy?`),
      ]);
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'error');
    throw new PolicyFileError(file, [problemAt(1, 1, `cannot read the file (${why})`)]);
  }
  return parsePolicyText(text, file);
}

/**
 * Parses a policy text (a parapet.yaml or a bare policy document, YAML or JSON). `name` is used in
 * messages. Throws PolicyFileError on YAML syntax errors and when the text holds no policy.
 */
export function parsePolicyText(text: string, name: string): PolicySource {
  const yaml = parseYamlText(text, name);
  const { document } = yaml;
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    throw new PolicyFileError(name, [
      problemAt(
        1,
        1,
        'the file is empty; write a policy (`rules:`, `default:`) or a parapet.yaml with `policy:`',
      ),
    ]);
  }
  if (!isMap(contents)) {
    const at = offsetPosition(yaml, contents.range?.[0] ?? 0);
    throw new PolicyFileError(name, [
      problemAt(
        at.line,
        at.column,
        'a policy must be a mapping (`rules:`, `default:` …), not a list or a value',
      ),
    ]);
  }
  const keys = contents.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key)));
  const root = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  if (keys.includes('policy')) {
    const node = contents.get('policy', true);
    const raw = root.policy ?? null;
    return { kind: 'config', raw, yaml, prefix: ['policy'], policyText: sectionText(node, raw) };
  }
  if (!keys.some((k) => POLICY_KEYS.includes(k)) && keys.some((k) => CONFIG_KEYS.has(k))) {
    throw new PolicyFileError(name, [
      problemAt(
        1,
        1,
        'this looks like a parapet.yaml without a `policy:` section; add one, or give a policy document',
      ),
    ]);
  }
  return { kind: 'policy', raw: root, yaml, prefix: [], policyText: text };
}

/**
 * Gives each validation issue (paths inside the policy) its line and column in the source. An unknown
 * key points at the key; other issues at the value (see yamlPosition). Sorted by position.
 */
export function locateIssues(source: PolicySource, issues: readonly PolicyIssue[]): LocatedProblem[] {
  const located = issues.map((issue) => {
    const path = [...source.prefix, ...issue.path];
    const target = issue.message.startsWith('unknown key') ? 'key' : 'value';
    const at = yamlPosition(source.yaml, path, { target });
    const problem: LocatedProblem = { ...at, severity: issue.severity, message: issue.message, path };
    if (issue.suggestion !== undefined) problem.suggestion = issue.suggestion;
    return problem;
  });
  return located.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Parses a YAML (or JSON) text; throws PolicyFileError with every syntax error's line and column. */
export function parseYamlText(text: string, name: string): YamlSource {
  const yaml = parseYamlSource(text);
  if (yaml.document.errors.length > 0) {
    throw new PolicyFileError(
      name,
      yaml.document.errors.map((e) => {
        const at = offsetPosition(yaml, e.pos[0]);
        return problemAt(at.line, at.column, `yaml syntax error: ${lowerFirst(e.message)}`);
      }),
    );
  }
  return yaml;
}

/** Top-level keys of parapet.yaml other than `policy`. */
const CONFIG_KEYS: ReadonlySet<string> = new Set(
  Object.keys(ConfigSchema.shape).filter((k) => k !== 'policy'),
);

/** The `policy:` node as a document of its own; plain YAML of the value when the node cannot stand alone. */
function sectionText(node: unknown, raw: unknown): string {
  try {
    const standalone = new Document();
    standalone.contents = node as Document['contents'];
    const text = standalone.toString();
    // Anchors defined outside the section would dangle: check the text reads back to the same value.
    const reread = parseYamlSource(text).document;
    if (reread.errors.length === 0 && isDeepStrictEqual(reread.toJS({ maxAliasCount: 100 }), raw))
      return text;
  } catch {
    // Fall through to plain YAML.
  }
  return stringify(raw ?? {});
}

function problemAt(line: number, column: number, message: string): LocatedProblem {
  return { line, column, severity: 'error', message };
}

function lowerFirst(text: string): string {
  const first = text.split('\n')[0] ?? text;
  return first.length === 0 ? first : first[0]!.toLowerCase() + first.slice(1);
}
