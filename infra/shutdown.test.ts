import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Shutdown } from './shutdown.js';

describe('shutdown', () => {
  it('closes steps last-registered first, once', async () => {
    const shutdown = new Shutdown(pino({ level: 'silent' }));
    const order: string[] = [];
    shutdown.onShutdown('sinks', () => {
      order.push('sinks');
    });
    shutdown.onShutdown('intake', async () => {
      order.push('intake');
    });
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect(order).toEqual(['intake', 'sinks']);
    expect(await shutdown.requested()).toBe('test');
  });

  it('runs every step even when one fails, then reports the failure', async () => {
    const shutdown = new Shutdown(pino({ level: 'silent' }));
    const closed: string[] = [];
    shutdown.onShutdown('a', () => {
      closed.push('a');
    });
    shutdown.onShutdown('b', () => {
      throw new Error('boom');
    });
    await expect(shutdown.run('test')).rejects.toThrow(/failures/);
    expect(closed).toEqual(['a']);
  });
});
