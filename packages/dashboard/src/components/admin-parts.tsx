/**
 * Small pieces the admin pages (keys, users and tokens, settings) share: the shown-once secret, the
 * confirm dialog, the list of validation issues and the read-only note.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { Session } from '../api.ts';
import { issuePath, issuesOf } from '../pages/admin-types.ts';
import { Dialog, ErrorNotice } from './ui.tsx';
import '../pages/Settings.css';

/**
 * A secret the API answers once (a new key or token): a read-only, copyable field with a warning. The
 * value lives only in the caller's state until `onDismiss`, which must drop it.
 */
export function OnceSecret(props: { title: string; value: string; what: string; onDismiss(): void }) {
  const inputId = useId();
  const ref = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select the text for Ctrl+C.
      ref.current?.select();
      setCopied('no');
    }
  };

  return (
    <section className="card adm-once" aria-labelledby={`${inputId}-title`} data-testid="once-secret">
      <h2 id={`${inputId}-title`}>{props.title}</h2>
      <p className="notice notice-warn adm-text">
        <strong>Copy it now.</strong> This is the only time the {props.what} is shown: the gateway keeps only
        its hash and cannot show it again. Store it in a secrets manager; if it is lost, create a new one and
        revoke this one.
      </p>
      <label className="field" htmlFor={inputId}>
        <span>The {props.what} (read-only)</span>
        <input
          id={inputId}
          ref={ref}
          className="mono adm-secret"
          readOnly
          value={props.value}
          autoComplete="off"
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      <div className="row">
        <button type="button" className="btn btn-primary" onClick={copy}>
          Copy
        </button>
        <button type="button" className="btn" onClick={props.onDismiss}>
          I have stored it, hide it
        </button>
        <span role="status" aria-live="polite" className="small muted">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'no'
              ? 'Selected: press Ctrl+C to copy.'
              : ''}
        </span>
      </div>
    </section>
  );
}

/** A confirmation in a modal dialog; the action's error is shown inside it. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: Error | null;
  /** False keeps the confirm button disabled (a required reason not given yet). */
  ready?: boolean;
  onConfirm(): void;
  onClose(): void;
  children: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (props.busy !== true && props.ready !== false) props.onConfirm();
  };
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <form onSubmit={submit}>
        {props.children}
        <ErrorNotice error={props.error ?? null} />
        <IssueList error={props.error ?? null} />
        <div className="row adm-dialog-actions">
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={props.danger === true ? 'btn btn-danger' : 'btn btn-primary'}
            disabled={props.busy === true || props.ready === false}
          >
            {props.busy === true ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The `issues` of a validation error, one per line (when there is more than the message says). */
export function IssueList(props: { error: Error | null; label?: (path: (string | number)[]) => string }) {
  const issues = issuesOf(props.error);
  if (issues.length < 2 && issues.every((i) => i.suggestion === undefined)) return null;
  return (
    <ul className="adm-issues small">
      {issues.map((i) => (
        <li key={`${issuePath(i.path)}:${i.message}`}>
          <code>{props.label?.(i.path) ?? (issuePath(i.path) || '(body)')}</code>: {i.message}
          {i.suggestion !== undefined && <span className="muted"> ({i.suggestion})</span>}
        </li>
      ))}
    </ul>
  );
}

/** What a role without the write permission sees above a read-only view. */
export function ReadOnlyNote(props: { session: Session; permission: string; what: string }) {
  return (
    <p className="notice notice-info small adm-text" data-testid="read-only-note">
      Read-only: your role (<strong>{props.session.role}</strong>) cannot {props.what} (it needs{' '}
      <code>{props.permission}</code>).
    </p>
  );
}

/** The end of an admin form: the API's error and its issues, then submit (busy while it runs) and cancel. */
export function FormFooter(props: {
  error: Error | null;
  busy: boolean;
  submit: string;
  busyLabel: string;
  onCancel(): void;
}) {
  return (
    <>
      <ErrorNotice error={props.error} />
      <IssueList error={props.error} />
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={props.busy}>
          {props.busy ? props.busyLabel : props.submit}
        </button>
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
