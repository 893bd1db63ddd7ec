/**
 * Pure helpers for the policy page: unified diffs as lines to render (with their old and new line
 * numbers), a small line diff of two texts (the editor against the version it started from), and
 * line/column ↔ offset in a text (moving the editor's caret to a problem).
 */

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'ctx' | 'note';

/** One rendered diff line: its text as in the diff (with its `+`/`-`/` ` prefix) and its line numbers. */
export interface DiffViewLine {
  kind: DiffLineKind;
  text: string;
  /** Line number in the old text (removed and unchanged lines). */
  oldNo: number | null;
  /** Line number in the new text (added and unchanged lines). */
  newNo: number | null;
}

/** Splits a text into lines; a final newline does not start another line; `\r\n` counts as one break. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * A unified diff (`---`/`+++` headers, `@@ -a,b +c,d @@` hunks) as lines with kinds and line numbers.
 * Inside a hunk, lines are read by the hunk's counts, so a removed line that starts with `--` is not
 * taken for a header.
 */
export function parseUnifiedDiff(diff: string): DiffViewLine[] {
  const out: DiffViewLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const text of splitLines(diff)) {
    if (oldLeft > 0 || newLeft > 0) {
      const op = text[0];
      if (op === '+') {
        out.push({ kind: 'add', text, oldNo: null, newNo: newNo++ });
        newLeft--;
      } else if (op === '-') {
        out.push({ kind: 'del', text, oldNo: oldNo++, newNo: null });
        oldLeft--;
      } else if (op === '\\') {
        out.push({ kind: 'note', text, oldNo: null, newNo: null });
      } else {
        // ' ' or an empty line (some tools strip the space of an empty context line).
        out.push({ kind: 'ctx', text, oldNo: oldNo++, newNo: newNo++ });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const hunk = HUNK.exec(text);
    if (hunk !== null) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[3]);
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      // An empty side is numbered by the line before it (`-0,0`, `+4,0`).
      if (oldLeft === 0) oldNo++;
      if (newLeft === 0) newNo++;
      out.push({ kind: 'hunk', text, oldNo: null, newNo: null });
    } else if (text.startsWith('--- ') || text.startsWith('+++ ')) {
      out.push({ kind: 'file', text, oldNo: null, newNo: null });
    } else {
      out.push({ kind: 'note', text, oldNo: null, newNo: null });
    }
  }
  return out;
}

/** Lines added and removed. */
export function diffStats(lines: readonly DiffViewLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'add') added++;
    else if (line.kind === 'del') removed++;
  }
  return { added, removed };
}

/** Above this many table cells the differing middle of two texts is shown as replaced. */
const MAX_TABLE_CELLS = 4_000_000;

type Op = ' ' | '-' | '+';

function lineEdits(x: readonly string[], y: readonly string[]): { op: Op; text: string }[] {
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (
    tail < x.length - head &&
    tail < y.length - head &&
    x[x.length - 1 - tail] === y[y.length - 1 - tail]
  ) {
    tail++;
  }
  const out: { op: Op; text: string }[] = [];
  for (let i = 0; i < head; i++) out.push({ op: ' ', text: x[i] ?? '' });
  const xm = x.slice(head, x.length - tail);
  const ym = y.slice(head, y.length - tail);
  const n = xm.length;
  const m = ym.length;
  if (n * m > MAX_TABLE_CELLS) {
    for (const text of xm) out.push({ op: '-', text });
    for (const text of ym) out.push({ op: '+', text });
  } else {
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    const at = (i: number, j: number) => lcs[i * width + j] ?? 0;
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = xm[i] === ym[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xm[i] === ym[j]) {
        out.push({ op: ' ', text: xm[i] ?? '' });
        i++;
        j++;
      } else if (j >= m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        out.push({ op: '-', text: xm[i] ?? '' });
        i++;
      } else {
        out.push({ op: '+', text: ym[j] ?? '' });
        j++;
      }
    }
  }
  for (let i = x.length - tail; i < x.length; i++) out.push({ op: ' ', text: x[i] ?? '' });
  return out;
}

/**
 * The changes from text `a` to text `b` as unified-diff lines (hunks with `context` unchanged lines
 * around each change, no file headers); [] when their lines are equal.
 */
export function diffTexts(a: string, b: string, context = 3): DiffViewLine[] {
  const edits = lineEdits(splitLines(a), splitLines(b));
  const oldNos: number[] = [];
  const newNos: number[] = [];
  let o = 0;
  let p = 0;
  for (const e of edits) {
    if (e.op !== '+') o++;
    if (e.op !== '-') p++;
    oldNos.push(o);
    newNos.push(p);
  }
  const changes: number[] = [];
  edits.forEach((e, k) => {
    if (e.op !== ' ') changes.push(k);
  });
  const out: DiffViewLine[] = [];
  let c = 0;
  while (c < changes.length) {
    const first = changes[c] ?? 0;
    let last = first;
    while (c + 1 < changes.length && (changes[c + 1] ?? 0) - last <= 2 * context + 1) {
      c++;
      last = changes[c] ?? last;
    }
    const start = Math.max(0, first - context);
    const end = Math.min(edits.length - 1, last + context);
    let oldCount = 0;
    let newCount = 0;
    for (let k = start; k <= end; k++) {
      if (edits[k]?.op !== '+') oldCount++;
      if (edits[k]?.op !== '-') newCount++;
    }
    const oldBefore = start === 0 ? 0 : (oldNos[start - 1] ?? 0);
    const newBefore = start === 0 ? 0 : (newNos[start - 1] ?? 0);
    const range = (before: number, count: number) => {
      const from = count === 0 ? before : before + 1;
      return count === 1 ? String(from) : `${from},${count}`;
    };
    out.push({
      kind: 'hunk',
      text: `@@ -${range(oldBefore, oldCount)} +${range(newBefore, newCount)} @@`,
      oldNo: null,
      newNo: null,
    });
    for (let k = start; k <= end; k++) {
      const e = edits[k];
      if (e === undefined) continue;
      const text = `${e.op}${e.text}`;
      if (e.op === '+') out.push({ kind: 'add', text, oldNo: null, newNo: newNos[k] ?? null });
      else if (e.op === '-') out.push({ kind: 'del', text, oldNo: oldNos[k] ?? null, newNo: null });
      else out.push({ kind: 'ctx', text, oldNo: oldNos[k] ?? null, newNo: newNos[k] ?? null });
    }
    c++;
  }
  return out;
}

/** How many lines a textarea shows for a text (a final newline opens an empty last line). */
export function countLines(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * The offset in `text` of a 1-based line and column (as validation issues give them), clamped to the
 * text: a line past the end goes to the end, a column past the line's end to that end.
 */
export function offsetOf(text: string, line: number, column = 1): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return text.length;
    start = next + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === '\r') end--;
  return Math.min(start + Math.max(0, column - 1), end);
}

/** The 1-based line and column of an offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}
