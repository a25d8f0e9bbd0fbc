/**
 * Duplicate tweet ids within a partition's watermark horizon (stage 1, before re-keying): the
 * producer may send a tweet twice, and a duplicate must not be counted twice in the windows. Only
 * ids whose event time is at or after the watermark are remembered; a tweet below it is late
 * anyway (it reaches no window), so forgetting it is what keeps the memory bounded by the
 * watermark's horizon instead of the stream's length.
 *
 * Ids are bucketed by event-time second so that eviction drops whole buckets in order, whatever
 * order the tweets came in (a tweet far in the future does not pin older ones).
 */

const BUCKET_MS = 1000;

export interface TweetDeduplicatorState {
  /** [id, event time] of every id remembered */
  ids: [string, number][];
}

export class TweetDeduplicator {
  private readonly times = new Map<string, number>();
  private readonly buckets = new Map<number, string[]>();
  /** keys of `buckets`, ascending */
  private readonly bucketKeys: number[] = [];

  /**
   * True when `id` was already seen with an event time at or after `watermark` (a duplicate to
   * drop); otherwise remembers it (unless it is itself below the watermark) and returns false.
   */
  seen(id: string, eventTime: number, watermark: number): boolean {
    this.evict(watermark);
    const known = this.times.get(id);
    if (known !== undefined && known >= watermark) return true;
    if (eventTime >= watermark) this.remember(id, eventTime);
    return false;
  }

  /** Ids held. */
  size(): number {
    return this.times.size;
  }

  snapshot(): TweetDeduplicatorState {
    return { ids: [...this.times] };
  }

  static restore(state: TweetDeduplicatorState): TweetDeduplicator {
    const d = new TweetDeduplicator();
    for (const [id, time] of state.ids) d.remember(id, time);
    return d;
  }

  private remember(id: string, eventTime: number): void {
    this.times.set(id, eventTime);
    const key = Math.floor(eventTime / BUCKET_MS);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(key, bucket);
      let i = this.bucketKeys.length;
      while (i > 0 && (this.bucketKeys[i - 1] as number) > key) i--;
      this.bucketKeys.splice(i, 0, key);
    }
    bucket.push(id);
  }

  /** Forgets every bucket wholly below the watermark. */
  private evict(watermark: number): void {
    const keys = this.bucketKeys;
    let dropped = 0;
    while (dropped < keys.length) {
      const key = keys[dropped] as number;
      if ((key + 1) * BUCKET_MS > watermark) break;
      for (const id of this.buckets.get(key) as string[]) {
        // A copy of the id with another event time may have moved it to another bucket since.
        const time = this.times.get(id);
        if (time !== undefined && Math.floor(time / BUCKET_MS) === key) this.times.delete(id);
      }
      this.buckets.delete(key);
      dropped++;
    }
    if (dropped > 0) keys.splice(0, dropped);
  }
}
