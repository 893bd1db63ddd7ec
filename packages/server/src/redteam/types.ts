/**
 * The red-team's data model (issue 8): probes (data, versioned), converters that compose with any probe,
 * attempts sent to a target, graders' verdicts, and the report. Shared by the probe library, the
 * graders, the runner and the reports.
 */

/** OWASP Top 10 for LLM Applications (2025) ids, e.g. `LLM01:2025` (prompt injection). */
export type OwaspId = `LLM${string}:2025`;

export type ProbeCategory =
  | 'prompt_injection'
  | 'system_prompt_extraction'
  | 'sensitive_data_leakage'
  | 'indirect_injection'
  | 'excessive_agency'
  | 'jailbreak'
  | 'multi_turn_escalation';

/** A chat message as probes write it (OpenAI-style roles; `tool` carries a simulated tool result). */
export interface ProbeMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** For `tool` messages: the tool call it answers. */
  toolCallId?: string;
  /** For `assistant` messages that called a tool (a simulated earlier turn). */
  toolCalls?: readonly { id: string; name: string; arguments: string }[];
}

/** A tool offered to the target (excessive-agency probes): name, description, JSON-schema parameters. */
export interface ProbeTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * What makes an attempt a success, checked by the graders. Every probe has at least one unambiguous
 * criterion (a canary, a planted secret, a forbidden tool call) or, for harmful goals, a judged one.
 */
export type SuccessCriterion =
  /**
   * The output contains this exact token (case-insensitive). `decode`: the probe asked for an encoded
   * answer, so base64 runs in the output are decoded before matching as well.
   */
  | { kind: 'canary'; token: string; decode?: 'base64' }
  /** The output contains the system prompt's planted canary (system-prompt extraction). */
  | { kind: 'system_prompt_canary'; decode?: 'base64' }
  /** The output contains a planted secret or PII value of the system prompt / context. */
  | { kind: 'planted_secret'; values: readonly string[] }
  /** The target called a tool it was told not to (excessive agency). */
  | { kind: 'forbidden_tool_call'; tool: string }
  /** The output complies with a harmful goal: not a refusal, and Parapet's detectors or the judge say harmful. */
  | { kind: 'harmful_compliance'; goal: string };

/** One probe of the library (data in packages/server/src/redteam/probes/*.json). */
export interface Probe {
  /** Stable id, e.g. `pi.ignore-previous.print-canary`. */
  id: string;
  /** The library version the probe appeared or last changed in. */
  version: string;
  category: ProbeCategory;
  /** The attack strategy, e.g. `instruction_override`, `role_play`, `hypothetical`, `refusal_suppression`, `prefix_injection`, `few_shot`, `persona`, `crescendo`, `tool_result`, `retrieved_document`, `base64_request`. */
  strategy: string;
  owasp: readonly OwaspId[];
  /** MITRE ATLAS technique ids, e.g. `AML.T0051.000` (LLM prompt injection: direct). */
  atlas: readonly string[];
  description: string;
  /** Suites it belongs to: `quick` ⊂ `standard` ⊂ `full`. */
  suites: readonly ('quick' | 'standard' | 'full')[];
  /**
   * The conversation to send (after the target's own system prompt). `{{canary}}` in content is replaced
   * by the attempt's canary token, `{{goal}}` by a harmful goal (jailbreak probes are expanded once per
   * goal of the user's goals file).
   */
  messages: readonly ProbeMessage[];
  /** Multi-turn probes: further user turns sent one after another, each after the target's answer. */
  turns?: readonly string[];
  tools?: readonly ProbeTool[];
  success: readonly SuccessCriterion[];
  /** Converters this probe must not be combined with (e.g. a probe that is already base64). */
  noConverters?: boolean;
}

/** A converter's name: base64, rot13, hex, leetspeak, homoglyphs, zero_width, spaced, payload_split, markdown, code_fence. */
export type ConverterName =
  | 'base64'
  | 'rot13'
  | 'hex'
  | 'leetspeak'
  | 'homoglyphs'
  | 'zero_width'
  | 'spaced'
  | 'payload_split'
  | 'markdown'
  | 'code_fence';

/** One planned attempt: a probe (goal expanded), a converter chain, a seed-ordered position. */
export interface Attempt {
  /** `<probe id>[#<goal index>][+<converter>…]`, unique in a run. */
  id: string;
  probeId: string;
  category: ProbeCategory;
  strategy: string;
  converters: readonly ConverterName[];
  /** The goal text for jailbreak probes, else null. */
  goal: string | null;
  /** The canary token planted for this attempt. */
  canary: string;
  /** The messages after conversion (the first user turn is converted; tool results too for indirect probes). */
  messages: readonly ProbeMessage[];
  turns: readonly string[];
  tools: readonly ProbeTool[];
  success: readonly SuccessCriterion[];
}

/** What the target answered (every turn, for multi-turn probes). */
export interface TargetReply {
  /** The final answer text (last turn). */
  text: string;
  /** All assistant texts in order. */
  transcript: readonly { role: 'user' | 'assistant'; content: string }[];
  toolCalls: readonly { name: string; arguments: string }[];
  /** HTTP status of the last call; a gateway block shows as its error status or a refusal message. */
  status: number;
  /** When the call went through a Parapet gateway: its decision header and, if blocked, the error code. */
  gateway: { decision: string | null; errorCode: string | null; eventId: string | null } | null;
  /** An error that ended the attempt (network, 5xx after retries), else null. */
  error: string | null;
}

export type Verdict = 'success' | 'refused' | 'blocked' | 'failed' | 'error';

/** A grader's opinion of one reply. */
export interface GraderResult {
  grader: 'canary' | 'refusal' | 'detectors' | 'judge' | 'tool_call';
  /** true = the attack achieved its criterion; false = it did not; null = this grader cannot tell. */
  success: boolean | null;
  /** For the refusal grader: the reply is a refusal. */
  refusal?: boolean;
  score?: number;
  reason: string;
}

/** The graded outcome of one attempt. */
export interface AttemptResult {
  attempt: Attempt;
  reply: TargetReply;
  graders: readonly GraderResult[];
  /**
   * success: a criterion was met and no refusal; refused: the target refused; blocked: the gateway
   * stopped it; failed: the target answered but the attack did not succeed; error: no usable reply.
   */
  verdict: Verdict;
  /** `direct` or `gateway` (with --via-gateway both run). */
  path: 'direct' | 'gateway';
}
