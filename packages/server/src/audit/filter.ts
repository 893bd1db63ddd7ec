/**
 * The `--filter` expression language of `parapet audit fairness`: a small, safe language over the
 * columns of a row (no eval; a hand-written lexer and recursive-descent parser, linear in the length of
 * the expression, compiled once into closures).
 *
 *   expr       := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' expr ')' | predicate
 *   predicate  := column op literal                        op: = == != <> < <= > >=
 *               | column ['not'] 'in' '(' literal (',' literal)* ')'
 *               | column 'is' ['not'] 'empty'
 *   column     := name | `any name`                        name: letter or _ then letters, digits, _ or .
 *   literal    := number | "text" | 'text'                 numbers may be negative: -30, 0.5, 1e3
 *
 * Keywords are case-insensitive. Cells are trimmed. A number literal compares numerically, a text
 * literal as text (exact, case-sensitive; `<`/`>` by code unit). A missing value — an empty cell, or a
 * cell that is not a number compared with a number — makes a comparison unknown, and unknowns follow
 * three-valued (Kleene) logic like SQL's NULL and R's NA: `not unknown` is unknown, `false and unknown`
 * is false, `true or unknown` is true, and a row is kept only when the whole expression is true. This is
 * what dplyr's filter() did for ProPublica's COMPAS analysis, where rows with an empty
 * days_b_screening_arrest fall out of `days_b_screening_arrest <= 30`. `is empty` tests for an empty
 * cell explicitly (never unknown).
 */
import { didYouMean } from '../config/did-you-mean.ts';

/** A parse or column error, with the 1-based column of the expression where it was found. */
export class FilterError extends Error {
  readonly expression: string;
  /** 1-based column (character position) in the expression. */
  readonly column: number;
  constructor(message: string, expression: string, offset: number) {
    super(`${message} (at column ${offset + 1})`);
    this.name = 'FilterError';
    this.expression = expression;
    this.column = offset + 1;
  }

  /** The expression on one line and a caret under the column, each indented by `indent`. */
  pointer(indent = '  '): string {
    const line = this.expression.replace(/[\r\n\t]/g, ' ');
    return `${indent}${line}\n${indent}${' '.repeat(this.column - 1)}^\n`;
  }
}

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type FilterLiteral = { kind: 'number'; value: number } | { kind: 'string'; value: string };

/** A column reference and where it was written. */
export interface ColumnRef {
  name: string;
  offset: number;
}

export type FilterNode =
  | { type: 'and' | 'or'; operands: FilterNode[] }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; column: ColumnRef; op: ComparisonOperator; value: FilterLiteral }
  | { type: 'in'; column: ColumnRef; negated: boolean; values: FilterLiteral[] }
  | { type: 'empty'; column: ColumnRef; negated: boolean };

export interface ParsedFilter {
  expression: string;
  root: FilterNode;
  /** Every column reference, in order of appearance. */
  columns: ColumnRef[];
}

/** A compiled filter: true to keep the row. */
export type RowFilter = (fields: readonly string[]) => boolean;

/** Parentheses and `not`s nested deeper than this are refused (the parser recurses). */
export const MAX_FILTER_DEPTH = 100;

type TokenKind = 'name' | 'number' | 'string' | 'op' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  /** The name, the text of a string, the operator, or the source text of a number. */
  text: string;
  offset: number;
  /** A name written in backquotes: never a keyword. */
  quoted?: boolean;
  value?: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'empty']);

