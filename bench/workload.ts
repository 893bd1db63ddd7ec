// The request every benchmark run sends.

/** Model name sent by the benchmark; Parapet's bench config routes `bench-*` to the mock upstream. */
export const BENCH_MODEL = 'bench-model';

const PROMPT_SENTENCE =
  'Summarise the quarterly operations review for the infrastructure team, listing the open risks, ' +
  'the owners of each follow-up item and the dates agreed in the meeting. ';

/**
 * The request body of the benchmark: an OpenAI chat completion with a short system message and a user
 * prompt of about 1 KB (so the whole JSON body is about 1.2 KB).
 */
export function buildChatBody(stream: boolean): string {
  let prompt = '';
  while (prompt.length < 1024) prompt += PROMPT_SENTENCE;
  return JSON.stringify({
    model: BENCH_MODEL,
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: prompt.slice(0, 1024) },
    ],
    max_tokens: 64,
    stream,
  });
}
