/**
 * Where a value sits in a YAML text: the line and column of the node a validation path (e.g.
 * `['rules', 2, 'when', 'groups', 0]`) names, so errors can be printed as `FILE:LINE:COLUMN`.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
} from 'yaml';

/** A 1-based line and column (columns count UTF-16 code units, as editors using JavaScript do). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A parsed YAML text with the line table its positions are read from. */
export interface YamlSource {
  readonly text: string;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export interface YamlPositionOptions {
  /**
   * `key`: point at the key of the last path element (for unknown keys, where the key is what is wrong).
   * `value` (default): point at the value when it is a scalar; at the key when it is a collection or
   * empty, since a block collection starts on the next line and the key names it better.
   */
  target?: 'key' | 'value';
}

/** Parses a YAML text keeping the ranges and line table positions need. Syntax errors are in `document.errors`. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    keepSourceTokens: true,
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  return { text, document, lineCounter };
}

/** The 1-based line and column of a character offset in the source. */
export function offsetPosition(source: YamlSource, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.text.length));
  const { line, col } = source.lineCounter.linePos(clamped);
  // linePos reports line 0 before the first recorded newline (a text with no newline at all).
  return line === 0 ? { line: 1, column: clamped + 1 } : { line, column: col };
}

/**
 * The position of the node at `path`. When the path goes further than the document (a missing key, an
 * index past the end), the position of the deepest node that exists is returned, preferring its key:
 * for a missing `action` in `rules[0]`, the start of that rule. An empty document is line 1, column 1.
 */
export function yamlPosition(
  source: YamlSource,
  path: readonly (string | number)[],
  options: YamlPositionOptions = {},
): SourcePosition {
  const target = options.target ?? 'value';
  let node: unknown = source.document.contents;
  // The key of the map entry the current node was reached through, if any.
  let viaKey: Node | null = null;
  for (let i = 0; i < path.length; i++) {
    node = resolveAlias(node, source.document);
    const segment = path[i]!;
    let next: unknown;
    let nextKey: Node | null = null;
    let found = false;
    if (isMap(node)) {
      const pair = findPair(node.items, segment);
      if (pair !== undefined) {
        found = true;
        next = pair.value;
        nextKey = isNode(pair.key) ? pair.key : null;
        if (next === null || next === undefined) {
          // `key:` with no value: nothing to point at but the key.
          return startOf(source, nextKey ?? node);
        }
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      if (segment >= 0 && segment < node.items.length) {
        found = true;
        next = node.items[segment];
      }
    }
    if (!found) return startOf(source, viaKey ?? node);
    if (i === path.length - 1 && nextKey !== null) {
      const value = resolveAlias(next, source.document);
      // An empty value (`key:` alone) has an empty range: the key is all there is to point at.
      const empty =
        isScalar(value) &&
        value.range !== undefined &&
        value.range !== null &&
        value.range[0] === value.range[1];
      if (target === 'key' || !isScalar(value) || empty) return startOf(source, nextKey);
    }
    node = next;
    viaKey = nextKey;
  }
  return startOf(source, node);
}

/** Parses the text and returns the position of `path` in it (see yamlPosition). */
export function positionInYaml(
  text: string,
  path: readonly (string | number)[],
  options: YamlPositionOptions = {},
): SourcePosition {
  return yamlPosition(parseYamlSource(text), path, options);
}

function findPair(items: readonly Pair<unknown, unknown>[], segment: string | number): Pair | undefined {
  const wanted = String(segment);
  for (const item of items) {
    if (!isPair(item)) continue;
    const key = item.key;
    const name = isScalar(key) ? key.value : key;
    if (name !== null && name !== undefined && String(name) === wanted) return item;
  }
  return undefined;
}

function resolveAlias(node: unknown, document: Document.Parsed): unknown {
  let current = node;
  // An alias may point at another alias; bound the chain so a malformed document cannot loop.
  for (let hops = 0; hops < 16 && isAlias(current); hops++) current = current.resolve(document);
  return current;
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

function startOf(source: YamlSource, node: unknown): SourcePosition {
  const range = isNode(node) ? node.range : null;
  return offsetPosition(source, range?.[0] ?? 0);
}