/** Parses a filter expression; throws FilterError pointing at the problem. */
export function parseFilter(expression: string): ParsedFilter {
  const tokens = tokenize(expression);
  const columns: ColumnRef[] = [];
  let at = 0;
  let depth = 0;

  const peek = (): Token => tokens[at]!;
  const fail = (message: string, token: Token = peek()): never => {
    throw new FilterError(message, expression, token.offset);
  };
  const isKeyword = (token: Token, word: string): boolean =>
    token.kind === 'name' && token.quoted !== true && token.text.toLowerCase() === word;
  const describe = (token: Token): string => {
    if (token.kind === 'end') return 'the end of the expression';
    if (token.kind === 'string') return `the text ${JSON.stringify(token.text)}`;
    return `\`${token.text}\``;
  };
  const deeper = (token: Token): void => {
    depth++;
    if (depth > MAX_FILTER_DEPTH) fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`, token);
  };

  const parseOr = (): FilterNode => {
    const operands = [parseAnd()];
    while (isKeyword(peek(), 'or')) {
      at++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  };

  const parseAnd = (): FilterNode => {
    const operands = [parseUnary()];
    while (isKeyword(peek(), 'and')) {
      at++;
      operands.push(parseUnary());
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  };

  const parseUnary = (): FilterNode => {
    const token = peek();
    if (isKeyword(token, 'not')) {
      at++;
      deeper(token);
      const operand = parseUnary();
      depth--;
      return { type: 'not', operand };
    }
    if (token.kind === '(') {
      at++;
      deeper(token);
      const inner = parseOr();
      depth--;
      if (peek().kind !== ')') {
        fail(`expected \`)\` to close the \`(\` at column ${token.offset + 1}, found ${describe(peek())}`);
      }
      at++;
      return inner;
    }
    if (token.kind === 'name' && (token.quoted === true || !KEYWORDS.has(token.text.toLowerCase()))) {
      at++;
      return parsePredicate({ name: token.text, offset: token.offset });
    }
    if (token.kind === 'number' || token.kind === 'string') {
      return fail(`expected a column name, found ${describe(token)} (write the column first: \`age >= 30\`)`);
    }
    return fail(`expected a column name, \`not\` or \`(\`, found ${describe(token)}`);
  };

  const parseLiteral = (after: string): FilterLiteral => {
    const token = peek();
    if (token.kind === 'number') {
      at++;
      return { kind: 'number', value: token.value! };
    }
    if (token.kind === 'string') {
      at++;
      return { kind: 'string', value: token.text };
    }
    if (token.kind === 'name' && token.quoted !== true && !KEYWORDS.has(token.text.toLowerCase())) {
      return fail(
        `expected a number or a quoted text after ${after}, found \`${token.text}\` (quote text values: "${token.text}")`,
      );
    }
    return fail(`expected a number or a quoted text after ${after}, found ${describe(token)}`);
  };

  const parsePredicate = (column: ColumnRef): FilterNode => {
    columns.push(column);
    const token = peek();
    if (token.kind === 'op') {
      at++;
      const value = parseLiteral(`\`${token.text}\``);
      return { type: 'compare', column, op: normalizeOperator(token.text), value };
    }
    let negated = false;
    if (isKeyword(token, 'not') && isKeyword(tokens[at + 1]!, 'in')) {
      negated = true;
      at++;
    }
    if (isKeyword(peek(), 'in')) {
      at++;
      const open = peek();
      if (open.kind !== '(') fail(`expected \`(\` after \`in\`, found ${describe(open)}`);
      at++;
      const values = [parseLiteral('`(`')];
      while (peek().kind === ',') {
        at++;
        values.push(parseLiteral('`,`'));
      }
      if (peek().kind !== ')') {
        fail(`expected \`,\` or \`)\` in the list of \`in\`, found ${describe(peek())}`);
      }
      at++;
      return { type: 'in', column, negated, values };
    }
    if (isKeyword(token, 'is')) {
      at++;
      let isNot = false;
      if (isKeyword(peek(), 'not')) {
        isNot = true;
        at++;
      }
      if (!isKeyword(peek(), 'empty')) fail(`expected \`empty\` after \`is\`, found ${describe(peek())}`);
      at++;
      return { type: 'empty', column, negated: isNot };
    }
    return fail(
      `expected a comparison (=, !=, <, <=, >, >=), \`in (…)\` or \`is empty\` after the column \`${column.name}\`, found ${describe(token)}`,
    );
  };

  if (peek().kind === 'end') fail('the filter is empty');
  const root = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') {
    fail(
      rest.kind === ')'
        ? 'unexpected `)` with no `(` to close'
        : `expected \`and\`, \`or\` or the end of the expression, found ${describe(rest)}`,
    );
  }
  return { expression, root, columns };
}

function normalizeOperator(text: string): ComparisonOperator {
  if (text === '==') return '=';
  if (text === '<>') return '!=';
  return text as ComparisonOperator;
}

function isNameStart(char: string): boolean {
  return char === '_' || /\p{L}/u.test(char);
}

function isNamePart(char: string): boolean {
  return char === '_' || char === '.' || /[\p{L}\p{N}]/u.test(char);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const n = expression.length;
  let i = 0;
  const fail = (message: string, offset: number): never => {
    throw new FilterError(message, expression, offset);
  };
  while (i < n) {
    const char = expression[i]!;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: char, text: char, offset: start });
      i++;
      continue;
    }
    if (char === '=' || char === '!' || char === '<' || char === '>') {
      const two = expression.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '<>') {
        tokens.push({ kind: 'op', text: two, offset: start });
        i += 2;
      } else if (char === '!') {
        fail('unexpected `!`: write `not` or `!=`', start);
      } else {
        tokens.push({ kind: 'op', text: char, offset: start });
        i++;
      }
      continue;
    }
    if (char === '"' || char === "'") {
      let text = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = expression[i]!;
        if (c === char) {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < n) {
          const next = expression[i + 1]!;
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        text += c;
        i++;
      }
      if (!closed) fail(`unterminated text: the ${char} here is never closed`, start);
      tokens.push({ kind: 'string', text, offset: start });
      continue;
    }
    if (char === '`') {
      let name = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = expression[i]!;
        if (c === '`') {
          if (expression[i + 1] === '`') {
            name += '`';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        name += c;
        i++;
      }
      if (!closed) fail('unterminated column name: the ` here is never closed', start);
      if (name === '') fail('empty column name', start);
      tokens.push({ kind: 'name', text: name, offset: start, quoted: true });
      continue;
    }
    const signed = (char === '-' || char === '+') && i + 1 < n;
    const afterSign = signed ? i + 1 : i;
    if (
      isDigit(expression.charCodeAt(afterSign)) ||
      (expression[afterSign] === '.' && isDigit(expression.charCodeAt(afterSign + 1)))
    ) {
      i = afterSign;
      while (i < n && isDigit(expression.charCodeAt(i))) i++;
      if (expression[i] === '.') {
        i++;
        while (i < n && isDigit(expression.charCodeAt(i))) i++;
      }
      if (expression[i] === 'e' || expression[i] === 'E') {
        let j = i + 1;
        if (expression[j] === '+' || expression[j] === '-') j++;
        if (isDigit(expression.charCodeAt(j))) {
          while (j < n && isDigit(expression.charCodeAt(j))) j++;
          i = j;
        }
      }
      if (i < n && isNamePart(expression[i]!))
        fail(`invalid number \`${expression.slice(start, i + 1)}\``, start);
      const text = expression.slice(start, i);
      tokens.push({ kind: 'number', text, offset: start, value: Number(text) });
      continue;
    }
    if (isNameStart(char)) {
      i++;
      while (i < n && isNamePart(expression[i]!)) i++;
      tokens.push({ kind: 'name', text: expression.slice(start, i), offset: start });
      continue;
    }
    fail(`unexpected \`${char}\``, start);
  }
  tokens.push({ kind: 'end', text: '', offset: n });
  return tokens;
}

