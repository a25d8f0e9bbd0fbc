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

describe('shutdown on a signal', () => {
  it('exits 1 when a close step outlasts the deadline', async () => {
    const shutdown = new Shutdown(pino({ level: 'silent' }));
    shutdown.onShutdown('stuck', () => new Promise(() => {}));
    const exited = new Promise<number>((resolve) => shutdown.installSignalHandlers(resolve, 50));
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exited).toBe(1);
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
  });
});
