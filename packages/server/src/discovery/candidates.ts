/**
 * Hosts that look like AI services but are not in the catalog ("candidates" for a human to review), and
 * the reason each one was picked. Heuristics on the host's labels only; no regular expression.
 */
import { isIpAddress } from './host.ts';

/** Label fragments that almost only appear in AI products' host names. */
const AI_FRAGMENTS = [
  'openai',
  'anthropic',
  'chatgpt',
  'gpt',
  'llm',
  'copilot',
  'claude',
  'deepseek',
  'genai',
  'ollama',
];

/** Whole words (a label, or a part of it between `-`/`_`) that mark an AI product. */
const AI_WORDS = new Set(['ai', 'chat', 'chatbot', 'llama', 'mistral']);

/** Labels that carry no meaning about the product. */
const IGNORED_LABELS = new Set(['www', 'm', 'app', 'api', 'cdn', 'static']);

/**
 * Why `host` looks like an AI service (`label \`gpt\` in \`mygpt\``, `the \`.ai\` top-level domain`), or
 * null. `host` is lower case without port (as hostOf returns it). IP addresses never match.
 */
export function aiHostReason(host: string): string | null {
  if (isIpAddress(host)) return null;
  const labels = host.split('.');
  const reasons: string[] = [];
  const tld = labels[labels.length - 1]!;
  if (tld === 'ai') reasons.push('the `.ai` top-level domain');
  for (const label of labels.slice(0, -1)) {
    if (IGNORED_LABELS.has(label)) continue;
    const fragment = AI_FRAGMENTS.find((f) => label.includes(f));
    if (fragment !== undefined) {
      reasons.push(label === fragment ? `label \`${label}\`` : `\`${fragment}\` in label \`${label}\``);
      continue;
    }
    const word = words(label).find((w) => AI_WORDS.has(w));
    if (word !== undefined)
      reasons.push(label === word ? `label \`${label}\`` : `word \`${word}\` in label \`${label}\``);
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}

function words(label: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= label.length; i++) {
    const char = label[i];
    if (i === label.length || char === '-' || char === '_') {
      if (i > start) out.push(label.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}
