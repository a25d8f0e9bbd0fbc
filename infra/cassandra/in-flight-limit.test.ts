import { describe, expect, it } from 'vitest';
import { InFlightLimit } from './in-flight-limit.js';

describe('InFlightLimit', () => {
  it('never runs more tasks at once than its limit, across callers, and runs them all', async () => {
    const limit = new InFlightLimit(3);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      running--;
      return 1;
    };
    const callers = Array.from({ length: 4 }, () =>
      Promise.all(Array.from({ length: 20 }, () => limit.run(task))),
    );
    const results = (await Promise.all(callers)).flat();
    expect(results).toHaveLength(80);
    expect(peak).toBe(3);
    expect(limit.inFlight).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new InFlightLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit below one', () => {
    expect(() => new InFlightLimit(0)).toThrow(/positive integer/);
  });
});
