/**
 * Policy texts and their diffs, as plain text lines with line numbers (React text, never HTML).
 */
import { useApi } from '../hooks.ts';
import { type DiffViewLine, diffStats, parseUnifiedDiff, splitLines } from '../line-diff-view.ts';
import type { PolicyDiff } from '../pages/policy-types.ts';
import { Empty, ErrorNotice, Loading } from './ui.tsx';

const KIND_CLASS: Record<DiffViewLine['kind'], string> = {
  add: 'add',
  del: 'del',
  hunk: 'hunk',
  ctx: 'ctx',
  file: 'diff-file',
  note: 'diff-note',
};

/** `+3 added −1 removed` (the signs and words carry the meaning, not only the colours). */
export function DiffSummary(props: { lines: readonly DiffViewLine[] }) {
  const { added, removed } = diffStats(props.lines);
  return (
    <span className="diff-summary">
      <span className="diff-added">+{added} added</span>{' '}
      <span className="diff-removed">−{removed} removed</span>
    </span>
  );
}

/** A diff as lines: old and new line numbers, then the line with its `+`/`-`/` ` prefix. */
export function DiffLines(props: { lines: readonly DiffViewLine[]; label: string; testId?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
    <section className="code-scroll" aria-label={props.label} tabIndex={0}>
      <pre className="code-block diff" data-testid={props.testId}>
        <span className="code-body">
          {props.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity but their place.
            <span key={i} className={`code-line ${KIND_CLASS[line.kind]}`}>
              <span className="code-no" aria-hidden="true">
                {line.oldNo ?? ''}
              </span>
              <span className="code-no" aria-hidden="true">
                {line.newNo ?? ''}
              </span>
              <span className="code-text">{line.text === '' ? ' ' : line.text}</span>
            </span>
          ))}
        </span>
      </pre>
    </section>
  );
}

/** A policy document with line numbers. */
export function CodeLines(props: { text: string; label: string; testId?: string }) {
  const lines = splitLines(props.text);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
    <section className="code-scroll" aria-label={props.label} tabIndex={0}>
      <pre className="code-block" data-testid={props.testId}>
        <span className="code-body">
          {lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity but their place.
            <span key={i} className="code-line">
              <span className="code-no" aria-hidden="true">
                {i + 1}
              </span>
              <span className="code-text">{line === '' ? ' ' : line}</span>
            </span>
          ))}
        </span>
      </pre>
    </section>
  );
}

/** GET /policies/{version}/diff?against=…, rendered. */
export function VersionDiff(props: { version: number; against: number | 'active'; testId?: string }) {
  const diff = useApi<PolicyDiff>(`/policies/${props.version}/diff`, { against: String(props.against) });
  if (diff.error !== null) return <ErrorNotice error={diff.error} onRetry={diff.reload} />;
  if (diff.data === null) return <Loading label="Loading the diff…" />;
  const lines = parseUnifiedDiff(diff.data.diff);
  const label = `Changes from version ${diff.data.from} to version ${diff.data.to}`;
  return (
    <div className="stack">
      <p className="row">
        <strong>{label}</strong>
        {lines.length > 0 && <DiffSummary lines={lines} />}
      </p>
      {lines.length === 0 ? (
        <Empty>
          {diff.data.from === diff.data.to
            ? 'This is the version it is compared with.'
            : 'The two versions have the same lines.'}
        </Empty>
      ) : (
        <DiffLines lines={lines} label={label} testId={props.testId ?? 'policy-diff'} />
      )}
    </div>
  );
}
