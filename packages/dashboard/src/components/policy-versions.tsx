/**
 * The stored policy versions, newest first: who stored each and when, its comment, whether it is active,
 * and what can be done with it (view, diff against the active one, edit as new, activate).
 */
import { formatAgo, formatTime } from '../format.ts';
import type { PolicySummary } from '../pages/policy-types.ts';
import { href } from '../router.ts';
import { Badge, DataTable } from './ui.tsx';

export function PolicyVersionsTable(props: {
  versions: readonly PolicySummary[];
  /** The version shown in the viewer (marked in the table). */
  selected: number | null;
  hasActive: boolean;
  /** The editor is editable: offer "Edit as new" (policies.write) or "Open in editor" (policies.test). */
  editLabel: string | null;
  canActivate: boolean;
  onEdit(version: number): void;
  onActivate(version: PolicySummary): void;
}) {
  return (
    <DataTable
      caption="Stored policy versions, newest first"
      testId="policy-versions"
      rowTestId="policy-version-row"
      rows={props.versions}
      rowKey={(v) => String(v.version)}
      empty="No policy version is stored yet: the policy of the configuration file applies."
      columns={[
        {
          key: 'version',
          header: 'Version',
          render: (v) => (
            <span className="row nowrap">
              <strong>v{v.version}</strong>
              {v.active && <Badge value="active" tone="good" />}
              {props.selected === v.version && <span className="muted small">(shown below)</span>}
            </span>
          ),
        },
        {
          key: 'stored',
          header: 'Stored',
          render: (v) => (
            <span>
              <span title={formatTime(v.createdAt)}>{formatAgo(v.createdAt)}</span>
              <br />
              <span className="muted small">by {v.author}</span>
            </span>
          ),
        },
        {
          key: 'comment',
          header: 'Comment',
          className: 'policy-comment',
          render: (v) =>
            v.comment === null || v.comment === '' ? <span className="muted">–</span> : v.comment,
        },
        {
          key: 'activated',
          header: 'Last activated',
          render: (v) =>
            v.activatedAt === null ? (
              <span className="muted">never</span>
            ) : (
              <span title={formatTime(v.activatedAt)}>{formatAgo(v.activatedAt)}</span>
            ),
        },
        {
          key: 'actions',
          header: 'Actions',
          render: (v) => (
            <span className="row policy-actions">
              <a
                className="btn btn-small"
                href={href(['policies'], { version: String(v.version) })}
                aria-label={`View version ${v.version}`}
              >
                View
              </a>
              {props.hasActive && !v.active && (
                <a
                  className="btn btn-small"
                  href={href(['policies'], { diff: String(v.version) })}
                  aria-label={`Diff against active (version ${v.version})`}
                >
                  Diff against active
                </a>
              )}
              {props.editLabel !== null && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => props.onEdit(v.version)}
                  aria-label={`${props.editLabel} (version ${v.version})`}
                >
                  {props.editLabel}
                </button>
              )}
              {props.canActivate && !v.active && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => props.onActivate(v)}
                  aria-label={`Activate version ${v.version}`}
                >
                  Activate
                </button>
              )}
            </span>
          ),
        },
      ]}
    />
  );
}
