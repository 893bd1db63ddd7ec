/**
 * The policy editor: a plain <textarea> (no wrapping) beside a line-number gutter that marks the lines
 * with problems, and the list of problems, each moving the caret to its line and column.
 */
import { type RefObject, useRef } from 'react';
import { countLines } from '../line-diff-view.ts';
import {
  formatIssuePath,
  issueMessage,
  issuePosition,
  type PolicyIssue,
  sortIssues,
} from '../pages/policy-types.ts';
import { Badge } from './ui.tsx';

export function PolicyTextarea(props: {
  id: string;
  value: string;
  onChange(value: string): void;
  readOnly: boolean;
  /** Line → the worst severity of its problems. */
  marks: ReadonlyMap<number, 'error' | 'warning'>;
  invalid: boolean;
  describedBy?: string;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
  /** The caret moved (offset in the text). */
  onCaret?(offset: number): void;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = countLines(props.value);
  const numbers: number[] = [];
  for (let n = 1; n <= lines; n++) numbers.push(n);
  const caret = (el: HTMLTextAreaElement) => props.onCaret?.(el.selectionStart);
  return (
    <div className={`policy-editor-frame${props.readOnly ? ' is-readonly' : ''}`}>
      <div className="policy-gutter" ref={gutter} aria-hidden="true">
        {numbers.map((n) => {
          const mark = props.marks.get(n);
          return (
            <div key={n} className={mark === undefined ? undefined : `gutter-${mark}`}>
              <span className="gutter-mark">{mark === 'error' ? '✕' : mark === 'warning' ? '!' : ''}</span>
              {n}
            </div>
          );
        })}
      </div>
      <textarea
        id={props.id}
        ref={props.textareaRef}
        data-testid="policy-editor"
        value={props.value}
        readOnly={props.readOnly}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        wrap="off"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        onChange={(e) => {
          props.onChange(e.target.value);
          caret(e.target);
        }}
        onScroll={(e) => {
          if (gutter.current !== null) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onSelect={(e) => caret(e.currentTarget)}
        onClick={(e) => caret(e.currentTarget)}
        onKeyUp={(e) => caret(e.currentTarget)}
      />
    </div>
  );
}

/** Message text with its `code` spans set in monospace (as React text). */
export function IssueText(props: { text: string }) {
  const parts = props.text.split('`');
  // An odd number of backticks leaves the last one as written.
  if (parts.length % 2 === 0) return <>{props.text}</>;
  return (
    <>
      {parts.map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed string.
        i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

/** The problems as buttons `LINE:COL message (did you mean …)`, with their severity. */
export function PolicyProblems(props: {
  issues: readonly PolicyIssue[];
  stale: boolean;
  onGo(issue: PolicyIssue): void;
  id?: string;
}) {
  const sorted = sortIssues(props.issues);
  return (
    <ul
      className={`policy-problems${props.stale ? ' is-stale' : ''}`}
      data-testid="policy-errors"
      id={props.id}
      aria-label="Problems"
    >
      {sorted.map((issue, i) => {
        const at = issuePosition(issue);
        const path = formatIssuePath(issue.path);
        const content = (
          <>
            <Badge value={issue.severity} tone={issue.severity === 'error' ? 'bad' : 'warn'} />{' '}
            {at !== '' && <code className="problem-at">{at}</code>}{' '}
            <span className="problem-message">
              <IssueText text={issueMessage(issue)} />
            </span>
            {path !== '' && (
              <>
                {' '}
                <span className="problem-path muted small">{path}</span>
              </>
            )}
          </>
        );
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: issues may repeat word for word.
          <li key={i} className={`problem problem-${issue.severity}`} data-severity={issue.severity}>
            {issue.line === undefined ? (
              <div className="problem-btn">{content}</div>
            ) : (
              <button
                type="button"
                className="problem-btn"
                title={`Go to line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`}`}
                onClick={() => props.onGo(issue)}
              >
                {content}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
