import { describe, expect, it } from 'vitest';
import { SpeedMetrics } from './metrics.js';

async function sinkUp(metrics: SpeedMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.sinkUp.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.sink), v.value]));
}

describe('SpeedMetrics.timed: speed_sink_up per sink', () => {
  it('goes to 0 when a write to the sink fails, and back to 1 only when one succeeds', async () => {
    const metrics = new SpeedMetrics();
    await metrics.timed('market_data', async () => 'ok');
    await metrics.timed('bronze', async () => 'ok');
    expect(await sinkUp(metrics)).toEqual({ market_data: 1, bronze: 1 });

    const down = new Error('connect ECONNREFUSED');
    await expect(
      metrics.timed('market_data', async () => {
        throw down;
      }),
    ).rejects.toBe(down);
    expect(await sinkUp(metrics)).toEqual({ market_data: 0, bronze: 1 });
    expect((await metrics.sinkErrors.get()).values).toEqual([
      expect.objectContaining({ labels: { sink: 'market_data' }, value: 1 }),
    ]);

    await expect(metrics.timed('market_data', async () => 42)).resolves.toBe(42);
    expect(await sinkUp(metrics)).toEqual({ market_data: 1, bronze: 1 });
  });
});
