/**
 * Prompt or response text with its findings highlighted. The text is only ever React text children (so
 * `<script>` or `<img onerror>` in a prompt shows as those characters); each finding is a <mark> coloured
 * by family, whose title (for the pointer) and visually hidden text (for screen readers) give the family,
 * type, score, rule and detector.
 */
import { splitHighlights } from '../highlight-spans.ts';
import { type FindingView, familyLabel, type Highlight } from '../pages/event-types.ts';
import { familyClass } from './ui.tsx';

/** The detector of a highlighted finding, when the caller knows the findings. */
export type FindingLookup = (h: Highlight) => FindingView | undefined;

/** The token of a finding in its marks' `data-findings` (see showMark). */
export function findingToken(view: string, direction: string, index: number): string {
  return `${view}-${direction}-${index}`;
}

/** Scrolls to the first mark of a finding in a view and focuses it; false when it has no mark. */
export function showMark(view: string, direction: string, index: number): boolean {
  const mark = document.querySelector<HTMLElement>(
    `mark[data-findings~="${CSS.escape(findingToken(view, direction, index))}"]`,
  );
  if (mark === null) return false;
  mark.scrollIntoView({ block: 'center', behavior: 'smooth' });
  mark.focus({ preventScroll: true });
  mark.classList.remove('hl-flash');
  void mark.offsetWidth;
  mark.classList.add('hl-flash');
  return true;
}

export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : '–';
}

/** One line describing a finding: family, type, score, rules and detector. */
export function describeFinding(h: Highlight, finding: FindingView | undefined): string {
  const parts = [`${familyLabel(h.family)} (${h.family})`, h.type, `score ${formatScore(h.score)}`];
  parts.push(h.ruleIds.length > 0 ? `rule ${h.ruleIds.join(', ')}` : 'no rule acted on it');
  if (finding !== undefined) parts.push(`detector ${finding.detector}`);
  return parts.join(' · ');
}

export function HighlightedText(props: {
  text: string;
  highlights: readonly Highlight[];
  lookup?: FindingLookup;
  /** Names this view in `data-findings` tokens, so a list of findings can point at their marks. */
  view?: string;
}) {
  const pieces = splitHighlights(props.text, props.highlights);
  if (props.text === '') {
    return (
      <pre className="content hl-empty">
        <span className="muted">(empty)</span>
      </pre>
    );
  }
  return (
    <pre className="content">
      {pieces.map((piece) => {
        if (piece.spans.length === 0) return piece.text;
        // The colour of the most confident finding; every finding is named in the title.
        const top = piece.spans.reduce((a, b) => (b.score > a.score ? b : a));
        const lines = piece.spans.map((h) => describeFinding(h, props.lookup?.(h)));
        const families = new Set(piece.spans.map((h) => h.family));
        return (
          <mark
            key={piece.start}
            tabIndex={-1}
            className={`fam fam-${familyClass(top.family)}${families.size > 1 ? ' hl-multi' : ''}`}
            data-testid="finding"
            data-family={top.family}
            data-type={top.type}
            data-findings={piece.spans
              .map((h) => findingToken(props.view ?? '', h.direction, h.finding))
              .join(' ')}
            title={lines.join('\n')}
          >
            {piece.text}
            <span className="sr-only hl-sr"> (finding: {lines.join('; ')})</span>
          </mark>
        );
      })}
    </pre>
  );
}