/** Three-valued logic: false, true, unknown. */
const F = 0;
const T = 1;
const U = 2;
type Truth = 0 | 1 | 2;

/**
 * Compiles a parsed filter against a header. Throws FilterError, pointing at the reference, for a
 * column that is not in the header (with a did-you-mean and the list of columns). A column named twice
 * in the header resolves to its first occurrence.
 */
export function compileFilter(parsed: ParsedFilter, header: readonly string[]): RowFilter {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const resolve = (column: ColumnRef): number => {
    const found = index.get(column.name);
    if (found !== undefined) return found;
    const suggestion = didYouMean(column.name, header);
    const hint = suggestion === null ? '' : `; did you mean \`${suggestion}\`?`;
    throw new FilterError(
      `unknown column \`${column.name}\`${hint} The columns are: ${listColumns(header)}`,
      parsed.expression,
      column.offset,
    );
  };
  const evaluate = build(parsed.root, resolve);
  return (fields) => evaluate(fields) === T;
}

/** `a, b, c` — at most 40 names. */
export function listColumns(header: readonly string[]): string {
  const shown = header.slice(0, 40).map((name) => (name === '' ? '""' : name));
  return header.length > 40 ? `${shown.join(', ')}, … (${header.length} in all)` : shown.join(', ');
}

type Evaluator = (fields: readonly string[]) => Truth;

function build(node: FilterNode, resolve: (column: ColumnRef) => number): Evaluator {
  switch (node.type) {
    case 'and': {
      const operands = node.operands.map((operand) => build(operand, resolve));
      return (fields) => {
        let result: Truth = T;
        for (const operand of operands) {
          const value = operand(fields);
          if (value === F) return F;
          if (value === U) result = U;
        }
        return result;
      };
    }
    case 'or': {
      const operands = node.operands.map((operand) => build(operand, resolve));
      return (fields) => {
        let result: Truth = F;
        for (const operand of operands) {
          const value = operand(fields);
          if (value === T) return T;
          if (value === U) result = U;
        }
        return result;
      };
    }
    case 'not': {
      const operand = build(node.operand, resolve);
      return (fields) => {
        const value = operand(fields);
        return value === U ? U : value === T ? F : T;
      };
    }
    case 'empty': {
      const at = resolve(node.column);
      const negated = node.negated;
      return (fields) => (((fields[at] ?? '').trim() === '') !== negated ? T : F);
    }
    case 'compare': {
      const at = resolve(node.column);
      const { op, value } = node;
      if (value.kind === 'number') {
        const literal = value.value;
        return (fields) => {
          const cell = numericCell(fields[at]);
          return cell === null ? U : compare(op, cell, literal) ? T : F;
        };
      }
      const literal = value.value;
      return (fields) => {
        const cell = (fields[at] ?? '').trim();
        return cell === '' ? U : compare(op, cell, literal) ? T : F;
      };
    }
    case 'in': {
      const at = resolve(node.column);
      const strings = new Set<string>();
      const numbers = new Set<number>();
      for (const value of node.values) {
        if (value.kind === 'number') numbers.add(value.value);
        else strings.add(value.value);
      }
      const negated = node.negated;
      // `x in (a, b)` is `x = a or x = b`, unknowns included.
      return (fields) => {
        const cell = (fields[at] ?? '').trim();
        let result: Truth;
        if (cell === '') result = U;
        else if (strings.has(cell)) result = T;
        else if (numbers.size === 0) result = F;
        else {
          const number = numericCell(cell);
          result = number === null ? U : numbers.has(number) ? T : F;
        }
        if (!negated || result === U) return result;
        return result === T ? F : T;
      };
    }
  }
}

function numericCell(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const text = cell.trim();
  if (text === '') return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

function compare<V extends number | string>(op: ComparisonOperator, a: V, b: V): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}
