/**
 * Fault injection for the crash tests: with SPEED_CRASH_AT="after-sinks:3" the process kills
 * itself with SIGKILL — no flush, no commit, as kill -9 would — the third time it reaches that
 * point. The points are the moments a crash is most likely to break exactly-once:
 *
 *   after-sinks       a batch's Cassandra rows, internal records and dead letters are written,
 *                     its checkpoint and commit are not
 *   after-bronze-put  a bronze object is in the lake, the partition's progress and commit are not
 *   after-checkpoint  the checkpoint is written, the Kafka commit is not
 *   in-rebalance      partitions are being handed over (inside the rebalance listener)
 *   after-alert-write a batch with alert openings or closings is in alerts_by_symbol and on the
 *                     alerts topic, its checkpoint and commit are not
 *
 * Unset (always, outside the tests), a check costs one comparison.
 */
import type { CrashPoint } from '../infra/config.js';

export class CrashPoints {
  private remaining: number;

  constructor(private readonly armed: { point: CrashPoint; at: number } | undefined) {
    this.remaining = armed?.at ?? 0;
  }

  reached(point: CrashPoint): void {
    if (this.armed?.point !== point) return;
    if (--this.remaining > 0) return;
    process.stderr.write(`speed layer: crash point ${point} reached, killing the process (SPEED_CRASH_AT)\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
