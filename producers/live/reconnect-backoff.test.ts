import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './reconnect-backoff.js';

const policy = { initialDelayMs: 1000, maxDelayMs: 60_000 };

describe('reconnect backoff', () => {
  it('doubles the step per failure up to the cap, with half of it random', () => {
    const low = [1, 2, 3, 4, 8].map((n) => reconnectDelay(n, policy, () => 0));
    const high = [1, 2, 3, 4, 8].map((n) => reconnectDelay(n, policy, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect(reconnectDelay(1000, policy, () => 0.5)).toBe(45_000);
  });
});
