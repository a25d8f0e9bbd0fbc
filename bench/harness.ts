/**
 * Benchmark conventions: each bench/<name>.bench.ts is a script that measures our code and its
 * named baseline in the same run and prints both with their ratio via `report`. No timing
 * assertions anywhere: the figures are for people and for bench/RESULTS.md.
 */
import { cpus } from 'node:os';

export interface Figure {
  /** What was measured, e.g. "our VADER". */
  name: string;
  value: number;
  /** e.g. "texts/s", "MB". */
  unit: string;
  /** Higher is better (rates) or lower is better (memory, latency). */
  better: 'higher' | 'lower';
}

export interface Comparison {
  subject: Figure;
  baseline?: Figure;
  /** Optional target, shown with the figure, e.g. ">= 200000 texts/s". */
  target?: string;
}

/** Items per second of `run`, which processes `items` items per call; repeats for at least `minMs`. */
export function measureRate(run: () => void, items: number, { warmupMs = 300, minMs = 2000 } = {}): number {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) run();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * items) / (elapsed / 1000);
}

/** As measureRate, for asynchronous work. */
export async function measureRateAsync(
  run: () => Promise<void>,
  items: number,
  { warmupMs = 300, minMs = 2000 } = {},
): Promise<number> {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) await run();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (calls * items) / (elapsed / 1000);
}

const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

/** Prints a titled table: figure, baseline, ratio (how many times better than the baseline). */
export function report(title: string, comparisons: Comparison[]): void {
  const lines = [
    `\n## ${title}`,
    `machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`,
  ];
  for (const { subject, baseline, target } of comparisons) {
    let line = `- ${subject.name}: ${format(subject.value)} ${subject.unit}`;
    if (baseline) {
      const ratio =
        subject.better === 'higher' ? subject.value / baseline.value : baseline.value / subject.value;
      line += ` | baseline ${baseline.name}: ${format(baseline.value)} ${baseline.unit} | ratio ${ratio.toFixed(2)}x`;
    }
    if (target) line += ` | target ${target}`;
    lines.push(line);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
