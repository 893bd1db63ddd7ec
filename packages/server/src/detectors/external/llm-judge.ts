import type { Detector, Finding, Segment, SegmentSource } from '@parapet/core';
import { z } from 'zod';
import {
  chunkText,
  ExternalDetectorError,
  hasContent,
  joinUrl,
  mapLimited,
  postJson,
  trimmedSpan,
} from './http.ts';

/**
 * The MLCommons hazard categories as Llama Guard 3 and 4 use them (docs: shared REFERENCE.md). Findings of
 * the judge carry these codes as their type.
 */
export const HAZARD_CATEGORIES: Readonly<Record<string, string>> = Object.freeze({
  S1: 'Violent Crimes',
  S2: 'Non-Violent Crimes',
  S3: 'Sex-Related Crimes',
  S4: 'Child Sexual Exploitation',
  S5: 'Defamation',
  S6: 'Specialized Advice',
  S7: 'Privacy',
  S8: 'Intellectual Property',
  S9: 'Indiscriminate Weapons',
  S10: 'Hate',
  S11: 'Suicide & Self-Harm',
  S12: 'Sexual Content',
  S13: 'Elections',
  S14: 'Code Interpreter Abuse',
});

/** Prompt and answer formats the judge speaks. */
export const JUDGE_FORMATS = ['llama-guard-3', 'llama-guard-4', 'generic-json'] as const;
export type JudgeFormat = (typeof JUDGE_FORMATS)[number];

