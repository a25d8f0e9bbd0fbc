/**
 * Serialized answers of the series routes (sentiment, candles), kept while what they were merged
 * from stays the same. The merge is a pure function of its inputs (merge/merge.ts), so an answer
 * may be sent again exactly when every input is the same as when it was built: the range and
 * interval, the horizon (run id and boundary), the speed view's retention edge
 * (`speedFrom`, which moves once a minute), the gold rows and the speed rows.
 *
 * Comparing the inputs is cheap because the readers share what did not change: the gold reader
 * answers a repeated query with the same array (gold is immutable per run), and the minute cache
 * hands out the same row objects for settled minutes; only the few not-yet-settled rows it read
 * again from Cassandra are compared column by column. What a hit saves is the merge, the bucket
 * mapping, the JSON serialization and the UTF-8 encoding of the body: most of a request's CPU
 * (bench/RESULTS.md, Serving API).
 */
import { type SentimentMinuteRow, SentimentMinuteRowSchema } from '../schemas/rows.js';
import type { SeriesInputs } from './serving-views.js';

interface Entry {
  inputs: SeriesInputs;
  body: Buffer;
}

const MINUTE_COLUMNS = Object.keys(SentimentMinuteRowSchema.properties) as (keyof SentimentMinuteRow)[];

function sameRows(a: readonly SentimentMinuteRow[], b: readonly SentimentMinuteRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as SentimentMinuteRow;
    const y = b[i] as SentimentMinuteRow;
    if (x === y) continue;
    for (const column of MINUTE_COLUMNS) if (x[column] !== y[column]) return false;
  }
  return true;
}

function sameInputs(a: SeriesInputs, b: SeriesInputs): boolean {
  return (
    a.intervalMs === b.intervalMs &&
    a.from === b.from &&
    a.to === b.to &&
    a.horizon?.runId === b.horizon?.runId &&
    a.boundary === b.boundary &&
    a.speedFrom === b.speedFrom &&
    a.gold === b.gold &&
    sameRows(a.speed, b.speed)
  );
}

export class SeriesAnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  /**
   * `maxBytes`: the bodies kept, in bytes (least recently used dropped first); 0 keeps none.
   * `observe` hears whether each answer was sent again or built (the API's metrics count them).
   */
  constructor(
    private readonly maxBytes: number,
    private readonly observe: (outcome: 'hit' | 'build') => void = () => {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The body for `key` (the route and its parameters) over `inputs`: the one kept if it was built
   * from the same inputs, else `build()`'s, kept in its place.
   */
  answer(key: string, inputs: SeriesInputs, build: () => string): Buffer {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      if (sameInputs(entry.inputs, inputs)) {
        // Re-inserted: Map order is insertion order, so it is now the most recently used.
        this.entries.set(key, entry);
        this.observe('hit');
        return entry.body;
      }
      this.bytes -= entry.body.length;
    }
    this.observe('build');
    const body = Buffer.from(build());
    if (body.length <= this.maxBytes) {
      this.entries.set(key, { inputs, body });
      this.bytes += body.length;
      while (this.bytes > this.maxBytes) {
        const [oldest, kept] = this.entries.entries().next().value as [string, Entry];
        this.entries.delete(oldest);
        this.bytes -= kept.body.length;
      }
    }
    return body;
  }
}
