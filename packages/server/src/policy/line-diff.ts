/**
 * A small line diff for policy documents: longest common subsequence of lines (after the common head and
 * tail are set aside), printed as a unified diff like `diff -u`.
 */

/** One line of a diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Above this many table cells (lines × lines of the differing middle) the middle is shown as replaced. */
const MAX_TABLE_CELLS = 16_000_000;

/** Splits a text into lines; a final newline does not start another line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/**
 * The line edits turning `a` into `b`: a longest common subsequence is kept, everything else removed or
 * added (removals before additions within a change). Very large, very different texts fall back to
 * "remove all, add all" for their differing middle rather than building a huge table.
 */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = splitLines(a);
  const y = splitLines(b);
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
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: ' ', text: x[i]! });
  const xm = x.slice(head, x.length - tail);
  const ym = y.slice(head, y.length - tail);
  const n = xm.length;
  const m = ym.length;
  if (n * m > MAX_TABLE_CELLS) {
    for (const text of xm) out.push({ op: '-', text });
    for (const text of ym) out.push({ op: '+', text });
  } else {
    // lcs[i * (m + 1) + j] = length of the LCS of xm[i..] and ym[j..].
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          xm[i] === ym[j]
            ? lcs[(i + 1) * width + j + 1]! + 1
            : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xm[i] === ym[j]) {
        out.push({ op: ' ', text: xm[i]! });
        i++;
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        out.push({ op: '-', text: xm[i]! });
        i++;
      } else {
        out.push({ op: '+', text: ym[j]! });
        j++;
      }
    }
  }
  for (let i = x.length - tail; i < x.length; i++) out.push({ op: ' ', text: x[i]! });
  return out;
}

export interface UnifiedDiffOptions {
  /** Names on the `---` and `+++` lines. */
  fromLabel: string;
  toLabel: string;
  /** Unchanged lines around each change (default 3). */
  context?: number;
}

/** A unified diff (`---`, `+++`, `@@ -a,b +c,d @@` hunks) of two texts; '' when their lines are equal. */
export function unifiedDiff(a: string, b: string, options: UnifiedDiffOptions): string {
  const context = options.context ?? 3;
  const lines = diffLines(a, b);
  // Line numbers (1-based) of each diff line in the old and the new text.
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 0;
  let p = 0;
  for (const line of lines) {
    if (line.op !== '+') o++;
    if (line.op !== '-') p++;
    oldNo.push(o);
    newNo.push(p);
  }
  const changes: number[] = [];
  lines.forEach((line, k) => {
    if (line.op !== ' ') changes.push(k);
  });
  if (changes.length === 0) return '';
  const out: string[] = [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`];
  let c = 0;
  while (c < changes.length) {
    const start = Math.max(0, changes[c]! - context);
    let last = changes[c]!;
    // Merge changes whose contexts touch.
    while (c + 1 < changes.length && changes[c + 1]! - last <= 2 * context + 1) {
      c++;
      last = changes[c]!;
    }
    const end = Math.min(lines.length - 1, last + context);
    let oldCount = 0;
    let newCount = 0;
    for (let k = start; k <= end; k++) {
      if (lines[k]!.op !== '+') oldCount++;
      if (lines[k]!.op !== '-') newCount++;
    }
    // The line before the hunk, for a side with no lines in it (as `diff -u` numbers empty ranges).
    const oldBefore = start === 0 ? 0 : oldNo[start - 1]!;
    const newBefore = start === 0 ? 0 : newNo[start - 1]!;
    const oldStart = oldCount === 0 ? oldBefore : oldBefore + 1;
    const newStart = newCount === 0 ? newBefore : newBefore + 1;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (let k = start; k <= end; k++) out.push(`${lines[k]!.op}${lines[k]!.text}`);
    c++;
  }
  return `${out.join('\n')}\n`;
}

function range(start: number, count: number): string {
  return count === 1 ? String(start) : `${start},${count}`;
}
