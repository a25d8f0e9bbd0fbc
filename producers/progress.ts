/**
 * The live progress line on stderr: rate, sent, errors, rejects, rewritten in place twice a
 * second. Only on a terminal: piped or logged stderr gets the final summary only.
 */
import type { PublishStats } from './publisher.js';

export interface ProgressLine {
  stop(): void;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

export function formatProgress(label: string, stats: PublishStats, now = performance.now()): string {
  const seconds = Math.max(0.001, (now - stats.startedAt) / 1000);
  return `${label}: ${n(stats.sent / seconds)}/s | sent ${n(stats.sent)} | errors ${n(stats.errors)} | rejects ${n(stats.rejects)}`;
}

export function startProgressLine(
  label: string,
  stats: PublishStats,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressLine {
  if (!stream.isTTY) return { stop() {} };
  const draw = () => stream.write(`\r\x1b[K${formatProgress(label, stats)}`);
  const timer = setInterval(draw, 500);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      draw();
      stream.write('\n');
    },
  };
}
