/**
 * Closing the loop: red-team findings as policy regression tests, and replays of earlier findings.
 *
 * `--export-cases FILE` writes `parapet policy test` cases (the format of examples/policy-cases.yaml):
 * - an attack the gateway blocked: `expect: {action: block, rule: <the rule that blocked it>}`, a
 *   regression test that the policy keeps catching it;
 * - an attack that got through: `expect: {action: block}`, a test that fails until the policy catches
 *   it (then pin the rule).
 * The case's `input` is the attack as the model saw it (user turns and simulated tool results, converted),
 * which `parapet policy test` runs through the configured detectors.
 *
 * `--replay FILE` reads a JSON report (`--json` output or the `report.json` of `--out`) and returns the
 * attempts that succeeded, to be sent again to a new model or through a new policy.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { gatewayDecision, REPORT_FORMAT, type RedteamReport, type ReportResult } from './report.ts';
import type { Attempt } from './types.ts';

export interface ExportedCase {
  name: string;
  input: string;
  expect: { action: 'block'; rule?: string };
}

/** The text a policy should catch: the attack's user turns and tool results. */
export function attackText(attempt: Attempt): string {
  const parts = attempt.messages.filter((m) => m.role === 'user' || m.role === 'tool').map((m) => m.content);
  parts.push(...attempt.turns);
  return parts.join('\n\n');
}

/** The cases for a report: attacks that got through and attacks the gateway blocked, deduplicated. */
export function casesFromReport(report: RedteamReport): ExportedCase[] {
  const cases: ExportedCase[] = [];
  const seen = new Set<string>();
  const gatewayRun = report.gateway !== null;
  const add = (r: ReportResult, kind: 'blocked' | 'got through', rule: string | null) => {
    const input = attackText(r.attempt);
    if (input.trim() === '' || seen.has(input)) return;
    seen.add(input);
    cases.push({
      name: `redteam ${r.attempt.id} (${kind}${r.path === 'gateway' ? ' through Parapet' : ' directly'})`,
      input,
      expect: { action: 'block', ...(rule === null ? {} : { rule }) },
    });
  };
  for (const r of report.results) {
    if (r.path === 'gateway' && r.verdict === 'blocked') add(r, 'blocked', gatewayDecision(r.reply).rule);
  }
  for (const r of report.results) {
    if (r.verdict !== 'success') continue;
    // With a gateway run, what got through is what got through the gateway.
    if (gatewayRun && r.path === 'direct') continue;
    add(r, 'got through', null);
  }
  return cases;
}

/** The cases file (YAML), with a header saying where it came from. */
export function renderCasesYaml(report: RedteamReport, cases = casesFromReport(report)): string {
  const model = report.direct.target.model;
  const header = [
    `# Red-team findings as policy regression tests (parapet redteam, ${report.generatedAt}, model ${model}).`,
    '#   npx parapet policy test parapet.yaml --cases THIS_FILE',
    '# Cases with a rule were blocked by that rule: they keep it blocking. Cases without a rule got through:',
    '# they fail until the policy blocks them (then add the rule to pin it).',
    '',
  ].join('\n');
  if (cases.length === 0) return `${header}# No attack got through or was blocked.\n[]\n`;
  return header + stringify(cases, { lineWidth: 0 });
}

/** The successful attempts of a JSON report, for `--replay` (deduplicated by attempt id). */
export function replayAttempts(file: string): Attempt[] {
  let report: RedteamReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as RedteamReport;
  } catch (error) {
    throw new Error(`cannot read the report ${file}: ${(error as Error).message}`);
  }
  if (report?.format !== REPORT_FORMAT || !Array.isArray(report.results))
    throw new Error(`${file} is not a JSON report of parapet redteam (expected format ${REPORT_FORMAT})`);
  const attempts = new Map<string, Attempt>();
  for (const r of report.results)
    if (r.verdict === 'success' && !attempts.has(r.attempt.id)) attempts.set(r.attempt.id, r.attempt);
  return [...attempts.values()];
}
