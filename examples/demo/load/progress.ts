import type { LoadProgress } from './run.ts';
import { formatCount, formatPercent } from './report.ts';

/** Where progress goes: a terminal gets one redrawn line, a pipe or file a line every quarter. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressBar {
  update(progress: LoadProgress): void;
  /** Ends the bar's line (a terminal's cursor is left at the start of a fresh line). */
  finish(): void;
}

const BAR_WIDTH = 30;

/**
 * A progress display on `sink` (stderr, so stdout keeps only the report): a redrawn bar when `sink`
 * is a terminal, else one plain line at 25, 50, 75 and 100%, so logs of CI runs stay short.
 */
export function createProgressBar(sink: ProgressSink): ProgressBar {
  let lastQuarter = 0;
  let isDrawn = false;
  return {
    update(progress) {
      if (sink.isTTY === true) {
        const line = formatProgressLine(progress, true);
        sink.write(`\r${line.slice(0, Math.max(20, (sink.columns ?? 100) - 1))}\x1b[K`);
        isDrawn = true;
        return;
      }
      const quarter = Math.floor((4 * progress.completed) / Math.max(1, progress.planned));
      if (quarter <= lastQuarter) return;
      lastQuarter = quarter;
      sink.write(`${formatProgressLine(progress, false)}\n`);
    },
    finish() {
      if (isDrawn) sink.write('\n');
    },
  };
}

/** `[#########.....................]  31%  4,960/16,000 requests  hit 99.2%  16 s of 50 s` */
export function formatProgressLine(progress: LoadProgress, withBar: boolean): string {
  const fraction = Math.min(1, progress.completed / Math.max(1, progress.planned));
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = withBar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  return (
    `${bar}${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatCount(progress.completed)}/${formatCount(progress.planned)} requests` +
    `  hit ${formatPercent(progress.hitRatio)}  ${Math.round(progress.elapsedMs / 1000)} s of ${Math.round(progress.scheduleMs / 1000)} s`
  );
}
