/**
 * What POST /policies/simulate answered: how many stored decisions a candidate policy would change, by
 * action transition and by deciding rule, with sample events to open.
 */
import { formatCount, formatMs, formatPercent, formatTime } from '../format.ts';
import type { ChangeGroup, SimulationResult } from '../pages/policy-types.ts';
import { href } from '../router.ts';
import { Badge, DataTable, Stat } from './ui.tsx';

function Examples(props: { group: ChangeGroup }) {
  if (props.group.examples.length === 0) return <span className="muted">–</span>;
  return (
    <ul className="inline-list">
      {props.group.examples.map((id) => (
        <li key={id}>
          <a href={href(['events', id])} className="mono" title={`Open event ${id}`}>
            {id.length > 18 ? `…${id.slice(-12)}` : id}
          </a>
        </li>
      ))}
      {props.group.count > props.group.examples.length && (
        <li className="muted small">+{formatCount(props.group.count - props.group.examples.length)} more</li>
      )}
    </ul>
  );
}

export function SimulationView(props: { result: SimulationResult; ms: number; stale: boolean }) {
  const r = props.result;
  const share = r.decisionsCompared === 0 ? null : r.decisionsChanged / r.decisionsCompared;
  return (
    <div className="stack" data-testid="policy-simulation">
      {props.stale && (
        <p className="notice notice-info">
          These results are for an earlier text of the editor; run the simulation again for the current one.
        </p>
      )}
      <p className="muted small">
        {`Events from ${formatTime(r.window.since)} to ${r.window.until === null ? 'now' : formatTime(r.window.until)}, replayed in ${formatMs(props.ms)}.`}
      </p>
      {r.truncated && (
        <p className="notice notice-warn">
          The window holds more events than one simulation reads: only the newest were replayed. Pick a
          shorter window for a complete count.
        </p>
      )}
      <div className="stats">
        <Stat label="Events replayed" value={formatCount(r.eventsScanned)} testId="sim-events" />
        <Stat
          label="Decisions changed"
          value={formatCount(r.decisionsChanged)}
          hint={`of ${formatCount(r.decisionsCompared)} compared (${formatPercent(share)})`}
          testId="sim-changed"
        />
        <Stat label="Events changed" value={formatCount(r.eventsChanged)} />
        <Stat
          label="Input / output changed"
          value={`${formatCount(r.byDirection.input.changed)} / ${formatCount(r.byDirection.output.changed)}`}
          hint={`of ${formatCount(r.byDirection.input.compared)} / ${formatCount(r.byDirection.output.compared)} compared`}
        />
      </div>
      {r.rescan !== null && (
        <p className="muted small">
          Detectors re-run on {formatCount(r.rescan.rescanned)} events; stored findings used for{' '}
          {formatCount(r.rescan.notRescannable)} without readable content
          {r.rescan.unreadable > 0 ? ` and ${formatCount(r.rescan.unreadable)} that did not decrypt` : ''}.
        </p>
      )}
      {r.decisionsChanged === 0 ? (
        <p className="notice notice-info" data-testid="sim-no-change">
          No decision in this window would change under this policy.
        </p>
      ) : (
        <>
          <h3 className="subheading">Changes by action</h3>
          <DataTable
            caption="Decisions that would change, by stored action and new action"
            testId="sim-transitions"
            rows={r.byTransition}
            rowKey={(t) => `${t.from}→${t.to}`}
            columns={[
              {
                key: 'change',
                header: 'Stored → new action',
                render: (t) => (
                  <span className="row nowrap">
                    <Badge value={t.from} /> <span aria-hidden="true">→</span>
                    <span className="sr-only">becomes</span> <Badge value={t.to} />
                  </span>
                ),
              },
              { key: 'count', header: 'Decisions', numeric: true, render: (t) => formatCount(t.count) },
              { key: 'examples', header: 'Sample events', render: (t) => <Examples group={t} /> },
            ]}
          />
          <h3 className="subheading">Changes by deciding rule</h3>
          <DataTable
            caption="Decisions that would change, by the rule that decides under the candidate policy"
            testId="sim-rules"
            rows={r.byRule}
            rowKey={(g) => g.ruleId ?? '(default)'}
            columns={[
              {
                key: 'rule',
                header: 'Rule (candidate policy)',
                render: (g) =>
                  g.ruleId === null ? (
                    <span className="muted">the policy default</span>
                  ) : (
                    <code>{g.ruleId}</code>
                  ),
              },
              { key: 'count', header: 'Decisions', numeric: true, render: (g) => formatCount(g.count) },
              { key: 'examples', header: 'Sample events', render: (g) => <Examples group={g} /> },
            ]}
          />
        </>
      )}
    </div>
  );
}
