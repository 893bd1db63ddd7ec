/**
 * Policies: the stored versions (view, diff, activate, roll back), an editor that validates as you type
 * (problems with line and column, each moving the caret there), a simulation of the editor's policy over
 * stored events, and storing the editor's text as the next version.
 */
import {
  type FormEvent,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiError, api, can, type Session } from '../api.ts';
import { CodeLines, DiffLines, DiffSummary, VersionDiff } from '../components/policy-diff.tsx';
import { IssueText, PolicyProblems, PolicyTextarea } from '../components/policy-editor.tsx';
import { SimulationView } from '../components/policy-simulation.tsx';
import { PolicyVersionsTable } from '../components/policy-versions.tsx';
import { Badge, Card, Dialog, Empty, ErrorNotice, Loading, Page, WindowSelect } from '../components/ui.tsx';
import { formatAgo, formatCount, formatTime } from '../format.ts';
import { toError, useAction, useApi, useDebounced } from '../hooks.ts';
import { diffTexts, offsetOf, positionAt } from '../line-diff-view.ts';
import { href, navigate, type Route } from '../router.ts';
import './Policies.css';
import {
  type ActivatedPolicy,
  issueLines,
  issueMessage,
  issuesOf,
  type PolicyDetail,
  type PolicyIssue,
  type PolicyList,
  type PolicySummary,
  type PolicyValidation,
  type SimulationResult,
  type StoredPolicy,
} from './policy-types.ts';

/** The editor's starting point: a stored version's text (null: none is stored, the text starts empty). */
interface EditorBase {
  version: number | null;
  text: string;
}

/** A validation answer and the text it is for. */
interface Checked {
  text: string;
  valid: boolean;
  issues: PolicyIssue[];
}

interface SimulationRun {
  text: string;
  since: string;
  rescan: boolean;
  result: SimulationResult;
  ms: number;
}

interface Notice {
  tone: 'good' | 'warn';
  text: ReactNode;
}

const VERSIONS_PAGE = 100;
const MAX_VERSIONS = 10_000;
const VALIDATE_DELAY_MS = 400;
/** The editor's unsaved text and the last simulation survive opening an event and coming back. */
const DRAFT_KEY = 'parapet.policies.draft';
const SIMULATION_KEY = 'parapet.policies.simulation';

const EMPTY_ISSUE: PolicyIssue = {
  path: [],
  message: 'the policy is empty; write a policy document (YAML or JSON)',
  severity: 'error',
  line: 1,
  column: 1,
};

function readStored(key: string): unknown {
  try {
    const raw = sessionStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  } catch {
    return null;
  }
}

function writeStored(key: string, value: unknown): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the draft lasts while the page is open.
  }
}

function readDraft(): { base: EditorBase; text: string } | null {
  const d = readStored(DRAFT_KEY) as { base?: Partial<EditorBase>; text?: unknown } | null;
  if (d === null || typeof d !== 'object' || typeof d.text !== 'string' || d.base === undefined) return null;
  const { version, text } = d.base;
  if (typeof text !== 'string' || (version !== null && typeof version !== 'number')) return null;
  return { base: { version: version ?? null, text }, text: d.text };
}

function readSimulation(): SimulationRun | null {
  const s = readStored(SIMULATION_KEY) as SimulationRun | null;
  return s !== null && typeof s === 'object' && typeof s.text === 'string' && typeof s.result === 'object'
    ? s
    : null;
}

function versionParam(value: string | null): number | null {
  return value !== null && /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : null;
}

