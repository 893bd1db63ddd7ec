/**
 * One interaction (`#/events/<id>`): who sent it where, the conversation message by message with every
 * finding highlighted by family (redacted by default), the decision trace (which rule fired, on which
 * findings, which detectors failed or timed out), latency and tokens, reviewer labels, and, for a role
 * with `content.reveal`, the audited reveal of the unredacted content. Every piece of content is React
 * text: a `<script>` in a prompt shows as those characters.
 */
import { type FormEvent, useId, useMemo, useState } from 'react';
import { api, can, type Session } from '../api.ts';
import { type FindingLookup, formatScore, HighlightedText, showMark } from '../components/highlight.tsx';
import { Badge, Card, Dialog, ErrorNotice, FamilyChip, Loading, Mono, Page } from '../components/ui.tsx';
import { formatAgo, formatCost, formatCount, formatMs, formatTime } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { href, type Route } from '../router.ts';
import {
  type Decision,
  type Direction,
  type EventDetail,
  type EventLabel,
  type FindingView,
  familyLabel,
  LABEL_PATTERN,
  type RevealedEvent,
  type SegmentView,
  SUGGESTED_LABELS,
  sourceLabel,
  UNAVAILABLE_REASONS,
} from './event-types.ts';
import './Activity.css';

export function EventDetailPage(props: { session: Session; route: Route }) {
  const id = props.route.parts[1] ?? '';
  // A fresh page (and no revealed content carried over) for each event.
  return <Detail key={id} id={id} session={props.session} />;
}

