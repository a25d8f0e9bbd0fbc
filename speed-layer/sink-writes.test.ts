import { describe, expect, it } from 'vitest';
import { TABLES } from '../schemas/cassandra.js';
import { SpeedMetrics } from './metrics.js';
import { BackgroundCheckpoints, WriteChain, WritePipeline } from './sink-writes.js';
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

describe('BackgroundCheckpoints', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));

  function background() {
    const { deps: d } = deps();
    const pipeline = new WritePipeline(d, 4);
    const checkpoints = new BackgroundCheckpoints(pipeline, new SpeedMetrics(), 'test');
    const tasks = new Map([
      [0, { lastCheckpointAt: 0 }],
      [1, { lastCheckpointAt: 900 }],
    ]);
    const log: string[] = [];
    const run = (now: number, force = false, write: (p: number) => Promise<void> = async () => {}) =>
      checkpoints.due(tasks, now, force, 1000, (p, task) => {
        task.lastCheckpointAt = now; // as a stage's capture does
        log.push(`capture ${p}`);
        return async () => {
          await write(p);
          log.push(`written ${p}`);
        };
      });
    return { pipeline, checkpoints, run, log };
  }

  it('captures only the tasks due, and none before any is', async () => {
    const { run, log, checkpoints } = background();
    await run(500);
    expect(log).toEqual([]);
    await run(1000);
    await checkpoints.finish();
    expect(log).toEqual(['capture 0', 'written 0']);
  });

  it('writes once the batches submitted before the capture are durable, not those after, and returns at once', async () => {
    const { pipeline, run, log, checkpoints } = background();
    const before = deferred();
    await pipeline.submit([before.promise]);
    await run(1000);
    const after = deferred();
    await pipeline.submit([after.promise]);
    await tick();
    expect(log).toEqual(['capture 0']);
    before.resolve();
    await checkpoints.finish();
    expect(log).toEqual(['capture 0', 'written 0']);
    after.resolve();
    await pipeline.drain();
  });

  it('keeps one checkpoint in flight: a task due meanwhile waits for the next call after it', async () => {
    const { run, log, checkpoints } = background();
    const slow = deferred();
    await run(1000, false, () => slow.promise);
    await run(2000);
    expect(log).toEqual(['capture 0']);
    slow.resolve();
    await checkpoints.finish();
    await run(2000);
    await checkpoints.finish();
    expect(log).toEqual(['capture 0', 'written 0', 'capture 0', 'capture 1', 'written 0', 'written 1']);
  });

  it('throws a failed checkpoint at the next call, once, then writes again', async () => {
    const { run, log, checkpoints } = background();
    await run(1000, false, async () => {
      throw new Error('lake down');
    });
    await checkpoints.settle().catch(() => undefined);
    // settle forgets the failure (the stage rebuilds); a fresh failure is what the next call throws.
    await run(2000, false, async () => {
      throw new Error('lake still down');
    });
    await tick();
    await expect(run(3000)).rejects.toThrow('lake still down');
    await run(3000);
    await checkpoints.finish();
    expect(log.filter((l) => l.startsWith('written'))).toEqual(['written 0', 'written 1']);
  });

  it('waits for the one in flight when forced, then writes every task before returning', async () => {
    const { run, log } = background();
    const slow = deferred();
    await run(1000, false, () => slow.promise);
    const forced = run(1000, true);
    await tick();
    expect(log).toEqual(['capture 0']);
    slow.resolve();
    await forced;
    expect(log).toEqual(['capture 0', 'written 0', 'capture 0', 'capture 1', 'written 0', 'written 1']);
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