export function PoliciesPage(props: { session: Session; route: Route }) {
  const { session, route } = props;
  const canTest = can(session, 'policies.test');
  const canWrite = can(session, 'policies.write');
  const editable = canTest || canWrite;
  const ids = { editor: useId(), status: useId(), comment: useId(), since: useId(), rollback: useId() };

  const [limit, setLimit] = useState(VERSIONS_PAGE);
  const list = useApi<PolicyList>('/policies', { limit });
  const versions = list.data?.versions ?? [];
  const active = versions.find((v) => v.active) ?? null;
  const [notice, setNotice] = useState<Notice | null>(null);

  // ---------------------------------------------------------------------------------------------------
  // Editor

  const [base, setBase] = useState<EditorBase | null>(null);
  const [text, setText] = useState('');
  const [restored, setRestored] = useState(false);
  const [caret, setCaret] = useState(0);
  const [showChanges, setShowChanges] = useState(false);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const editorCard = useRef<HTMLDivElement>(null);
  const dirty = base !== null && text !== base.text;

  const startFrom = useCallback((next: EditorBase) => {
    setBase(next);
    setText(next.text);
    setRestored(false);
    setCaret(0);
  }, []);

  const loadActive = useAction(async () => {
    try {
      const d = await api<PolicyDetail>('GET', '/policies/active');
      startFrom({ version: d.version, text: d.document });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) startFrom({ version: null, text: '' });
      else throw err;
    }
  });
  const runLoadActive = loadActive.run;

  useEffect(() => {
    const draft = editable ? readDraft() : null;
    if (draft === null) void runLoadActive();
    else {
      setBase(draft.base);
      setText(draft.text);
      setRestored(true);
    }
  }, [editable, runLoadActive]);

  useEffect(() => {
    if (base === null || !editable) return;
    writeStored(DRAFT_KEY, text === base.text ? null : { base, text });
  }, [base, text, editable]);

  const openVersion = useAction(async (version: number) => {
    const d = await api<PolicyDetail>('GET', `/policies/${version}`);
    startFrom({ version: d.version, text: d.document });
    editorCard.current?.scrollIntoView({ block: 'start' });
    textareaRef.current?.focus({ preventScroll: true });
    textareaRef.current?.setSelectionRange(0, 0);
  });

  /** Something that replaces the editor's text, waiting for a confirmation when there are unsaved changes. */
  const [pendingReplace, setPendingReplace] = useState<{ what: string; run(): void } | null>(null);
  const replaceEditor = (what: string, run: () => void) => {
    if (dirty) setPendingReplace({ what, run });
    else run();
  };

  // ---------------------------------------------------------------------------------------------------
  // Validation: as you type (debounced) and on demand.

  const [checked, setChecked] = useState<Checked | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<Error | null>(null);
  const checkAbort = useRef<AbortController | null>(null);
  const checkedText = useRef<string | null>(null);
  checkedText.current = checked?.text ?? null;

  const validate = useCallback(async (doc: string) => {
    checkAbort.current?.abort();
    checkAbort.current = null;
    setCheckError(null);
    if (doc.trim() === '') {
      setChecking(false);
      setChecked({ text: doc, valid: false, issues: [EMPTY_ISSUE] });
      return;
    }
    const abort = new AbortController();
    checkAbort.current = abort;
    setChecking(true);
    try {
      const r = await api<PolicyValidation>('POST', '/policies/validate', {
        body: { document: doc },
        signal: abort.signal,
      });
      if (checkAbort.current === abort) setChecked({ text: doc, valid: r.valid, issues: r.issues });
    } catch (err) {
      if (checkAbort.current === abort) setCheckError(toError(err));
    } finally {
      if (checkAbort.current === abort) {
        checkAbort.current = null;
        setChecking(false);
      }
    }
  }, []);
  useEffect(() => () => checkAbort.current?.abort(), []);

  const settled = useDebounced(text, VALIDATE_DELAY_MS);
  useEffect(() => {
    if (!canTest || base === null || settled !== text || checkedText.current === settled) return;
    void validate(settled);
  }, [canTest, base, settled, text, validate]);

  const issues = checked?.issues ?? [];
  const stale = checked !== null && checked.text !== text;
  const errorCount = issues.filter((i) => i.severity === 'error').length;
  const warningCount = issues.length - errorCount;
  const knownInvalid = !stale && checked !== null && !checked.valid;
  const marks = useMemo(() => issueLines(issues), [issues]);

  const goTo = (issue: PolicyIssue) => {
    const ta = textareaRef.current;
    if (ta === null || issue.line === undefined) return;
    const offset = offsetOf(ta.value, issue.line, issue.column ?? 1);
    ta.focus({ preventScroll: true });
    ta.setSelectionRange(offset, offset);
    const lineHeight = Number.parseFloat(getComputedStyle(ta).lineHeight) || 20;
    const top = (issue.line - 1) * lineHeight;
    if (top < ta.scrollTop || top > ta.scrollTop + ta.clientHeight - 2 * lineHeight) {
      ta.scrollTop = Math.max(0, top - ta.clientHeight / 3);
    }
    if ((issue.column ?? 1) < 40) ta.scrollLeft = 0;
    ta.scrollIntoView({ block: 'nearest' });
    setCaret(offset);
  };

  // ---------------------------------------------------------------------------------------------------
  // Simulation of the editor's text

  const [since, setSince] = useState('7d');
  const [rescan, setRescan] = useState(false);
  const [simulation, setSimulation] = useState<SimulationRun | null>(() =>
    canTest ? readSimulation() : null,
  );
  const [simulating, setSimulating] = useState(false);
  const [simulateError, setSimulateError] = useState<Error | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const simulateAbort = useRef<AbortController | null>(null);
  useEffect(() => () => simulateAbort.current?.abort(), []);
  useEffect(() => {
    if (!simulating) return;
    const started = Date.now();
    setElapsed(0);
    const timer = setInterval(() => setElapsed(Math.round((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [simulating]);

  const simulate = async (e: FormEvent) => {
    e.preventDefault();
    simulateAbort.current?.abort();
    const abort = new AbortController();
    simulateAbort.current = abort;
    const doc = text;
    const started = performance.now();
    setSimulating(true);
    setSimulateError(null);
    try {
      const result = await api<SimulationResult>('POST', '/policies/simulate', {
        body: { document: doc, since, rescan },
        signal: abort.signal,
      });
      const run = { text: doc, since, rescan, result, ms: performance.now() - started };
      setSimulation(run);
      writeStored(SIMULATION_KEY, run);
    } catch (err) {
      if (abort.signal.aborted) return;
      setSimulateError(toError(err));
      const found = err instanceof ApiError ? issuesOf(err.details) : null;
      if (found !== null && found.length > 0) setChecked({ text: doc, valid: false, issues: found });
    } finally {
      if (simulateAbort.current === abort) {
        simulateAbort.current = null;
        setSimulating(false);
      }
    }
  };
  const cancelSimulation = () => {
    simulateAbort.current?.abort();
    simulateAbort.current = null;
    setSimulating(false);
  };

  // ---------------------------------------------------------------------------------------------------
  // Storing, activating, rolling back

  const [comment, setComment] = useState('');
  const [activateNow, setActivateNow] = useState(false);
  const save = useAction(async (doc: string, why: string, activate: boolean) => {
    try {
      return await api<StoredPolicy>('POST', '/policies', {
        body: { document: doc, activate, ...(why === '' ? {} : { comment: why }) },
      });
    } catch (err) {
      const found = err instanceof ApiError ? issuesOf(err.details) : null;
      if (found !== null && found.length > 0) setChecked({ text: doc, valid: false, issues: found });
      throw err;
    }
  });
  const onSave = async (e: FormEvent) => {
    e.preventDefault();
    const doc = text;
    const stored = await save.run(doc, comment.trim(), activateNow);
    if (stored === undefined) return;
    startFrom({ version: stored.version, text: stored.document });
    setChecked({ text: stored.document, valid: true, issues: stored.warnings });
    setComment('');
    setActivateNow(false);
    writeStored(DRAFT_KEY, null);
    const warned = stored.warnings.length;
    setNotice({
      tone: warned > 0 ? 'warn' : 'good',
      text: (
        <>
          Stored as <strong>version {stored.version}</strong>
          {stored.active
            ? ', now active: it decides new requests from now on.'
            : '. It is not active: activate it from the table when ready.'}
          {warned > 0 &&
            ` It has ${formatCount(warned)} warning${warned === 1 ? '' : 's'} (listed under the editor).`}
        </>
      ),
    });
    list.reload();
  };

  const afterActivation = (r: ActivatedPolicy, what: string) => {
    setNotice({
      tone: 'good',
      text: (
        <>
          {what}: <strong>version {r.version}</strong> is now active
          {r.previousVersion !== null && r.previousVersion !== r.version
            ? ` (it replaces version ${r.previousVersion}).`
            : '.'}
        </>
      ),
    });
    list.reload();
    if (!dirty) startFrom({ version: r.version, text: r.document });
  };

  const [activateTarget, setActivateTarget] = useState<PolicySummary | null>(null);
  const activation = useAction((version: number) =>
    api<ActivatedPolicy>('POST', `/policies/${version}/activate`),
  );
  const confirmActivate = async (e: FormEvent) => {
    e.preventDefault();
    if (activateTarget === null) return;
    const r = await activation.run(activateTarget.version);
    if (r === undefined) return;
    setActivateTarget(null);
    afterActivation(r, 'Activated');
  };

  const [rollbackOpen, setRollbackOpen] = useState(false);
  const rollback = useAction(() => api<ActivatedPolicy>('POST', '/policies/rollback'));
  /** The version active before the current one: the latest activation of another version. */
  const rollbackTo = useMemo(() => {
    let best: PolicySummary | null = null;
    for (const v of versions) {
      if (v.active || v.activatedAt === null) continue;
      if (best === null || (best.activatedAt ?? '') < v.activatedAt) best = v;
    }
    return best;
  }, [versions]);
  const confirmRollback = async (e: FormEvent) => {
    e.preventDefault();
    const r = await rollback.run();
    if (r === undefined) return;
    setRollbackOpen(false);
    afterActivation(r, 'Rolled back');
  };

  // ---------------------------------------------------------------------------------------------------
  // The viewer: `#/policies?version=3` shows a version, `#/policies?diff=3&against=active|2` a diff.

  const viewVersion = versionParam(route.params.get('version'));
  const diffVersion = viewVersion === null ? versionParam(route.params.get('diff')) : null;
  const against = versionParam(route.params.get('against')) ?? 'active';
  const viewed = useApi<PolicyDetail>(viewVersion === null ? null : `/policies/${viewVersion}`);
  const viewer = useRef<HTMLDivElement>(null);
  const viewKey = viewVersion !== null ? `v${viewVersion}` : diffVersion !== null ? `d${diffVersion}` : '';
  useEffect(() => {
    if (viewKey === '' || viewer.current === null) return;
    viewer.current.scrollIntoView({ block: 'start' });
    viewer.current.focus({ preventScroll: true });
  }, [viewKey]);

  const editLabel = canWrite ? 'Edit as new' : canTest ? 'Open in editor' : null;
  const onEdit = (version: number) =>
    replaceEditor(`Opening version ${version} in the editor`, () => void openVersion.run(version));

  const draftChanges = useMemo(
    () => (showChanges && base !== null ? diffTexts(base.text, text) : []),
    [showChanges, base, text],
  );
  const position = positionAt(text, caret);
  const baseLabel =
    base === null
      ? ''
      : base.version === null
        ? 'a new policy (no version is stored yet)'
        : `version ${base.version}${active?.version === base.version ? ' (active)' : ''}`;

  return (
    <Page
      title="Policies"
      subtitle={
        active === null ? (
          list.data === null ? undefined : (
            'No policy version is active: the policy of the configuration file applies.'
          )
        ) : (
          <>
            Active: <strong>version {active.version}</strong>
            {active.activatedAt !== null && (
              <>
                , activated{' '}
                <span title={formatTime(active.activatedAt)}>{formatAgo(active.activatedAt)}</span>
              </>
            )}
            . Changes apply to new requests at once.
          </>
        )
      }
      actions={
        canWrite && active !== null ? (
          <>
            <button
              type="button"
              className="btn"
              data-testid="policy-rollback"
              disabled={rollbackTo === null}
              aria-describedby={rollbackTo === null ? ids.rollback : undefined}
              onClick={() => {
                rollback.clear();
                setRollbackOpen(true);
              }}
            >
              Roll back…
            </button>
            {rollbackTo === null && (
              <span id={ids.rollback} className="muted small">
                No earlier active version to roll back to.
              </span>
            )}
          </>
        ) : undefined
      }
    >
      {notice !== null && (
        <div
          className={`notice ${notice.tone === 'good' ? 'policy-notice-good' : 'notice-warn'}`}
          role="status"
          data-testid="policy-notice"
        >
          <span aria-hidden="true">{notice.tone === 'good' ? '✓' : '!'}</span>
          <span>{notice.text}</span>
          <button type="button" className="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {!canWrite && (
        <p className="notice notice-info" data-testid="policy-readonly-note">
          <span>
            Your role ({session.role}) does not have <code>policies.write</code>: you can view and compare
            versions, not store, activate or roll them back.
          </span>
        </p>
      )}

      <Card
        className="policy-card"
        title={`Versions${list.data === null ? '' : ` (${formatCount(versions.length)})`}`}
        actions={
          <button type="button" className="btn btn-small" onClick={list.reload} disabled={list.loading}>
            Refresh
          </button>
        }
      >
        <ErrorNotice error={list.error} onRetry={list.reload} />
        {list.data === null ? (
          list.error === null && <Loading label="Loading versions…" />
        ) : (
          <PolicyVersionsTable
            versions={versions}
            selected={viewVersion ?? diffVersion}
            hasActive={active !== null}
            editLabel={editable ? editLabel : null}
            canActivate={canWrite}
            onEdit={onEdit}
            onActivate={(v) => {
              activation.clear();
              setActivateTarget(v);
            }}
          />
        )}
        {list.data !== null && versions.length === limit && limit < MAX_VERSIONS && (
          <p className="row">
            <span className="muted small">Showing the newest {formatCount(limit)} versions.</span>
            <button type="button" className="btn btn-small" onClick={() => setLimit(MAX_VERSIONS)}>
              Show all
            </button>
          </p>
        )}
        <ErrorNotice error={openVersion.error} />
      </Card>

      {viewKey !== '' && (
        <div ref={viewer} tabIndex={-1} className="policy-viewer">
          {viewVersion !== null ? (
            <Card
              className="policy-card"
              title={`Version ${viewVersion}`}
              actions={
                <a className="btn btn-small" href={href(['policies'])}>
                  Close
                </a>
              }
            >
              <ErrorNotice error={viewed.error} onRetry={viewed.reload} />
              {viewed.data === null ? (
                viewed.error === null && <Loading label={`Loading version ${viewVersion}…`} />
              ) : (
                <div className="stack" data-testid="policy-view">
                  <dl className="policy-meta">
                    <div>
                      <dt>Status</dt>
                      <dd>
                        {viewed.data.active ? (
                          <Badge value="active" tone="good" />
                        ) : (
                          <Badge value="not active" tone="neutral" />
                        )}
                      </dd>
                    </div>
                    <div>
                      <dt>Stored</dt>
                      <dd>
                        {formatTime(viewed.data.createdAt)} by {viewed.data.author}
                      </dd>
                    </div>
                    <div>
                      <dt>Last activated</dt>
                      <dd>
                        {viewed.data.activatedAt === null ? 'never' : formatTime(viewed.data.activatedAt)}
                      </dd>
                    </div>
                    <div>
                      <dt>Comment</dt>
                      <dd>{viewed.data.comment ?? '–'}</dd>
                    </div>
                  </dl>
                  <div className="row">
                    {active !== null && !viewed.data.active && (
                      <a className="btn btn-small" href={href(['policies'], { diff: String(viewVersion) })}>
                        Diff against active
                      </a>
                    )}
                    {editable && editLabel !== null && (
                      <button type="button" className="btn btn-small" onClick={() => onEdit(viewVersion)}>
                        {editLabel}
                      </button>
                    )}
                    {canWrite && !viewed.data.active && (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => {
                          const v = versions.find((x) => x.version === viewVersion) ?? viewed.data;
                          if (v === null) return;
                          activation.clear();
                          setActivateTarget(v);
                        }}
                      >
                        Activate…
                      </button>
                    )}
                  </div>
                  <CodeLines
                    text={viewed.data.document}
                    label={`Policy version ${viewVersion}`}
                    testId="policy-document"
                  />
                </div>
              )}
            </Card>
          ) : diffVersion !== null ? (
            <Card
              className="policy-card"
              title={`Diff of version ${diffVersion}`}
              actions={
                <a className="btn btn-small" href={href(['policies'])}>
                  Close
                </a>
              }
            >
              <div className="stack">
                <label className="inline-field">
                  <span>Compare with</span>
                  <select
                    value={String(against)}
                    onChange={(e) =>
                      navigate(
                        href(['policies'], {
                          diff: String(diffVersion),
                          against: e.target.value === 'active' ? undefined : e.target.value,
                        }),
                        true,
                      )
                    }
                  >
                    <option value="active">
                      the active version{active === null ? '' : ` (version ${active.version})`}
                    </option>
                    {versions
                      .filter((v) => v.version !== diffVersion)
                      .map((v) => (
                        <option key={v.version} value={String(v.version)}>
                          version {v.version}
                          {v.comment === null || v.comment === '' ? '' : ` – ${v.comment.slice(0, 60)}`}
                        </option>
                      ))}
                  </select>
                </label>
                <VersionDiff version={diffVersion} against={against} />
              </div>
            </Card>
          ) : null}
        </div>
      )}

      <div ref={editorCard} className="policy-editor-card">
        <Card
          title={editable ? 'Editor' : 'Active policy'}
          actions={
            editable && base !== null ? (
              <div className="row">
                <button
                  type="button"
                  className="btn btn-small"
                  aria-pressed={showChanges}
                  onClick={() => setShowChanges((s) => !s)}
                  data-testid="policy-show-changes"
                >
                  {showChanges ? 'Hide changes' : 'Review changes'}
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={!dirty}
                  onClick={() => replaceEditor('Discarding the changes', () => startFrom(base))}
                >
                  Discard changes
                </button>
              </div>
            ) : undefined
          }
        >
          {!canTest && (
            <p className="notice notice-info" data-testid="policy-test-note">
              <span>
                Your role ({session.role}) does not have <code>policies.test</code>, so policies cannot be
                validated or simulated here.
                {canWrite
                  ? ' Saving still checks the policy: when it is refused, its problems are listed here.'
                  : ''}
              </span>
            </p>
          )}
          {restored && base !== null && (
            <p className="notice notice-info">
              <span>Restored your unsaved changes from this browser session (based on {baseLabel}).</span>
              <button type="button" className="btn btn-small" onClick={() => void runLoadActive()}>
                Discard and start from the active policy
              </button>
            </p>
          )}
          <ErrorNotice error={loadActive.error} onRetry={() => void runLoadActive()} />
          {base === null ? (
            loadActive.error === null && <Loading label="Loading the active policy…" />
          ) : (
            <div className="stack">
              <div className="row policy-editor-head">
                <label htmlFor={ids.editor}>
                  <strong>Policy (YAML or JSON)</strong>
                </label>
                <span className="muted small">
                  {editable ? 'Based on ' : 'Read-only: '}
                  {baseLabel}
                  {dirty && (
                    <>
                      {' · '}
                      <Badge value="modified" tone="info" />
                    </>
                  )}
                </span>
              </div>
              <PolicyTextarea
                id={ids.editor}
                value={text}
                onChange={(value) => {
                  setText(value);
                  if (save.error !== null) save.clear();
                  if (simulateError !== null) setSimulateError(null);
                }}
                readOnly={!editable}
                marks={marks}
                invalid={knownInvalid}
                describedBy={ids.status}
                textareaRef={textareaRef}
                onCaret={setCaret}
              />
              <div className="row policy-statusbar">
                <span className="muted small" aria-live="off">
                  Line {position.line}, column {position.column}
                </span>
                <span id={ids.status} className="policy-check-status" role="status" aria-live="polite">
                  {canTest &&
                    (checking || stale || (checked === null && checkError === null) ? (
                      <span className="muted">Checking…</span>
                    ) : checked === null ? null : checked.valid ? (
                      <span className="policy-valid" data-testid="policy-valid">
                        <span aria-hidden="true">✓ </span>
                        Valid
                        {warningCount > 0
                          ? `, with ${formatCount(warningCount)} warning${warningCount === 1 ? '' : 's'}`
                          : ': no problems found'}
                      </span>
                    ) : (
                      <span className="policy-invalid" data-testid="policy-invalid">
                        <span aria-hidden="true">✕ </span>
                        Not valid: {formatCount(errorCount)} error{errorCount === 1 ? '' : 's'}
                        {warningCount > 0 &&
                          `, ${formatCount(warningCount)} warning${warningCount === 1 ? '' : 's'}`}
                      </span>
                    ))}
                  {!canTest && knownInvalid && (
                    <span className="policy-invalid" data-testid="policy-invalid">
                      Refused: {formatCount(errorCount)} error{errorCount === 1 ? '' : 's'}
                    </span>
                  )}
                </span>
                {canTest && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="policy-validate"
                    onClick={() => void validate(text)}
                  >
                    Validate
                  </button>
                )}
              </div>
              <ErrorNotice error={checkError} onRetry={() => void validate(text)} />
              {issues.length > 0 && <PolicyProblems issues={issues} stale={stale} onGo={goTo} />}
              {showChanges && (
                <div className="stack" data-testid="policy-draft-diff">
                  {draftChanges.length === 0 ? (
                    <Empty>No changes from {baseLabel}.</Empty>
                  ) : (
                    <>
                      <p className="row">
                        <strong>Changes from {baseLabel}</strong>
                        <DiffSummary lines={draftChanges} />
                      </p>
                      <DiffLines lines={draftChanges} label={`Changes in the editor from ${baseLabel}`} />
                    </>
                  )}
                </div>
              )}
              {canWrite && (
                <form className="policy-save" onSubmit={onSave} data-testid="policy-save-form">
                  <h3 className="subheading">Save as a new version</h3>
                  <label className="field" htmlFor={ids.comment}>
                    <span>Comment (why this change; shown in the history)</span>
                    <input
                      id={ids.comment}
                      data-testid="policy-comment"
                      value={comment}
                      maxLength={1000}
                      onChange={(e) => setComment(e.target.value)}
                      placeholder="e.g. Block secrets in output too (ticket SEC-142)"
                    />
                  </label>
                  <label className="row">
                    <input
                      type="checkbox"
                      data-testid="policy-activate-now"
                      checked={activateNow}
                      onChange={(e) => setActivateNow(e.target.checked)}
                    />
                    <span>Activate now (it decides new requests as soon as it is stored)</span>
                  </label>
                  <div className="row">
                    <button
                      type="submit"
                      className={`btn ${activateNow ? 'btn-danger' : 'btn-primary'}`}
                      data-testid="policy-save"
                      disabled={save.busy || text.trim() === ''}
                    >
                      {save.busy ? 'Saving…' : activateNow ? 'Save and activate' : 'Save as new version'}
                    </button>
                    {!dirty && base.version !== null && (
                      <span className="muted small">The text is the same as version {base.version}.</span>
                    )}
                    {knownInvalid && (
                      <span className="muted small">The policy has errors: the gateway will refuse it.</span>
                    )}
                  </div>
                  <ErrorNotice error={save.error} />
                </form>
              )}
            </div>
          )}
        </Card>
      </div>

      {canTest && base !== null && (
        <Card title="Simulate">
          <form className="stack" onSubmit={simulate}>
            <p className="muted small">
              Replays stored events against the editor's policy (saved or not) and counts the decisions that
              would change. Nothing is stored or enforced.
            </p>
            <div className="filters">
              <WindowSelect id={ids.since} value={since} onChange={setSince} />
              <label className="row">
                <input type="checkbox" checked={rescan} onChange={(e) => setRescan(e.target.checked)} />
                <span>Re-run the detectors on stored content (slower; where content is kept)</span>
              </label>
              <button
                type="submit"
                className="btn btn-primary"
                data-testid="policy-simulate"
                disabled={simulating || text.trim() === '' || knownInvalid}
              >
                {simulating ? 'Simulating…' : 'Simulate'}
              </button>
              {simulating && (
                <button type="button" className="btn" onClick={cancelSimulation}>
                  Cancel
                </button>
              )}
            </div>
            {knownInvalid && !simulating && (
              <p className="muted small">
                Fix the policy's errors first: only a valid policy can be simulated.
              </p>
            )}
          </form>
          {simulating && (
            <Loading
              label={`Replaying stored events… ${elapsed} s (a long window with many events can take a while).`}
            />
          )}
          <ErrorNotice error={simulateError} />
          {simulation !== null && !simulating && (
            <SimulationView result={simulation.result} ms={simulation.ms} stale={simulation.text !== text} />
          )}
          {simulation === null && !simulating && simulateError === null && (
            <Empty>No simulation yet: pick a window and run one.</Empty>
          )}
        </Card>
      )}

      <Dialog
        open={activateTarget !== null}
        title={activateTarget === null ? 'Activate' : `Activate version ${activateTarget.version}?`}
        onClose={() => setActivateTarget(null)}
      >
        {activateTarget !== null && (
          <form className="policy-dialog" onSubmit={confirmActivate} data-testid="policy-activate-dialog">
            <p>
              Version {activateTarget.version} will decide every new request on this gateway
              {active === null ? '' : `, replacing version ${active.version}`}. Other replicas follow within
              their policy refresh interval. It is checked against this deployment first.
            </p>
            {active !== null && (
              <details>
                <summary>Changes from the active version</summary>
                <VersionDiff
                  version={activateTarget.version}
                  against="active"
                  testId="policy-activate-diff"
                />
              </details>
            )}
            <ErrorNotice error={activation.error} />
            {activation.error instanceof ApiError && <ProblemsOf error={activation.error} />}
            <div className="row">
              <button
                type="submit"
                className="btn btn-danger"
                data-testid="policy-activate-confirm"
                disabled={activation.busy}
              >
                {activation.busy ? 'Activating…' : `Activate version ${activateTarget.version}`}
              </button>
              <button type="button" className="btn" onClick={() => setActivateTarget(null)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </Dialog>

      <Dialog open={rollbackOpen} title="Roll back the active policy?" onClose={() => setRollbackOpen(false)}>
        {rollbackOpen && (
          <form className="policy-dialog" onSubmit={confirmRollback} data-testid="policy-rollback-dialog">
            <p>
              {active !== null && rollbackTo !== null ? (
                <>
                  Version {active.version} stops deciding requests;{' '}
                  <strong>version {rollbackTo.version}</strong>, the version active before it
                  {rollbackTo.activatedAt === null
                    ? ''
                    : ` (last activated ${formatTime(rollbackTo.activatedAt)})`}
                  , becomes active again.
                </>
              ) : (
                'The version that was active before the current one becomes active again.'
              )}
            </p>
            {rollbackTo !== null && (
              <details>
                <summary>Changes from the active version</summary>
                <VersionDiff version={rollbackTo.version} against="active" testId="policy-rollback-diff" />
              </details>
            )}
            <ErrorNotice error={rollback.error} />
            {rollback.error instanceof ApiError && <ProblemsOf error={rollback.error} />}
            <div className="row">
              <button
                type="submit"
                className="btn btn-danger"
                data-testid="policy-rollback-confirm"
                disabled={rollback.busy}
              >
                {rollback.busy
                  ? 'Rolling back…'
                  : rollbackTo === null
                    ? 'Roll back'
                    : `Roll back to version ${rollbackTo.version}`}
              </button>
              <button type="button" className="btn" onClick={() => setRollbackOpen(false)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </Dialog>

      <Dialog
        open={pendingReplace !== null}
        title="Discard the unsaved changes?"
        onClose={() => setPendingReplace(null)}
      >
        {pendingReplace !== null && (
          <form
            className="policy-dialog"
            onSubmit={(e) => {
              e.preventDefault();
              const next = pendingReplace;
              setPendingReplace(null);
              next.run();
            }}
          >
            <p>
              The editor has changes that are not stored as a version. {pendingReplace.what} replaces them.
            </p>
            <div className="row">
              <button type="submit" className="btn btn-danger">
                Discard them
              </button>
              <button type="button" className="btn" onClick={() => setPendingReplace(null)}>
                Keep editing
              </button>
            </div>
          </form>
        )}
      </Dialog>
    </Page>
  );
}

/** The problems an activation refusal lists (the stored version no longer validates here). */
function ProblemsOf(props: { error: ApiError }) {
  const found = issuesOf(props.error.details);
  if (found === null || found.length === 0) return null;
  return (
    <ul className="policy-problems">
      {found.map((issue, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: issues may repeat word for word.
        <li key={i} className={`problem problem-${issue.severity}`}>
          <span className="problem-btn">
            <Badge value={issue.severity} tone={issue.severity === 'error' ? 'bad' : 'warn'} />{' '}
            {issue.line !== undefined && (
              <code className="problem-at">{`${issue.line}:${issue.column ?? 1}`}</code>
            )}{' '}
            <span className="problem-message">
              <IssueText text={issueMessage(issue)} />
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}