/** Settings of an LLM-as-judge detector; validated once when the detector is built. */
export const LlmJudgeSettings = z.object({
  /** Detector id reported in findings; default `external.llm_judge`. */
  id: z.string().min(1).default('external.llm_judge'),
  /** OpenAI-compatible base URL, `/v1` included (e.g. `http://127.0.0.1:11434/v1` for Ollama). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** Bearer key for the endpoint, when it wants one. Never logged. */
  apiKey: z.string().min(1).optional(),
  /** Model name as the endpoint knows it (e.g. `llama-guard3:8b`, `meta-llama/Llama-Guard-4-12B`). */
  model: z.string().min(1),
  format: z.enum(JUDGE_FORMATS).default('llama-guard-3'),
  /** Time allowed for one call, headers and body. */
  timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  /**
   * `template` sends the rendered judge prompt (categories, conversation, answer instructions) as one user
   * message: for endpoints that do not apply Llama Guard's own chat template. `messages` sends the text as a
   * chat turn and lets the endpoint's Llama Guard chat template build the prompt (Ollama's `llama-guard3`,
   * vLLM with the model's tokenizer template).
   */
  promptMode: z.enum(['template', 'messages']).default('template'),
  /** Ask for log-probabilities and use P(`unsafe`) of the first answer token as the score. */
  logprobs: z.boolean().default(false),
  /** Longest text judged in one call; longer texts are judged chunk by chunk. */
  maxChars: z.number().int().min(64).default(16_000),
  /** A text needing more chunks than this is a failure, not a partial answer. */
  maxChunks: z.number().int().min(1).default(128),
  /** Calls in flight at once for one inspection. */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type LlmJudgeSettings = z.input<typeof LlmJudgeSettings>;

/** Whose message is judged, in Llama Guard's words. */
export type JudgeRole = 'User' | 'Agent';

const AGENT_SOURCES: ReadonlySet<SegmentSource> = new Set(['assistant', 'completion', 'tool_call']);

/** Model output (assistant text, tool calls, completions) is judged as `Agent`; everything else as `User`. */
export function judgeRole(source: SegmentSource): JudgeRole {
  return AGENT_SOURCES.has(source) ? 'Agent' : 'User';
}

/** Neutralises the template's own markers inside the judged text, so content cannot close the conversation. */
function escapeMarkers(text: string): string {
  return text.replace(/<(\/?)(BEGIN|END) (UNSAFE CONTENT CATEGORIES|CONVERSATION|MESSAGE)>/gi, '[$2 $3]');
}

function categoryList(): string {
  return Object.entries(HAZARD_CATEGORIES)
    .map(([code, name]) => `${code}: ${name}.`)
    .join('\n');
}

/**
 * Renders the judge prompt for one message. Llama Guard 3 and 4 read the same task prompt (Meta ships 4 as
 * a drop-in replacement for 3); `generic-json` asks any instruction-following model for a JSON verdict.
 */
export function renderJudgePrompt(format: JudgeFormat, role: JudgeRole, text: string): string {
  const body = escapeMarkers(text);
  if (format === 'generic-json') {
    return [
      `You are a content-safety classifier. Decide whether the ${role === 'User' ? 'user' : 'assistant'} message below falls into any of these hazard categories:`,
      '',
      categoryList(),
      '',
      '<BEGIN MESSAGE>',
      body,
      '<END MESSAGE>',
      '',
      'Answer with one JSON object and nothing else: {"safe": true} when the message is safe, or',
      '{"safe": false, "categories": ["S1"]} listing every violated category code when it is not.',
    ].join('\n');
  }
  return [
    `Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    categoryList(),
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    `${role}: ${body}`,
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    ' - If unsafe, a second line must include a comma-separated list of violated categories.',
  ].join('\n');
}

/** A parsed judge answer. */
export interface JudgeVerdict {
  safe: boolean;
  /** Category codes (`S1`…`S14`), upper-case, de-duplicated, in answer order. */
  categories: string[];
  /** A score the answer carried itself (generic-json `score`), if any. */
  score?: number;
}

const CATEGORY_CODE = /^s(\d{1,2})$/i;

function normaliseCategories(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (const token of raw) {
    const m = CATEGORY_CODE.exec(token.trim());
    if (m === null) continue;
    const code = `S${Number(m[1])}`;
    if (HAZARD_CATEGORIES[code] !== undefined && !out.includes(code)) out.push(code);
  }
  return out;
}

/**
 * Parses a Llama Guard answer: `safe`, or `unsafe` followed by a comma-separated category line
 * (`unsafe\nS1,S10`), tolerant of case, blank lines, spaces and a trailing full stop. Returns null when
 * the answer is neither.
 */
export function parseLlamaGuardAnswer(answer: string): JudgeVerdict | null {
  const tokens = answer.split(/[\s,;]+/).filter((t) => t.length > 0);
  const head = (tokens[0] ?? '').toLowerCase().replace(/[^a-z]/g, '');
  if (head === 'safe') return { safe: true, categories: [] };
  if (head !== 'unsafe') return null;
  return {
    safe: false,
    categories: normaliseCategories(tokens.slice(1).map((t) => t.replace(/[.:]+$/, ''))),
  };
}

/**
 * Parses a generic JSON verdict (`{"safe": bool, "categories": [...], "score"?: n}`, or
 * `{"verdict": "safe"|"unsafe", ...}`), also when wrapped in prose or a code fence. Null when unusable.
 */
export function parseJsonVerdict(answer: string): JudgeVerdict | null {
  const from = answer.indexOf('{');
  const to = answer.lastIndexOf('}');
  if (from < 0 || to <= from) return null;
  let value: unknown;
  try {
    value = JSON.parse(answer.slice(from, to + 1));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  let safe: boolean;
  if (typeof v.safe === 'boolean') safe = v.safe;
  else if (typeof v.unsafe === 'boolean') safe = !v.unsafe;
  else if (typeof v.verdict === 'string' && /^(safe|unsafe)$/i.test(v.verdict.trim())) {
    safe = v.verdict.trim().toLowerCase() === 'safe';
  } else return null;
  const categories = Array.isArray(v.categories)
    ? normaliseCategories(v.categories.filter((c): c is string => typeof c === 'string'))
    : [];
  const verdict: JudgeVerdict = { safe, categories };
  if (typeof v.score === 'number' && v.score >= 0 && v.score <= 1) verdict.score = v.score;
  return verdict;
}

interface ChatAnswer {
  content: string;
  /** P(`unsafe`) from the first token's log-probabilities, when given. */
  unsafeProbability: number | undefined;
}

function readChatAnswer(body: unknown, id: string): ChatAnswer {
  const choice = (body as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as Record<string, unknown> | undefined) : undefined;
  const message = first?.message as { content?: unknown } | undefined;
  if (typeof message?.content !== 'string') {
    throw new ExternalDetectorError(
      id,
      'protocol',
      `detector \`${id}\` got a chat completion without message content`,
    );
  }
  return { content: message.content, unsafeProbability: unsafeProbability(first?.logprobs) };
}

/** P(`unsafe`) from OpenAI-style `logprobs.content[0]` (its token and its `top_logprobs`). */
function unsafeProbability(logprobs: unknown): number | undefined {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const head = content[0] as { token?: unknown; logprob?: unknown; top_logprobs?: unknown };
  const candidates = [head, ...(Array.isArray(head.top_logprobs) ? head.top_logprobs : [])] as {
    token?: unknown;
    logprob?: unknown;
  }[];
  let best: number | undefined;
  for (const c of candidates) {
    if (typeof c.token !== 'string' || typeof c.logprob !== 'number') continue;
    const token = c.token.trim().toLowerCase();
    if (token !== 'unsafe' && token !== 'uns') continue;
    const p = Math.exp(c.logprob);
    if (Number.isFinite(p)) best = Math.max(best ?? 0, Math.min(1, p));
  }
  return best;
}

/**
 * An LLM-as-judge detector over any OpenAI-compatible `/chat/completions` endpoint (Llama Guard 3/4 served
 * by vLLM or Ollama, or any instruction model with `generic-json`). Each segment (cut into chunks of
 * `maxChars`) is judged on its own; an unsafe answer gives one `harmful` finding per category (type `S1`…
 * `S14`, or `unsafe` when the judge names none), score 1 or P(`unsafe`) when `logprobs` is on. A timeout,
 * an HTTP error or an answer that is neither safe nor unsafe throws (the runner records a failure).
 */
export function createLlmJudgeDetector(options: LlmJudgeSettings): Detector {
  const s = LlmJudgeSettings.parse(options);
  const url = joinUrl(s.baseUrl, 'chat/completions');
  const headers: Record<string, string> =
    s.apiKey === undefined ? {} : { authorization: `Bearer ${s.apiKey}` };
  const parse = s.format === 'generic-json' ? parseJsonVerdict : parseLlamaGuardAnswer;

  const judge = async (role: JudgeRole, text: string, signal: AbortSignal | undefined) => {
    const messages =
      s.promptMode === 'template'
        ? [{ role: 'user', content: renderJudgePrompt(s.format, role, text) }]
        : role === 'User'
          ? [{ role: 'user', content: text }]
          : [
              { role: 'user', content: '' },
              { role: 'assistant', content: text },
            ];
    const body: Record<string, unknown> = {
      model: s.model,
      messages,
      temperature: 0,
      max_tokens: s.format === 'generic-json' ? 200 : 24,
      stream: false,
    };
    if (s.logprobs) {
      body.logprobs = true;
      body.top_logprobs = 5;
    }
    const answer = readChatAnswer(
      await postJson(url, body, { detector: s.id, headers, timeoutMs: s.timeoutMs, signal }),
      s.id,
    );
    const verdict = parse(answer.content);
    if (verdict === null) {
      throw new ExternalDetectorError(
        s.id,
        'protocol',
        `detector \`${s.id}\` got an answer that is neither safe nor unsafe`,
      );
    }
    return { verdict, probability: answer.unsafeProbability };
  };

  return {
    id: s.id,
    family: 'harmful',
    async inspect(segments, ctx) {
      const jobs: { segment: Segment; start: number; end: number }[] = [];
      for (const segment of segments) {
        if (!hasContent(segment.text)) continue;
        const chunks = chunkText(segment.text, s.maxChars);
        if (chunks.length > s.maxChunks) {
          throw new ExternalDetectorError(
            s.id,
            'config',
            `detector \`${s.id}\` cannot judge a text of ${segment.text.length} characters (limit ${s.maxChars * s.maxChunks}); raise maxChunks or maxChars`,
          );
        }
        for (const c of chunks) {
          if (hasContent(segment.text.slice(c.start, c.end))) jobs.push({ segment, ...c });
        }
      }
      const results = await mapLimited(jobs, s.concurrency, (job) =>
        judge(judgeRole(job.segment.source), job.segment.text.slice(job.start, job.end), ctx.signal),
      );
      const findings: Finding[] = [];
      results.forEach(({ verdict, probability }, k) => {
        if (verdict.safe) return;
        const job = jobs[k] as (typeof jobs)[number];
        const span = trimmedSpan(job.segment.text, job.start, job.end);
        const score = probability ?? verdict.score ?? 1;
        const types = verdict.categories.length > 0 ? verdict.categories : ['unsafe'];
        for (const type of types) {
          findings.push({
            family: 'harmful',
            type,
            score,
            segment: job.segment.index,
            span,
            detector: s.id,
            explanation:
              type === 'unsafe'
                ? `${s.format} judge answered unsafe without a category`
                : `${s.format} judge: ${type} ${HAZARD_CATEGORIES[type]}`,
          });
        }
      });
      return findings;
    },
  };
}
