/**
 * Language signatures for the code detector: weighted line patterns per language, fence-tag aliases,
 * and `guessLanguage`, which scores a block of lines against every language. Every pattern is anchored
 * or literal-led, with bounded repetitions, so each test is linear in the (capped) line length.
 */

/** Languages the detector can name. */
export const CODE_LANGUAGES = [
  'python',
  'javascript',
  'typescript',
  'java',
  'csharp',
  'go',
  'rust',
  'c',
  'cpp',
  'php',
  'ruby',
  'sql',
  'shell',
  'html',
  'css',
  'yaml',
  'json',
  'kotlin',
  'swift',
] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

type Signature = readonly [RegExp, number];

/** Per language, line patterns and their weights (tested on trimmed lines). */
const SIGNATURES: Readonly<Record<CodeLanguage, readonly Signature[]>> = {
  python: [
    [/^def [A-Za-z_]\w{0,60}\(.{0,200}\)( -> .{1,60})?:$/, 4],
    [/^from [\w.]{1,80} import /, 4],
    [/^import [\w.]{1,60}( as \w{1,30})?$/, 1],
    [/^(elif .{1,200}:|else:|try:|finally:|except\b.{0,100}:)$/, 3],
    [/^(if|for|while|with) .{1,200}:$/, 2],
    [/^class [A-Z]\w{0,60}(\(.{0,100}\))?:$/, 4],
    [/\bself\./, 2],
    [/__(init|name|main)__/, 4],
    [/^print\(/, 1],
    [/^return\b/, 0.5],
    [/\blambda \w{1,20}:/, 2],
    [/\b(None|True|False)\b/, 0.5],
  ],
  javascript: [
    [/^(const|let|var) [\w$]{1,60} = /, 1.5],
    [/^(export )?(async )?function\*? ?[\w$]{0,60}\(/, 2],
    [/=> ?\{?$|\) => /, 1],
    [/\bconsole\.(log|error|warn)\(/, 3],
    [/\brequire\(['"]/, 3],
    [/ (===|!==) /, 2],
    [/\bdocument\.(getElementById|querySelector|createElement)/, 3],
    [/^(module\.exports|export default)\b/, 3],
    [/^import .{1,200} from ['"]/, 1.5],
    [/\.then\(|\bawait fetch\(/, 2],
  ],
  typescript: [
    [/: (string|number|boolean|any|void|unknown|never)(\[\])?[;,)=]/, 3],
    [/^(export )?interface [A-Z]\w{0,60}/, 3],
    [/^(export )?type [A-Z]\w{0,60}(<.{1,60}>)? = /, 3],
    [/^(export )?enum [A-Z]\w{0,60} \{/, 2],
    [/\b(private|public|readonly) \w{1,40}: /, 2],
    [/\bas const\b/, 2],
  ],
  java: [
    [/^public (final |abstract )?class \w{1,60}/, 3],
    [/\bSystem\.out\.print(ln)?\(/, 5],
    [/^import java(x)?\.[\w.]{1,100};$/, 5],
    [/^package [\w.]{1,100};$/, 3],
    [/\bString\[\] args\b/, 4],
    [/^@Override$/, 3],
    [/\b(ArrayList|HashMap|List|Map)<\w{1,40}/, 1],
    [/^(public|private|protected) (static )?(final )?[\w<>[\]]{1,60} \w{1,60}\(/, 2],
  ],
  csharp: [
    [/^using System(\.[\w.]{1,80})?;$/, 5],
    [/\bConsole\.Write(Line)?\(/, 5],
    [/^namespace [\w.]{1,100}/, 3],
    [/\{ get; (private )?set; \}/, 5],
    [/\b(public|private) (async )?(Task|void|string|int|bool)\b.{0,100}\(/, 1],
    [/^\[\w{1,40}(\(.{0,100}\))?\]$/, 1],
    [/\bvar \w{1,40} = new /, 1],
  ],
  go: [
    [/^package \w{1,40}$/, 4],
    [/^func (\(.{1,60}\) )?\w{1,60}\(/, 4],
    [/ := /, 2],
    [/\bfmt\.(Print|Sprint|Errorf)/, 4],
    [/^import \($/, 3],
    [/\berr != nil\b/, 4],
    [/\bmake\((\[\]|map\[|chan )/, 3],
  ],
  rust: [
    [/^(pub )?fn \w{1,60}(<.{1,60}>)?\(/, 3],
    [/\blet mut /, 4],
    [/\bprintln!\(/, 5],
    [/^use [\w:]{1,100}(::\{.{1,200}\})?;$/, 3],
    [/^(pub )?(struct|enum|trait) \w{1,60}/, 1],
    [/^impl\b/, 4],
    [/&(mut |'\w{1,10} )?(str|self)\b/, 3],
    [/\b(Vec|Option|Result|Box)</, 2],
    [/\.unwrap\(\)/, 3],
    [/^match .{1,100} \{$/, 2],
  ],
  c: [
    [/^#include <[\w./]{1,60}\.h>$/, 3],
    [/\bprintf\(/, 2],
    [/^int main\(/, 3],
    [/\b(malloc|calloc|free|strcpy|strlen)\(/, 3],
    [/^#define \w{1,60}/, 2],
    [/\bsizeof\(/, 1],
    [/\bNULL\b/, 1],
    [/^(struct \w{1,40}|typedef )/, 1],
  ],
  cpp: [
    [/\bstd::/, 5],
    [/\b(cout|cerr) <<|\bcin >>/, 5],
    [/^#include <(iostream|vector|string|map|memory|algorithm)>$/, 5],
    [/^template ?</, 4],
    [/\bnullptr\b/, 4],
    [/^using namespace std;$/, 5],
    [/^(class|struct) \w{1,60}( : public \w{1,60})? \{?$/, 1],
  ],
  php: [
    [/^<\?php/, 8],
    [/^\$\w{1,60} = /, 3],
    [/\$this->/, 5],
    [/^(public |private )?function \w{1,60}\(\$/, 4],
    [/\becho \$/, 3],
  ],
  ruby: [
    [/^def [a-z_]\w{0,60}[?!]?(\(.{0,100}\))?$/, 3],
    [/^end$/, 3],
    [/^puts /, 3],
    [/\.each( do|_with_index)?\b.{0,40}\|\w{1,20}(, ?\w{1,20})?\|/, 4],
    [/^require ['"]/, 3],
    [/^attr_(accessor|reader|writer) :/, 5],
    [/^(class|module) [A-Z]\w{0,60}( < [\w:]{1,60})?$/, 2],
  ],
  sql: [
    [/^SELECT\b.{1,300}\bFROM\b/i, 5],
    [/^SELECT (\*|DISTINCT|COUNT)/, 3],
    [/^(FROM|WHERE|GROUP BY|ORDER BY|HAVING|LEFT JOIN|INNER JOIN|JOIN|LIMIT) /, 3],
    [/^INSERT INTO \w{1,60}/i, 5],
    [/^UPDATE \w{1,60} SET /i, 5],
    [/^DELETE FROM \w{1,60}/i, 5],
    [/^(CREATE|ALTER|DROP) (TABLE|INDEX|VIEW|DATABASE)\b/i, 5],
    [/^\w{1,60} (INT|INTEGER|VARCHAR|TEXT|BOOLEAN|DATE|TIMESTAMP)\b/, 2],
  ],
  shell: [
    [/^#!\/(usr\/)?bin\/(env )?(ba|z)?sh/, 8],
    [/^\$ \w/, 3],
    [
      /^(sudo|apt|apt-get|npm|npx|pip|pip3|git|cd|ls|mkdir|curl|wget|chmod|chown|docker|kubectl|export|yarn|brew|ssh|scp|tar|grep|cat) [-\w./~$"'=:]/,
      2,
    ],
    [/ \| (grep|awk|sed|xargs|sort|uniq|head|tail|wc)\b/, 3],
    [/^(fi|done|esac)$|; (then|do)$/, 3],
    [/^[A-Z_]{1,40}=\S/, 1],
  ],
  html: [
    [/^<!DOCTYPE html/i, 8],
    [
      /<(html|head|body|div|span|p|a|ul|ol|li|table|tr|td|th|script|style|form|input|button|h[1-6]|img|meta|link|section|nav|header|footer)[\s>]/,
      2,
    ],
    [
      /<\/(html|head|body|div|span|p|a|ul|ol|li|table|tr|td|th|script|style|form|button|h[1-6]|section|nav|header|footer)>/,
      2,
    ],
  ],
  css: [
    [/^[\w-]{1,40}: [^;{}]{1,100};$/, 2],
    [
      /^([.#][\w-]{1,60}|body|html|a|p|div|span|h[1-6]|ul|li|button|input|:root)([ ,>+~:.#][\w\s,>+~:.#()-]{0,100})? \{$/,
      3,
    ],
    [/^@(media|import|keyframes|font-face)\b/, 3],
    [/\d(px|em|rem|vh|vw|%);$/, 2],
  ],
  yaml: [
    [/^---$/, 2],
    [/^[\w-]{1,60}:$/, 1],
    [/^[\w-]{1,60}: [^\s{;].{0,200}$/, 0.5],
    [/^- [\w-]{1,60}: /, 1.5],
    [/^(apiVersion|kind|metadata|spec|services|image|steps|jobs|runs-on): /, 3],
  ],
  json: [
    [/^"[^"]{1,80}": ["[{\d\-tfn]/, 3],
    [/^[{[]$/, 1],
    [/^[}\]],?$/, 1],
  ],
  kotlin: [
    [/^(private |override |suspend )?fun \w{1,60}\(/, 4],
    [/^(val|var) \w{1,60}(: \w{1,40})? = /, 1.5],
    [/^data class /, 5],
    [/^override fun /, 4],
    [/\?\.let \{/, 4],
    [/^import (kotlin|android|androidx)\./, 5],
  ],
  swift: [
    [/^import (UIKit|SwiftUI|Foundation|Combine)$/, 6],
    [/^func \w{1,60}\(.{0,200}\) -> /, 3],
    [/\b(guard|if) let /, 4],
    [/^@(State|Published|ObservedObject|MainActor)\b/, 5],
    [/^struct \w{1,60}: View/, 6],
    [/^var \w{1,60}: \w{1,40}/, 1],
  ],
};

/** Fence tags (after ```) and the language they name; unknown tags are guessed from content. */
export const FENCE_ALIASES: Readonly<Record<string, CodeLanguage | 'text'>> = {
  python: 'python',
  py: 'python',
  python3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  jsx: 'javascript',
  node: 'javascript',
  mjs: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  tsx: 'typescript',
  java: 'java',
  csharp: 'csharp',
  'c#': 'csharp',
  cs: 'csharp',
  go: 'go',
  golang: 'go',
  rust: 'rust',
  rs: 'rust',
  c: 'c',
  h: 'c',
  cpp: 'cpp',
  'c++': 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  php: 'php',
  ruby: 'ruby',
  rb: 'ruby',
  sql: 'sql',
  mysql: 'sql',
  postgresql: 'sql',
  postgres: 'sql',
  sqlite: 'sql',
  plsql: 'sql',
  tsql: 'sql',
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  zsh: 'shell',
  console: 'shell',
  shellsession: 'shell',
  powershell: 'shell',
  ps1: 'shell',
  html: 'html',
  xml: 'html',
  svg: 'html',
  vue: 'html',
  css: 'css',
  scss: 'css',
  sass: 'css',
  less: 'css',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  jsonc: 'json',
  json5: 'json',
  kotlin: 'kotlin',
  kt: 'kotlin',
  swift: 'swift',
  text: 'text',
  txt: 'text',
  plaintext: 'text',
  plain: 'text',
  markdown: 'text',
  md: 'text',
  output: 'text',
  csv: 'text',
};

/** Lines of a block looked at when guessing (enough to decide, bounded for huge pastes). */
const GUESS_LINES = 200;
/** Characters of a line looked at by any pattern. */
export const LINE_CAP = 400;

/** The best language for a block of lines and its evidence (sum of matched weights, 0 when none). */
export function guessLanguage(lines: readonly string[]): { language: CodeLanguage | null; evidence: number } {
  const totals = new Map<CodeLanguage, number>();
  let seen = 0;
  for (const raw of lines) {
    const line = raw.trim().slice(0, LINE_CAP);
    if (line === '') continue;
    if (++seen > GUESS_LINES) break;
    for (const language of CODE_LANGUAGES) {
      for (const [pattern, weight] of SIGNATURES[language]) {
        if (pattern.test(line)) totals.set(language, (totals.get(language) ?? 0) + weight);
      }
    }
  }
  // TypeScript is JavaScript with types: it inherits JavaScript's evidence once it has its own.
  const ts = totals.get('typescript') ?? 0;
  if (ts > 0) totals.set('typescript', ts + (totals.get('javascript') ?? 0));
  // C++ includes C: C evidence counts for C++ once C++ has its own.
  const cpp = totals.get('cpp') ?? 0;
  if (cpp > 0) totals.set('cpp', cpp + (totals.get('c') ?? 0));
  // JSON only when the block starts like JSON.
  const first = lines.find((l) => l.trim() !== '')?.trim() ?? '';
  if (!first.startsWith('{') && !first.startsWith('[')) totals.delete('json');
  let best: CodeLanguage | null = null;
  let evidence = 0;
  for (const language of CODE_LANGUAGES) {
    const total = totals.get(language) ?? 0;
    if (total > evidence) {
      best = language;
      evidence = total;
    }
  }
  return { language: best, evidence };
}
