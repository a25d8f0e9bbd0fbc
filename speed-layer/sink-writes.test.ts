import { describe, expect, it } from 'vitest';
import { TABLES } from '../schemas/cassandra.js';
import { checkpointDue, WriteChain, WritePipeline } from './sink-writes.js';
import { lastVersions } from './symbol-stage.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function deps() {
  const reached: string[] = [];
  return {
    reached,
    deps: { metrics: {} as never, crash: { reached: (point: string) => reached.push(point) } as never },
  };
}

describe('WritePipeline', () => {
  it('keeps at most its depth of batches in flight, and returns from submit once one settles', async () => {
    const { deps: d } = deps();
    const pipeline = new WritePipeline(d, 2);
    const writes = [deferred(), deferred(), deferred()];
    await pipeline.submit([writes[0]?.promise as Promise<void>]);
    await pipeline.submit([writes[1]?.promise as Promise<void>]);
    expect(pipeline.size).toBe(2);
    let third = false;
    const submitted = pipeline.submit([writes[2]?.promise as Promise<void>]).then(() => {
      third = true;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    writes[0]?.resolve();
    await submitted;
    expect(third).toBe(true);
    expect(pipeline.size).toBe(2);
  });

  it('drains in order, running each batch’s follow-up only after its writes succeeded', async () => {
    const { deps: d, reached } = deps();
    const pipeline = new WritePipeline(d, 4);
    const order: string[] = [];
    const [a, b] = [deferred(), deferred()];
    await pipeline.submit([a.promise], () => order.push('a'));
    await pipeline.submit([b.promise], () => order.push('b'));
    b.resolve();
    await Promise.resolve();
    expect(order).toEqual([]);
    a.resolve();
    await pipeline.drain();
    expect(order).toEqual(['a', 'b']);
    expect(reached).toEqual(['after-sinks', 'after-sinks']);
    expect(pipeline.size).toBe(0);
  });

  it('throws a failed batch only after every batch in flight has settled, and runs no follow-up', async () => {
    const { deps: d } = deps();
    const pipeline = new WritePipeline(d, 4);
    const [a, b] = [deferred(), deferred()];
    let followUps = 0;
    await pipeline.submit([a.promise], () => followUps++);
    await pipeline.submit([b.promise], () => followUps++);
    a.reject(new Error('cassandra down'));
    let thrown: unknown;
    const drained = pipeline.drain().catch((error) => {
      thrown = error;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(thrown).toBeUndefined(); // b still running
    b.resolve();
    await drained;
    expect((thrown as Error).message).toBe('cassandra down');
    expect(followUps).toBe(0);
    expect(pipeline.size).toBe(0);
  });

  it('gives write times that only increase, even within one millisecond', () => {
    const pipeline = new WritePipeline(deps().deps, 1);
    const times = Array.from({ length: 1000 }, () => pipeline.nextWriteTime());
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(Math.abs((times[0] as number) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses a depth below one', () => {
    expect(() => new WritePipeline(deps().deps, 0)).toThrow(/positive integer/);
  });
});

describe('WriteChain', () => {
  it('starts each put after the one before it, and none after a failure', async () => {
    const chain = new WriteChain();
    const started: number[] = [];
    const first = deferred();
    const p1 = chain.after(async () => {
      started.push(1);
      await first.promise;
    });
    const p2 = chain.after(async () => {
      started.push(2);
      throw new Error('put failed');
    });
    const p3 = chain.after(async () => {
      started.push(3);
    });
    await Promise.resolve();
    expect(started).toEqual([1]);
    first.resolve();
    await p1;
    await expect(p2).rejects.toThrow('put failed');
    await expect(p3).rejects.toThrow('put failed');
    expect(started).toEqual([1, 2]);
  });
});

describe('checkpointDue', () => {
  it('drains first, once, and only when some task is due', async () => {
    const calls: string[] = [];
    const tasks = new Map([
      [0, { lastCheckpointAt: 0 }],
      [1, { lastCheckpointAt: 900 }],
    ]);
    const run = (now: number, force = false) =>
      checkpointDue(
        tasks,
        now,
        force,
        1000,
        async () => {
          calls.push('drain');
        },
        async (p) => {
          calls.push(`checkpoint ${p}`);
        },
      );
    await run(500);
    expect(calls).toEqual([]);
    await run(1000);
    expect(calls).toEqual(['drain', 'checkpoint 0']);
    calls.length = 0;
    await run(1000, true);
    expect(calls).toEqual(['drain', 'checkpoint 0', 'checkpoint 1']);
  });
});

describe('lastVersions', () => {
  const key = { symbol: 'AAPL', day: '2025-01-06', created_at: 1, id: 't1' };
  it('sends one row per key: the last version, keeping what it leaves undefined from the earlier', () => {
    const rows = lastVersions(TABLES.tweetsBySymbol, [
      { ...key, price_at_tweet: 10, price_tick_at: 0, late: false },
      { ...key, id: 't2', price_at_tweet: 11 },
      { ...key, price_at_tweet: 12, price_tick_at: undefined },
    ]);
    expect(rows).toEqual([
      { ...key, price_at_tweet: 12, price_tick_at: 0, late: false },
      { ...key, id: 't2', price_at_tweet: 11 },
    ]);
  });

  it('returns the rows as they are when no key repeats', () => {
    const rows = [{ ...key }, { ...key, id: 't2' }];
    expect(lastVersions(TABLES.tweetsBySymbol, rows)).toBe(rows);
  });
});
