/**
 * Source-code detection: fenced Markdown blocks (``` or ~~~, with or without a language tag) and code
 * pasted without fences, found from line features (statement keywords at line start, braces and
 * semicolons at line end, calls, assignments, comment syntax, tags, indentation under a block opener).
 * A run of code-like lines becomes one finding whose type is the guessed language. Prose that merely
 * mentions code words ("the function of the heart", "class of 2020") has none of those shapes.
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';
import { CODE_LANGUAGES, type CodeLanguage, FENCE_ALIASES, guessLanguage, LINE_CAP } from './languages.ts';

export { CODE_LANGUAGES, type CodeLanguage, guessLanguage } from './languages.ts';

/** Type reported when a block is code but no language stands out. */
export const UNKNOWN_LANGUAGE = 'unknown';

/** Settings of the code detector. */
export const CodeSettings = z.object({
  /** Findings scoring below this are not reported. */
  min_score: z.number().min(0).max(1).default(0.5),
  /** Fewest code-like lines for unfenced code. */
  min_lines: z.number().int().min(2).max(100).default(3),
  /** Look at fenced blocks. */
  fenced: z.boolean().default(true),
  /** Look for code pasted without fences. */
  unfenced: z.boolean().default(true),
  /** Report only these languages (default: all, `unknown` included). */
  languages: z.array(z.enum([...CODE_LANGUAGES, UNKNOWN_LANGUAGE])).optional(),
});
export type CodeSettings = z.infer<typeof CodeSettings>;

interface Line {
  start: number;
  /** End of the line's content (before `\r\n` / `\n`). */
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let newline = text.indexOf('\n', start);
    if (newline === -1) newline = text.length;
    const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
    lines.push({ start, end, text: text.slice(start, Math.min(end, start + LINE_CAP * 2)) });
    start = newline + 1;
  }
  return lines;
}

