/**
 * One batch run writes gold at a time. The lake port has a conditional create (putIfAbsent) but no
 * compare-and-swap, so the lock is a sequence of generations, `gold/_lock/<generation>.json`,
 * each created with putIfAbsent: of two runs that both find generation g stale (expired or
 * released), exactly one creates g+1 and holds the lock. The holder extends its expiry by
 * rewriting its own generation (no one else writes it), and releases by marking it released.
 * A crashed run's lock expires after `ttlMs`, and the next run takes over.
 */
import type { ObjectStore } from '../infra/lake/object-store.js';
import { GOLD_LOCK_PREFIX } from './gold-keys.js';

interface LockBody {
  runId: string;
  expiresAt: number;
  released?: boolean;
}

const GENERATION_DIGITS = 12;
const lockKey = (generation: number) =>
  `${GOLD_LOCK_PREFIX}${String(generation).padStart(GENERATION_DIGITS, '0')}.json`;
const encoder = new TextEncoder();

export class LockHeldError extends Error {
  constructor(
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(`another batch run (${holder}) holds the lock until ${new Date(expiresAt).toISOString()}`);
    this.name = 'LockHeldError';
  }
}

export class LockLostError extends Error {
  constructor(runId: string) {
    super(`batch run ${runId} lost its lock (it expired and another run took it over)`);
    this.name = 'LockLostError';
  }
}

async function latestGeneration(
  store: ObjectStore,
): Promise<{ generation: number; body?: LockBody } | undefined> {
  const level = await store.listLevel(GOLD_LOCK_PREFIX);
  const last = level.objects.at(-1);
  if (!last) return undefined;
  const generation = Number(last.key.slice(GOLD_LOCK_PREFIX.length, -'.json'.length));
  const bytes = await store.get(last.key);
  let body: LockBody | undefined;
  try {
    body = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as LockBody) : undefined;
  } catch {
    body = undefined;
  }
  return { generation, ...(body ? { body } : {}) };
}

export class RunLock {
  private constructor(
    private readonly store: ObjectStore,
    readonly runId: string,
    private readonly generation: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Takes the lock or throws LockHeldError naming the holder. */
  static async acquire(
    store: ObjectStore,
    runId: string,
    ttlMs: number,
    now: () => number = Date.now,
  ): Promise<RunLock> {
    const current = await latestGeneration(store);
    if (current?.body && !current.body.released && current.body.expiresAt > now())
      throw new LockHeldError(current.body.runId, current.body.expiresAt);
    // Absent, released, expired or unreadable (a torn write cannot happen, but a foreign file can).
    const generation = (current?.generation ?? 0) + 1;
    const body: LockBody = { runId, expiresAt: now() + ttlMs };
    if (!(await store.putIfAbsent(lockKey(generation), encoder.encode(JSON.stringify(body))))) {
      const winner = await latestGeneration(store);
      throw new LockHeldError(winner?.body?.runId ?? 'unknown', winner?.body?.expiresAt ?? now() + ttlMs);
    }
    // Older generations are history; removing them keeps the listing one object long.
    if (current) await store.delete(lockKey(current.generation)).catch(() => undefined);
    return new RunLock(store, runId, generation, ttlMs, now);
  }

  /** Still ours: no later generation, and not expired. Throws LockLostError otherwise. */
  async confirm(): Promise<void> {
    const current = await latestGeneration(this.store);
    if (current?.generation !== this.generation || current.body?.runId !== this.runId)
      throw new LockLostError(this.runId);
    if ((current.body?.expiresAt ?? 0) <= this.now()) throw new LockLostError(this.runId);
  }

  /** Extends the expiry to now + ttl, after confirming the lock is still ours. */
  async renew(): Promise<void> {
    await this.confirm();
    await this.write({ runId: this.runId, expiresAt: this.now() + this.ttlMs });
  }

  async release(): Promise<void> {
    const current = await latestGeneration(this.store);
    if (current?.generation !== this.generation) return;
    await this.write({ runId: this.runId, expiresAt: this.now(), released: true });
  }

  private write(body: LockBody): Promise<void> {
    return this.store.put(lockKey(this.generation), encoder.encode(JSON.stringify(body)), {
      contentType: 'application/json',
    });
  }
}
