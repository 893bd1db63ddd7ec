/**
 * Progress of a probe run on stderr: a bar redrawn in place when stderr is a terminal, otherwise one
 * plain line every `intervalMs` (default 10 s) so logs of CI jobs stay readable; a final summary line
 * either way.
 */
import type { CliWriter } from '../../cli/command.ts';

/** Counters of a run, as the runner reports them. */
export interface ProgressState {
  /** Items this run has to ask (not counting those resumed from the results file). */
  total: number;
  /** Items skipped because the results file already answers them. */
  resumed: number;
  /** Items answered in this run. */
  answered: number;
  /** Items that failed after their retries in this run. */
  failed: number;
  /** HTTP requests sent (retries included). */
  requests: number;
  retries: number;
  /** Tokens the endpoint reported (prompt + completion). */
  tokens: number;
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  /** Erases the bar (terminal) and writes the summary line; `note` says why the run stopped early. */
  finish(state: ProgressState, note?: string | null): void;
}

export interface ProgressOptions {
  /** Prefix of every line: `bbq`, `counterfactual`. */
  label: string;
  /** Non-terminal output: minimum time between lines; default 10 000 ms. */
  intervalMs?: number;
  /** Terminal output: minimum time between redraws; default 100 ms. */
  redrawMs?: number;
  now?: () => number;
}

/** A reporter that writes to `stderr`, as a bar when `stderr.isTTY`. */
export function createProgress(stderr: CliWriter, options: ProgressOptions): ProgressReporter {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  const now = options.now ?? Date.now;
  const started = now();
  const interval = tty ? (options.redrawMs ?? 100) : (options.intervalMs ?? 10_000);
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;

  const describe = (state: ProgressState): string => {
    const done = state.answered + state.failed;
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = state.total - done;
    const eta = rate > 0 && left > 0 ? ` · ETA ${duration(left / rate)}` : '';
    const parts = [`${done}/${state.total}`];
    if (state.resumed > 0) parts.push(`${state.resumed} resumed`);
    if (state.failed > 0) parts.push(`${state.failed} failed`);
    if (state.retries > 0) parts.push(`${state.retries} retries`);
    if (state.tokens > 0) parts.push(`${state.tokens.toLocaleString('en-US')} tokens`);
    parts.push(`${rate.toFixed(1)}/s`);
    return parts.join(' · ') + eta;
  };

  return {
    update(state) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (tty) {
        const done = state.answered + state.failed;
        const ratio = state.total === 0 ? 1 : done / state.total;
        const width = 24;
        const filled = Math.round(ratio * width);
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
        const columns = (stderr as { columns?: number }).columns ?? 100;
        const line = `${options.label} ${bar} ${(ratio * 100).toFixed(0).padStart(3)}% ${describe(state)}`;
        stderr.write(`\r${line.slice(0, Math.max(20, columns - 1))}\u001b[K`);
        drawn = true;
      } else {
        stderr.write(`${options.label}: ${describe(state)}\n`);
      }
    },
    finish(state, note) {
      if (drawn) stderr.write('\r\u001b[K');
      const elapsed = duration((now() - started) / 1000);
      const parts = [
        `${state.answered} answered`,
        `${state.failed} failed`,
        `${state.resumed} resumed from the results file`,
        `${state.requests} requests (${state.retries} retries)`,
        `${state.tokens.toLocaleString('en-US')} tokens`,
      ];
      stderr.write(`${options.label}: ${parts.join(', ')} in ${elapsed}${note ? `; ${note}` : ''}\n`);
    },
  };
}

/** 75 → `1m 15s`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.round(seconds - minutes * 60)}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${minutes - hours * 60}m`;
}