const FENCE_OPEN = /^ {0,3}(`{3,40}|~{3,40})[ \t]{0,8}([^\s`]{0,40})/;
const FENCE_CLOSE = /^ {0,3}(`{3,40}|~{3,40})[ \t]{0,40}$/;

/** Strong shapes: a line matching one is code (score 0.9). Tested on the trimmed line. */
const STRONG_LINE: readonly RegExp[] = [
  /^(def|fn|func|fun) [A-Za-z_]\w{0,60}(<.{1,60}>)?\(/,
  /^(pub |export |async |static |private |public |protected |override |internal ){1,4}([\w<>[\],]{1,60} ){0,3}[\w$]{1,60}\(/,
  /^(public|private|protected|internal) [\w<>[\]]{1,60}( [\w<>[\]]{1,60}){0,4}\(.{0,200}\) ?(\{|throws [\w, ]{1,100} ?\{)?$/,
  /^class [A-Z]\w{0,60}(\(.{0,100}\))?:$/,
  /^(export )?(abstract |public |final |data |sealed )?(class|struct|interface|enum|trait|impl) [A-Z]\w{0,60}.{0,120}\{$/,
  /^from [\w.]{1,80} import [\w*,(]/,
  /^import [\w.]{1,80}( as \w{1,30})?;?$/,
  /^import .{1,200} from ['"][^'"]{1,200}['"];?$/,
  /^import ['"{*]/,
  /^#include ?[<"]/,
  /^#!\//,
  /^<\?php/,
  /^using [\w.]{1,100};$/,
  /^package [\w.]{1,100};?$/,
  /^(const|let|var|val) [\w${}[\], ]{1,80}(: [\w<>[\]|, ]{1,60})? ?[:]?= ?\S/,
  /^(if|while|for|switch|catch) ?\(.{0,200}\) ?\{?$/,
  /^(if|elif|while) [^?]{1,200}:$/,
  /^for \w{1,40}(, ?\w{1,40})? in .{1,200}:$/,
  /^with .{1,200} as \w{1,40}:$/,
  /^(else|try|finally):$/,
  /^except\b.{0,100}:$/,
  /^\}? ?else( if ?\(.{0,200}\))? ?\{?$/,
  /^[}\])]{1,4}[;,)]{0,3}$/,
  /^return\b.{0,200};$/,
  /^(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE TABLE|ALTER TABLE|DROP TABLE|WITH) /,
  /^(FROM|WHERE|GROUP BY|ORDER BY|LEFT JOIN|INNER JOIN|JOIN|HAVING|LIMIT|VALUES) [\w*('`"]/,
  /^<\/?[a-z][\w-]{0,30}( [\w-]{1,30}(=("[^"]{0,200}"|'[^']{0,200}'|\w{1,40}))?){0,10} ?\/?>/,
  /^<!(DOCTYPE|--)/i,
  /^(\/\/|\/\*|\*\/)/,
  /^[\w$.[\]'"]{1,80}(\(.{0,300}\))+;$/,
  /^[\w$.]{1,80} ?(\+|-|\*|\/|\|\||&&|\?\?)?= ?.{1,300};$/,
  /^"[^"]{1,80}": ?("[^"]{0,300}"|-?\d[\d.eE+-]{0,30}|true|false|null|\{|\[),?$/,
  /^[\w-]{1,40}: [^;{}]{1,100};$/,
  /^\$ [a-z]/,
  /^(fi|done|esac|end)$/,
  /; (do|then)$/,
  / \| (grep|awk|sed|xargs|sort|uniq|head|tail|wc|jq)\b/,
  /^require(_relative)? ['"]/,
  /^(class|module) [A-Z]\w{0,60}( < [\w:]{1,60})?$/,
  /^(data |sealed |open |abstract )?class [A-Z]\w{0,60}\(.{0,200}\)( : .{1,100})?$/,
  /\) ?(=>|->) ?\{?$/,
  /^[A-Za-z_][\w.]{0,60} := /,
  /^(console\.log|print|println!?|printf|System\.out\.println|fmt\.Println|Console\.WriteLine)\(/,
  /^(echo|puts) ["'$]/,
];

/** Weaker shapes (score 0.6): code in context, plausible in prose alone. */
const WEAK_LINE: readonly RegExp[] = [
  /^[A-Za-z_][\w.[\]]{0,60} ?(\+|-|\*|\/)?= ?[\w"'([{-]/,
  /^[\w$.]{1,80}\(.{0,300}\)$/,
  /^(return|break|continue|pass|raise|throw|yield|await)\b/,
  /^(sudo|npm|npx|pip|pip3|git|cd|ls|mkdir|curl|wget|chmod|docker|kubectl|export|yarn|brew|apt|apt-get|grep|set|source|unset) [-\w./~$"'=:*]/,
  /^[\w-]{1,60}: \S.{0,200}$/,
  /^- [\w-]{1,60}: /,
  /^@[A-Za-z]\w{0,40}(\(.{0,200}\))?$/,
  /^[\w-]{1,60}:$/,
  /^#[^#\s!]/,
  /^-- /,
  /^\*( |$)/,
  /[;{]$/,
];

/**
 * True when `source` has a `|` outside every group and class (then a leading `^` anchors only the first
 * alternative), or a back-reference (whose number would change inside a bigger expression).
 */
function notCombinable(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return true;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/**
 * The same test as "does any of `patterns` match", with fewer calls: every flagless pattern anchored
 * with `^` goes into one `^(?:a|b|…)` (tried at position 0 only, as each of them is), the others stay
 * as they are. The answer is the same for every line; only the number of expressions run changes.
 */
function combineAnchored(patterns: readonly RegExp[]): readonly RegExp[] {
  const anchored: string[] = [];
  const rest: RegExp[] = [];
  for (const p of patterns) {
    if (p.flags === '' && p.source.startsWith('^') && !notCombinable(p.source)) {
      anchored.push(`(?:${p.source.slice(1)})`);
    } else rest.push(p);
  }
  return anchored.length === 0 ? rest : [new RegExp(`^(?:${anchored.join('|')})`), ...rest];
}

const STRONG_TESTS = combineAnchored(STRONG_LINE);
const WEAK_TESTS = combineAnchored(WEAK_LINE);

/**
 * Words counted to tell prose from code on a line with no strong shape: what
 * `/^[A-Za-z][a-z]{0,30}[,.!?]?$/` accepts, checked on `line[from, to)` without cutting the word out.
 */
function isProseWord(line: string, from: number, to: number): boolean {
  let end = to;
  if (end <= from) return false;
  const last = line.charCodeAt(end - 1);
  if (last === 44 || last === 46 || last === 33 || last === 63) end--;
  if (end <= from || end - from > 31) return false;
  const first = line.charCodeAt(from);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return false;
  for (let i = from + 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** How code-like one line is: 0 (prose or unknown), 0.6 (weak shape), 0.9 (strong shape). */
function lineScore(raw: string): number {
  const line = raw.trim();
  if (line === '') return 0;
  for (const pattern of STRONG_TESTS) if (pattern.test(line)) return 0.9;
  // The words of `line.split(' ', 40)`: pieces between single spaces, empty ones included, at most 40.
  let words = 0;
  let prose = 0;
  let from = 0;
  while (words < 40) {
    let to = line.indexOf(' ', from);
    if (to === -1) to = line.length;
    words++;
    if (isProseWord(line, from, to)) prose++;
    if (to === line.length) break;
    from = to + 1;
  }
  if (words >= 6 && prose / words > 0.7) return 0;
  for (const pattern of WEAK_TESTS) if (pattern.test(line)) return 0.6;
  return 0;
}

/** Leading whitespace width (tab = 4), capped. */
function indentOf(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length && i < 64; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) width++;
    else if (c === 9) width += 4;
    else break;
  }
  return width;
}

/** A short line ending in a colon, such as "Here is the code:" or "Output:". */
const LABEL_LINE = /^[A-Za-z][\w ,'-]{0,60}:$/;

/** True when the next non-blank line after `index` (up to `last`) is indented more than it. */
function nextIndented(lines: readonly Line[], index: number, last: number): boolean {
  const indent = indentOf(lines[index]!.text);
  for (let k = index + 1; k <= last; k++) {
    const text = lines[k]!.text;
    if (text.trim() !== '') return indentOf(text) > indent;
  }
  return false;
}

interface Block {
  start: number;
  end: number;
  language: CodeLanguage | typeof UNKNOWN_LANGUAGE;
  score: number;
  explanation: string;
}

/** Builds the code detector; settings are validated once here. */
export function createCodeDetector(settings: z.input<typeof CodeSettings> = {}): Detector {
  const resolved = CodeSettings.parse(settings);
  const allowed = resolved.languages === undefined ? null : new Set<string>(resolved.languages);
  const { min_score: minScore, min_lines: minLines } = resolved;

  function fencedBlock(lines: Line[], open: number, tag: string, close: number): Block {
    const body = lines.slice(open + 1, close === -1 ? lines.length : close).map((l) => l.text);
    const last = lines[close === -1 ? lines.length - 1 : close]!;
    const start = lines[open]!.start;
    const end = last.end;
    const alias = FENCE_ALIASES[tag.toLowerCase()];
    const guess = guessLanguage(body);
    const codeLines = body.filter((l) => lineScore(l) > 0).length;
    const nonBlank = body.filter((l) => l.trim() !== '').length;
    if (alias !== undefined && alias !== 'text') {
      return { start, end, language: alias, score: 0.95, explanation: `fenced block tagged \`${alias}\`` };
    }
    const codeShare = nonBlank === 0 ? 0 : codeLines / nonBlank;
    if (guess.language !== null && guess.evidence >= 3 && codeShare >= 0.3) {
      return {
        start,
        end,
        language: guess.language,
        score: 0.9,
        explanation: 'fenced block, language guessed',
      };
    }
    if (codeShare >= 0.5 && codeLines >= 2) {
      return {
        start,
        end,
        language: guess.language ?? UNKNOWN_LANGUAGE,
        score: 0.75,
        explanation: 'fenced block with code-like lines',
      };
    }
    return {
      start,
      end,
      language: guess.language ?? UNKNOWN_LANGUAGE,
      score: 0.35,
      explanation: 'fenced block without code-like lines',
    };
  }

  function unfencedBlocks(lines: Line[], from: number, to: number, out: Block[]): void {
    const scores = new Float64Array(to - from);
    for (let i = from; i < to; i++) scores[i - from] = lineScore(lines[i]!.text);
    let i = from;
    while (i < to) {
      if (scores[i - from]! < 0.6) {
        i++;
        continue;
      }
      // Grow a run: code-like lines, blank lines, and lines indented under a code line.
      let first = i;
      let last = i;
      let strong = 0;
      let code = 0;
      let total = 0;
      const baseIndent = indentOf(lines[i]!.text);
      let j = i;
      while (j < to) {
        const text = lines[j]!.text;
        const score = scores[j - from]!;
        if (text.trim() === '') {
          j++;
          continue;
        }
        const indented = indentOf(text) > baseIndent && j > first;
        if (score < 0.6 && !indented) {
          // Bridge one short non-code line ("Some text") between code lines.
          let next = j + 1;
          while (next < to && lines[next]!.text.trim() === '') next++;
          const bridge = j > first && text.length <= 80 && next < to && scores[next - from]! >= 0.6;
          if (!bridge) break;
          total++;
          j = next;
          continue;
        }
        total++;
        if (score >= 0.6) code++;
        if (score >= 0.9) strong++;
        last = j;
        j++;
      }
      i = last + 1;
      // A leading label line ("Here is my code:") introduces the block rather than belonging to it.
      let head = first;
      while (head < last && LABEL_LINE.test(lines[head]!.text.trim()) && !nextIndented(lines, head, last)) {
        head++;
        while (head < last && lines[head]!.text.trim() === '') head++;
      }
      if (head !== first) {
        for (let k = first; k < head; k++) {
          const score = scores[k - from]!;
          if (lines[k]!.text.trim() === '') continue;
          total--;
          if (score >= 0.6) code--;
          if (score >= 0.9) strong--;
        }
        first = head;
      }
      if (strong === 0 || code / total < 0.6) continue;
      const body = lines.slice(first, last + 1).map((l) => l.text);
      const guess = guessLanguage(body);
      const short = code >= 2 && total === code && (strong >= 2 || guess.evidence >= 4);
      if (code < minLines && !short) continue;
      let score = Math.min(0.95, 0.45 + 0.05 * Math.min(code, 6) + (0.1 * Math.min(strong, 3)) / 3);
      if (guess.evidence >= 3) score = Math.min(0.95, score + 0.1);
      if (strong < 2 && guess.evidence < 3) score -= 0.2;
      out.push({
        start: lines[first]!.start,
        end: lines[last]!.end,
        language: guess.evidence >= 1 && guess.language !== null ? guess.language : UNKNOWN_LANGUAGE,
        score: Math.round(score * 100) / 100,
        explanation: `${code} code-like lines without fences`,
      });
    }
  }

  function inspectSegment(segment: Segment, findings: Finding[]): void {
    const text = segment.text;
    if (text.length === 0) return;
    const lines = splitLines(text);
    const blocks: Block[] = [];
    let outside = 0;
    // A fence line holds three backticks or tildes: text without them skips the per-line fence test.
    let i = text.includes('```') || text.includes('~~~') ? 0 : lines.length;
    while (i < lines.length) {
      const open = FENCE_OPEN.exec(lines[i]!.text);
      if (open === null) {
        i++;
        continue;
      }
      const fence = open[1]!;
      let close = -1;
      for (let j = i + 1; j < lines.length; j++) {
        const m = FENCE_CLOSE.exec(lines[j]!.text);
        if (m !== null && m[1]![0] === fence[0] && m[1]!.length >= fence.length) {
          close = j;
          break;
        }
      }
      if (resolved.unfenced) unfencedBlocks(lines, outside, i, blocks);
      if (resolved.fenced) blocks.push(fencedBlock(lines, i, open[2] ?? '', close));
      i = close === -1 ? lines.length : close + 1;
      outside = i;
    }
    if (resolved.unfenced) unfencedBlocks(lines, outside, lines.length, blocks);
    for (const block of blocks) {
      if (block.score < minScore) continue;
      if (allowed !== null && !allowed.has(block.language)) continue;
      findings.push({
        family: 'code',
        type: block.language,
        score: block.score,
        segment: segment.index,
        span: { start: block.start, end: block.end },
        detector: 'code.block',
        explanation: block.explanation,
      });
    }
  }

  return {
    id: 'code',
    family: 'code',
    inspect(segments: readonly Segment[]): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) inspectSegment(segment, findings);
      return findings;
    },
  };
}

/** Registry entry for the code detector. */
export const codeDefinition: DetectorDefinition<typeof CodeSettings> = {
  id: 'code',
  family: 'code',
  description: 'Finds source code (fenced blocks and pasted code) and guesses its language',
  languages: ['*'],
  settings: CodeSettings,
  create: (settings) => createCodeDetector(settings),
};