function Detail(props: { id: string; session: Session }) {
  const { id, session } = props;
  const ev = useApi<EventDetail>(`/events/${encodeURIComponent(id)}`);
  const [revealed, setRevealed] = useState<{ data: RevealedEvent; at: string; reason: string } | null>(null);

  const back = (
    <a className="btn btn-small" href={href(['activity'])}>
      ← Activity
    </a>
  );
  if (ev.data === null) {
    return (
      <Page title="Interaction" subtitle={<Mono max={64}>{id}</Mono>} actions={back}>
        {ev.error !== null ? <ErrorNotice error={ev.error} onRetry={ev.reload} /> : <Loading />}
      </Page>
    );
  }
  const e = ev.data;
  return (
    <Page
      title="Interaction"
      subtitle={
        <>
          {formatTime(e.time)} · <Mono max={64}>{e.id}</Mono>
        </>
      }
      actions={
        <>
          {back}
          {e.principal.user !== null && (
            <a className="btn btn-small" href={href(['activity'], { user: e.principal.user })}>
              More from this user
            </a>
          )}
          {e.principal.app !== null && (
            <a className="btn btn-small" href={href(['activity'], { app: e.principal.app })}>
              More from this app
            </a>
          )}
        </>
      }
    >
      <ErrorNotice error={ev.error} onRetry={ev.reload} />
      <Summary e={e} />
      <div className="evt-layout">
        <div className="evt-side">
          <Conversation e={e} session={session} revealed={revealed !== null} onRevealed={setRevealed} />
          {revealed !== null && (
            <Revealed revealed={revealed} e={e} session={session} onHide={() => setRevealed(null)} />
          )}
          <FindingsTable e={e} />
        </div>
        <div className="evt-side">
          <Trace e={e} />
          <LatencyCard e={e} />
          <Labels e={e} session={session} onChange={ev.reload} />
        </div>
      </div>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------------
// Summary

function Fact(props: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

const VIA: Readonly<Record<string, string>> = {
  key: 'virtual key',
  'trusted-header': 'trusted identity header',
  anonymous: 'anonymous',
};

function Summary(props: { e: EventDetail }) {
  const { e } = props;
  const p = e.principal;
  const routed = e.modelServed !== null && e.modelRequested !== null && e.modelServed !== e.modelRequested;
  return (
    <Card title="Summary">
      <dl className="evt-facts">
        <Fact label="Decision">
          <Badge value={e.action} />
          <span className="muted small">
            {' '}
            input {e.decisions.input?.action ?? '–'} · output {e.decisions.output?.action ?? '–'}
          </span>
        </Fact>
        <Fact label="Time">
          {formatTime(e.time)} <span className="muted small">({formatAgo(e.time)})</span>
        </Fact>
        <Fact label="User">{p.user ?? <span className="muted">none ({VIA[p.via] ?? p.via})</span>}</Fact>
        <Fact label="Groups">
          {p.groups.length > 0 ? p.groups.join(', ') : <span className="muted">–</span>}
        </Fact>
        <Fact label="App">{p.app ?? <span className="muted">–</span>}</Fact>
        <Fact label="Key">
          {p.keyId !== null ? <Mono>{p.keyId}</Mono> : <span className="muted">–</span>}{' '}
          <span className="muted small">via {VIA[p.via] ?? p.via}</span>
        </Fact>
        <Fact label="Route">
          <Mono>{e.route}</Mono>
          {e.stream && <span className="muted small"> · streamed</span>}
        </Fact>
        <Fact label="Model requested → served">
          {e.modelRequested ?? '–'} → {e.modelServed ?? '–'}
          {routed && <span className="muted small"> (re-routed)</span>}
        </Fact>
        <Fact label="Provider">{e.provider ?? <span className="muted">–</span>}</Fact>
        <Fact label="Status">
          <Badge
            value={e.status}
            tone={e.status === 'success' ? 'good' : e.status === 'blocked' ? 'bad' : 'warn'}
          />{' '}
          <span className="muted small">HTTP {e.httpStatus}</span>
          {e.errorCode !== null && (
            <div>
              <Mono>{e.errorCode}</Mono>
            </div>
          )}
        </Fact>
        <Fact label="Content kept">{CONTENT_MODES[e.contentMode] ?? e.contentMode}</Fact>
        <Fact label="Latency · tokens · cost">
          {formatMs(e.latency.totalMs)} ·{' '}
          {e.usage === null
            ? '–'
            : `${e.usage.estimated ? '~' : ''}${formatCount(e.usage.inputTokens)} in / ${formatCount(e.usage.outputTokens)} out`}{' '}
          · {formatCost(e.costUsd)}
        </Fact>
      </dl>
    </Card>
  );
}

const CONTENT_MODES: Readonly<Record<string, string>> = {
  none: 'none (metadata only)',
  redacted: 'redacted (findings masked before storage)',
  encrypted: 'encrypted (revealable by permitted roles)',
};

// ---------------------------------------------------------------------------------------------------
// Conversation

function findingLookup(e: EventDetail): FindingLookup {
  const byKey = new Map<string, FindingView>();
  for (const f of [...e.findings.input, ...e.findings.output]) byKey.set(`${f.direction}:${f.index}`, f);
  return (h) => byKey.get(`${h.direction}:${h.finding}`);
}

function Legend(props: { e: EventDetail }) {
  const families = new Map<string, number>();
  for (const f of [...props.e.findings.input, ...props.e.findings.output])
    families.set(f.family, (families.get(f.family) ?? 0) + 1);
  if (families.size === 0) return <p className="muted small">No findings in this interaction.</p>;
  return (
    <div className="evt-legend">
      <span className="muted small">Findings by family:</span>
      {[...families].map(([family, n]) => (
        <FamilyChip key={family} family={family}>
          {familyLabel(family)} ({family}) · {n}
        </FamilyChip>
      ))}
    </div>
  );
}

function Segments(props: {
  title: string;
  segments: readonly SegmentView[];
  lookup: FindingLookup;
  view: string;
  empty: string;
}) {
  return (
    <section className="evt-direction">
      <h3>{props.title}</h3>
      {props.segments.length === 0 ? (
        <p className="muted small">{props.empty}</p>
      ) : (
        props.segments.map((s) => (
          <div key={`${s.index}:${s.path}`} className="evt-segment">
            <div className="evt-segment-head">
              <span className="evt-role">{sourceLabel(s.source)}</span>
              {s.path !== '' && <code className="muted small">{s.path}</code>}
              {s.highlights.length > 0 && (
                <span className="muted small">
                  {s.highlights.length} finding{s.highlights.length === 1 ? '' : 's'}
                </span>
              )}
            </div>
            <HighlightedText
              text={s.text}
              highlights={s.highlights}
              lookup={props.lookup}
              view={props.view}
            />
          </div>
        ))
      )}
    </section>
  );
}

function Conversation(props: {
  e: EventDetail;
  session: Session;
  revealed: boolean;
  onRevealed(r: { data: RevealedEvent; at: string; reason: string }): void;
}) {
  const { e } = props;
  const lookup = useMemo(() => findingLookup(e), [e]);
  const c = e.content;
  return (
    <Card
      title="Conversation (redacted)"
      actions={
        <RevealControl
          e={e}
          session={props.session}
          revealed={props.revealed}
          onRevealed={props.onRevealed}
        />
      }
    >
      <div data-testid="conversation">
        <Legend e={e} />
        {!c.available ? (
          <p className="notice notice-info">
            {UNAVAILABLE_REASONS[c.reason] ?? `Content unavailable: ${c.reason}.`}
          </p>
        ) : (
          <>
            <p className="muted small">
              Each finding is replaced by its type (such as <code>[EMAIL_ADDRESS]</code>) and highlighted;
              hover a highlight for its type, score and rule.
            </p>
            {c.withheld.length > 0 && (
              <p className="notice notice-warn">
                The {c.withheld.join(' and ')} text is withheld: it could not be matched with its findings
                with certainty, so it is not shown rather than masked in the wrong place.
              </p>
            )}
            <Segments
              title="Input (request)"
              segments={c.input}
              lookup={lookup}
              view="redacted"
              empty={c.withheld.includes('input') ? 'Withheld.' : 'No input text.'}
            />
            <Segments
              title="Output (answer)"
              segments={c.output}
              lookup={lookup}
              view="redacted"
              empty={
                c.withheld.includes('output')
                  ? 'Withheld.'
                  : e.status === 'blocked'
                    ? 'No answer: the request was blocked.'
                    : 'No output text.'
              }
            />
          </>
        )}
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Reveal

function RevealControl(props: {
  e: EventDetail;
  session: Session;
  revealed: boolean;
  onRevealed(r: { data: RevealedEvent; at: string; reason: string }): void;
}) {
  const { e } = props;
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const action = useAction(async (why: string) => {
    const data = await api<RevealedEvent>('POST', `/events/${encodeURIComponent(e.id)}/reveal`, {
      body: why === '' ? {} : { reason: why },
    });
    props.onRevealed({ data, at: new Date().toISOString(), reason: why });
    setOpen(false);
    return data;
  });

  if (!can(props.session, 'content.reveal')) {
    return (
      <span className="muted small" data-testid="reveal-unavailable">
        Your role ({props.session.role}) sees redacted content only.
      </span>
    );
  }
  const revealable = e.contentMode === 'encrypted';
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void action.run(reason.trim());
  };
  return (
    <div className="row">
      {!revealable && (
        <span className="muted small" id={`${reasonId}-why`}>
          {e.contentMode === 'none' ? 'No content was kept.' : 'Stored redacted: nothing more to reveal.'}
        </span>
      )}
      <button
        type="button"
        className="btn btn-small"
        data-testid="reveal"
        disabled={!revealable || props.revealed}
        aria-describedby={revealable ? undefined : `${reasonId}-why`}
        onClick={() => {
          action.clear();
          setOpen(true);
        }}
      >
        {props.revealed ? 'Revealed' : 'Reveal content…'}
      </button>
      <Dialog open={open} title="Reveal the unredacted content" onClose={() => setOpen(false)}>
        <form onSubmit={submit} className="evt-dialog-form">
          <p>
            The decrypted prompt and answer of this interaction will be shown. The reveal is recorded in the
            audit trail with your name ({props.session.user}), the time and the reason you give.
          </p>
          <label className="field" htmlFor={reasonId}>
            <span>Reason (recorded in the audit trail)</span>
            <textarea
              id={reasonId}
              rows={3}
              maxLength={1000}
              value={reason}
              placeholder="e.g. confirming a suspected false positive for ticket SEC-1234"
              onChange={(ev) => setReason(ev.target.value)}
            />
          </label>
          <ErrorNotice error={action.error} />
          <div className="row">
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="reveal-confirm"
              disabled={action.busy}
            >
              {action.busy ? 'Revealing…' : 'Reveal'}
            </button>
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

function Revealed(props: {
  revealed: { data: RevealedEvent; at: string; reason: string };
  e: EventDetail;
  session: Session;
  onHide(): void;
}) {
  const { data, at, reason } = props.revealed;
  const lookup = useMemo(() => findingLookup(props.e), [props.e]);
  const truncated = isTruncated(data.content);
  return (
    <Card
      title="Unredacted content"
      className="evt-revealed"
      actions={
        <button type="button" className="btn btn-small" onClick={props.onHide}>
          Hide
        </button>
      }
    >
      <div data-testid="revealed">
        <p className="notice notice-warn" role="status">
          <strong>Recorded in the audit trail.</strong>{' '}
          <span>
            You ({props.session.user}) revealed this content at {formatTime(at)}
            {reason !== '' ? ` for: ${reason}` : ' without a reason'}.
          </span>
        </p>
        {truncated !== null ? (
          <>
            <p className="muted small">
              The content was cut at storage ({formatCount(truncated.bytes)} bytes); its beginning as stored:
            </p>
            <pre className="content">{truncated.head}</pre>
          </>
        ) : (
          <>
            <Segments
              title="Input (request)"
              segments={data.input}
              lookup={lookup}
              view="revealed"
              empty="No input text."
            />
            <Segments
              title="Output (answer)"
              segments={data.output}
              lookup={lookup}
              view="revealed"
              empty="No output text."
            />
          </>
        )}
        <details>
          <summary>Stored request and response (JSON)</summary>
          <pre className="content evt-raw">{safeJson(data.content)}</pre>
        </details>
      </div>
    </Card>
  );
}

function isTruncated(content: unknown): { bytes: number; head: string } | null {
  if (content === null || typeof content !== 'object') return null;
  const c = content as { truncated?: unknown; bytes?: unknown; head?: unknown };
  if (c.truncated !== true) return null;
  return { bytes: typeof c.bytes === 'number' ? c.bytes : 0, head: typeof c.head === 'string' ? c.head : '' };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------------
// Findings

function FindingRef(props: { f: FindingView | undefined; index: number; direction: Direction }) {
  const { f } = props;
  if (f === undefined) return <span className="muted">finding #{props.index} (not recorded)</span>;
  return (
    <>
      <FamilyChip family={f.family}>{f.family}</FamilyChip> <span className="evt-type">{f.type}</span>{' '}
      <span className="muted small">
        score {formatScore(f.score)} · {f.detector}
      </span>
    </>
  );
}

function highlightedKeys(e: EventDetail): Set<string> {
  const keys = new Set<string>();
  if (!e.content.available) return keys;
  for (const s of [...e.content.input, ...e.content.output])
    for (const h of s.highlights) keys.add(`${h.direction}:${h.finding}`);
  return keys;
}

function FindingsTable(props: { e: EventDetail }) {
  const { e } = props;
  const all = [...e.findings.input, ...e.findings.output];
  const marked = useMemo(() => highlightedKeys(e), [e]);
  const segmentSource = (f: FindingView): string | null => {
    if (!e.content.available || f.segment === null) return null;
    const list = f.direction === 'input' || e.route === 'scan' ? e.content.input : e.content.output;
    const s = list.find((x) => x.index === f.segment);
    return s === undefined ? null : sourceLabel(s.source);
  };
  return (
    <Card title={`Findings (${all.length})`}>
      {all.length === 0 ? (
        <p className="muted">The detectors found nothing in this interaction.</p>
      ) : (
        <div className="table-wrap">
          <table className="table evt-findings">
            <caption className="sr-only">Every finding of the interaction, input first</caption>
            <thead>
              <tr>
                <th scope="col">Direction</th>
                <th scope="col">Family</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Score
                </th>
                <th scope="col">Detector</th>
                <th scope="col">Where</th>
                <th scope="col">Rules</th>
              </tr>
            </thead>
            <tbody>
              {all.map((f) => {
                const key = `${f.direction}:${f.index}`;
                const source = segmentSource(f);
                return (
                  <tr key={key}>
                    <td>{f.direction}</td>
                    <td>
                      <FamilyChip family={f.family}>{f.family}</FamilyChip>
                    </td>
                    <td>
                      {f.type}
                      {f.explanation !== undefined && f.explanation !== '' && (
                        <div className="muted small">{f.explanation}</div>
                      )}
                    </td>
                    <td className="num">{formatScore(f.score)}</td>
                    <td className="mono-wrap">{f.detector}</td>
                    <td>
                      {f.span === null ? (
                        <span className="muted small">whole interaction</span>
                      ) : (
                        <>
                          <span className="small">
                            {source ?? `segment ${f.segment ?? '–'}`}, chars {f.span.start}–{f.span.end}
                          </span>
                          {marked.has(key) && (
                            <div>
                              <button
                                type="button"
                                className="btn btn-small"
                                onClick={() => showMark('redacted', f.direction, f.index)}
                              >
                                Show<span className="sr-only"> {f.type} in the conversation</span>
                              </button>
                            </div>
                          )}
                        </>
                      )}
                    </td>
                    <td>
                      {f.ruleIds.length > 0 ? (
                        <span className="mono-wrap">{f.ruleIds.join(', ')}</span>
                      ) : (
                        <span className="muted small">none</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Decision trace

const REASONS: Readonly<Record<string, string>> = {
  rule: 'a policy rule fired',
  global: 'the global section (kill switch or block lists)',
  detector_failure: 'a detector failed under a fail-closed rule',
  default: 'no rule fired: the policy default',
};

const EFFECTS: Readonly<Record<string, string>> = {
  decided: 'decided',
  accumulated: 'applied with others',
  acknowledged: 'warning acknowledged',
  approved: 'approved',
  failed_closed: 'detector failed: failed closed',
  failed_open: 'detector failed: failed open',
};

function Trace(props: { e: EventDetail }) {
  const { e } = props;
  const failures = [...(e.trace.input?.failures ?? []), ...(e.trace.output?.failures ?? [])];
  const versions = new Set(
    [e.trace.input?.policyVersion, e.trace.output?.policyVersion].filter((v) => v !== undefined),
  );
  return (
    <Card title="Decision trace">
      <div data-testid="decision-trace" className="evt-trace">
        {failures.length > 0 && (
          <p className="notice notice-error">
            <strong>
              {failures.length} detector{failures.length === 1 ? '' : 's'} failed or timed out
            </strong>
            <span>: the decision was made without their answer (details below).</span>
          </p>
        )}
        <p className="muted small">
          Policy version {versions.size === 0 ? 'not recorded' : [...versions].map((v) => `v${v}`).join(', ')}
        </p>
        <DecisionView title="Input decision" direction="input" d={e.trace.input} e={e} />
        <DecisionView title="Output decision" direction="output" d={e.trace.output} e={e} />
      </div>
    </Card>
  );
}

function DecisionView(props: { title: string; direction: Direction; d: Decision | null; e: EventDetail }) {
  const { d, direction, e } = props;
  const findings = e.findings[direction];
  if (d === null) {
    return (
      <section className="evt-trace-dir">
        <h3>{props.title}</h3>
        <p className="muted small">
          {direction === 'output'
            ? 'None: no answer was inspected (blocked, held, failed, or nothing came back).'
            : 'None: the request was refused before the policy ran.'}
        </p>
      </section>
    );
  }
  const fired = d.findings.map((i) => ({ i, f: findings[i] }));
  return (
    <section className="evt-trace-dir">
      <h3>{props.title}</h3>
      <dl>
        <dt>Action</dt>
        <dd>
          <Badge value={d.action} />
        </dd>
        <dt>Rule</dt>
        <dd>{d.ruleId !== null ? <Mono>{d.ruleId}</Mono> : <span className="muted">none</span>}</dd>
        {d.reason !== undefined && (
          <>
            <dt>Why</dt>
            <dd>{REASONS[d.reason] ?? d.reason}</dd>
          </>
        )}
        {d.message !== undefined && (
          <>
            <dt>Message</dt>
            <dd>{d.message}</dd>
          </>
        )}
        {(d.routeTo !== undefined || d.routedFrom !== undefined) && (
          <>
            <dt>Routed</dt>
            <dd>
              {d.routedFrom ?? e.modelRequested ?? '–'} → {d.routeTo ?? e.modelServed ?? '–'}
            </dd>
          </>
        )}
        {d.policyVersion !== undefined && (
          <>
            <dt>Policy</dt>
            <dd>v{d.policyVersion}</dd>
          </>
        )}
        {d.tags !== undefined && d.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{d.tags.join(', ')}</dd>
          </>
        )}
        {d.hold !== undefined && (
          <>
            <dt>Hold</dt>
            <dd>
              wait up to {formatMs(d.hold.timeoutMs)}, then {d.hold.onTimeout}
            </dd>
          </>
        )}
        {d.approval !== undefined && (
          <>
            <dt>Approval</dt>
            <dd>
              <Badge value={d.approval.status} /> {d.approval.by !== null && `by ${d.approval.by}`}{' '}
              {d.approval.at !== null && `at ${formatTime(d.approval.at)}`}
              {d.approval.reason !== null && <div className="small">“{d.approval.reason}”</div>}
            </dd>
          </>
        )}
        {d.acknowledgement !== undefined && (
          <>
            <dt>Acknowledged</dt>
            <dd>
              warning of <Mono>{d.acknowledgement.ruleId}</Mono>
              {d.acknowledgement.justification !== null && (
                <div className="small">“{d.acknowledgement.justification}”</div>
              )}
            </dd>
          </>
        )}
        {d.facts !== undefined && (
          <>
            <dt>Facts</dt>
            <dd className="small">
              model {d.facts.model} · language {d.facts.language ?? 'unknown'} · tools{' '}
              {d.facts.hasTools ? 'yes' : 'no'} · sources {d.facts.sources.map(sourceLabel).join(', ') || '–'}
            </dd>
          </>
        )}
      </dl>

      <h4 className="small">Findings that made the rule fire ({fired.length})</h4>
      {fired.length === 0 ? (
        <p className="muted small">None.</p>
      ) : (
        <ul className="evt-list">
          {fired.map(({ i, f }) => (
            <li key={i}>
              <FindingRef f={f} index={i} direction={direction} />
            </li>
          ))}
        </ul>
      )}

      {d.failures.length > 0 && (
        <>
          <h4 className="small">Detector failures ({d.failures.length})</h4>
          {keyed(d.failures, (x) => `${x.detector}:${x.reason}`).map(({ item: x, key }) => (
            <div key={key} className="notice notice-error evt-failure">
              <strong>{x.reason === 'timeout' ? 'TIMED OUT' : 'FAILED'}</strong>
              <code>{x.detector}</code>
              {x.family !== undefined && <FamilyChip family={x.family}>{x.family}</FamilyChip>}
              <span>{x.message}</span>
            </div>
          ))}
        </>
      )}

      {d.redactions !== undefined && d.redactions.length > 0 && (
        <>
          <h4 className="small">Redactions</h4>
          <ul className="evt-list">
            {keyed(d.redactions, (r) => r.ruleId).map(({ item: r, key }) => (
              <li key={key}>
                <Mono>{r.ruleId}</Mono> ({r.mode}):{' '}
                {r.findings.map((fi) => findings[fi]?.type ?? `#${fi}`).join(', ') || 'none'}
              </li>
            ))}
          </ul>
        </>
      )}

      {d.trail !== undefined && d.trail.length > 0 && (
        <>
          <h4 className="small">Rules that matched, in order</h4>
          <table className="table">
            <caption className="sr-only">{props.title}: rules that matched, in order</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Action</th>
                <th scope="col">Effect</th>
              </tr>
            </thead>
            <tbody>
              {keyed(d.trail, (t) => t.ruleId).map(({ item: t, key }) => (
                <tr key={key}>
                  <td className="mono-wrap">{t.ruleId}</td>
                  <td>
                    <Badge value={t.action} />
                  </td>
                  <td className="small">{EFFECTS[t.effect] ?? t.effect}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** Stable keys for a stored list whose entries may repeat. */
function keyed<T>(items: readonly T[], base: (item: T) => string): { item: T; key: string }[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const b = base(item);
    const n = seen.get(b) ?? 0;
    seen.set(b, n + 1);
    return { item, key: n === 0 ? b : `${b}#${n}` };
  });
}

// ---------------------------------------------------------------------------------------------------
// Latency and tokens

function LatencyCard(props: { e: EventDetail }) {
  const { e } = props;
  const l = e.latency;
  const total = Math.max(l.totalMs, 0.0001);
  const upstream = l.upstreamTotalMs ?? 0;
  const ttfb = Math.min(l.upstreamTtfbMs ?? 0, upstream);
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / total) * 100)).toFixed(1)}%`;
  return (
    <Card title="Latency and tokens">
      <div className="evt-bar" aria-hidden="true">
        <span className="evt-bar-gateway" style={{ width: pct(l.overheadMs) }} />
        <span className="evt-bar-ttfb" style={{ width: pct(ttfb) }} />
        <span className="evt-bar-upstream" style={{ width: pct(upstream - ttfb) }} />
      </div>
      <table className="table">
        <caption className="sr-only">Latency breakdown, tokens and cost</caption>
        <tbody>
          <tr>
            <th scope="row">Total in the gateway</th>
            <td className="num">{formatMs(l.totalMs)}</td>
          </tr>
          <tr>
            <th scope="row">
              <span className="evt-swatch evt-bar-gateway" aria-hidden="true" />
              Gateway overhead (inspection, policy)
            </th>
            <td className="num">
              {formatMs(l.overheadMs)} <span className="muted small">({pct(l.overheadMs)})</span>
            </td>
          </tr>
          <tr>
            <th scope="row">
              <span className="evt-swatch evt-bar-ttfb" aria-hidden="true" />
              Upstream, to first byte
            </th>
            <td className="num">{formatMs(l.upstreamTtfbMs)}</td>
          </tr>
          <tr>
            <th scope="row">
              <span className="evt-swatch evt-bar-upstream" aria-hidden="true" />
              Upstream, total
            </th>
            <td className="num">{formatMs(l.upstreamTotalMs)}</td>
          </tr>
          <tr>
            <th scope="row">Tokens in{e.usage?.estimated ? ' (estimated)' : ''}</th>
            <td className="num">{formatCount(e.usage?.inputTokens)}</td>
          </tr>
          <tr>
            <th scope="row">Tokens out{e.usage?.estimated ? ' (estimated)' : ''}</th>
            <td className="num">{formatCount(e.usage?.outputTokens)}</td>
          </tr>
          <tr>
            <th scope="row">Cost</th>
            <td className="num">{formatCost(e.costUsd)}</td>
          </tr>
        </tbody>
      </table>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Labels

function Labels(props: { e: EventDetail; session: Session; onChange(): void }) {
  const { e } = props;
  const mayLabel = can(props.session, 'events.label');
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const listId = useId();
  const base = `/events/${encodeURIComponent(e.id)}/labels/`;
  const add = useAction(async (label: string, why: string) => {
    await api<EventLabel>('PUT', `${base}${encodeURIComponent(label)}`, {
      body: why === '' ? {} : { note: why },
    });
    setName('');
    setNote('');
    props.onChange();
  });
  const remove = useAction(async (label: string) => {
    await api('DELETE', `${base}${encodeURIComponent(label)}`);
    props.onChange();
  });
  const trimmed = name.trim();
  const invalid = trimmed !== '' && !LABEL_PATTERN.test(trimmed);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (trimmed === '' || invalid) return;
    void add.run(trimmed, note.trim());
  };
  return (
    <Card title={`Labels (${e.labels.length})`}>
      {e.labels.length === 0 ? (
        <p className="muted small">No labels yet.</p>
      ) : (
        <ul className="evt-label-list">
          {e.labels.map((l) => (
            <li key={l.label}>
              <a className="badge badge-neutral" href={href(['activity'], { label: l.label })}>
                {l.label}
              </a>
              {l.note !== null && <span>{l.note}</span>}
              <span className="muted small">
                {l.by}, {formatTime(l.at)}
              </span>
              {mayLabel && (
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={remove.busy}
                  onClick={() => void remove.run(l.label)}
                >
                  Remove<span className="sr-only"> label {l.label}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={remove.error} />
      {mayLabel ? (
        <form className="stack" onSubmit={submit}>
          <div className="row">
            <label className="field">
              <span>Label</span>
              <input
                value={name}
                list={listId}
                autoComplete="off"
                spellCheck={false}
                maxLength={64}
                aria-invalid={invalid}
                aria-describedby={`${listId}-hint`}
                onChange={(ev) => setName(ev.target.value.toLowerCase())}
              />
            </label>
            <datalist id={listId}>
              {SUGGESTED_LABELS.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <label className="field">
              <span>Note (optional)</span>
              <input value={note} maxLength={1000} onChange={(ev) => setNote(ev.target.value)} />
            </label>
          </div>
          <span id={`${listId}-hint`} className={`small ${invalid ? 'activity-error' : 'muted'}`}>
            {invalid
              ? 'Use lower-case letters, digits, _ . or -, starting with a letter or digit (64 at most).'
              : 'For example false_positive, confirmed, needs-review. Adding an existing label changes its note.'}
          </span>
          <ErrorNotice error={add.error} />
          <div className="row">
            <button type="submit" className="btn btn-small" disabled={add.busy || trimmed === '' || invalid}>
              {add.busy ? 'Adding…' : 'Add label'}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small">Your role cannot label events.</p>
      )}
    </Card>
  );
}
