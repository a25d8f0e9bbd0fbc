/**
 * Where the speed layer keeps what a restart needs beside Kafka's committed offsets (the client
 * sends no commit metadata): one small JSON object per task in the lake, written after the sinks
 * hold everything before its offsets and before those offsets are committed to Kafka. On
 * assignment a task resumes from its checkpoint, which is therefore never behind the commit.
 *
 *   _speed/checkpoints/<group>/<task>.json      e.g. task `tweets-p0`, `symbols-p2`
 *   _speed/checkpoints/<group>/symbols-p<N>.pending-<seq>.json   mentions awaiting their final
 *                                                 price, awaited between two checkpoints
 *   bronze/_progress/<dataset>/p<partition>.json how far bronze holds a partition, see BronzeProgress
 *
 * The lake (not Cassandra) holds them because bronze progress must be there for the batch layer
 * anyway, and because one object put is atomic: a reader sees the old checkpoint or the new one.
 */

import type { ObjectStore } from '../infra/lake/object-store.js';
import type { BronzeDataset } from '../schemas/lake.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const checkpointKey = (group: string, task: string): string => {
  if (!/^[A-Za-z0-9._-]+$/.test(group) || !/^[A-Za-z0-9._-]+$/.test(task))
    throw new Error(`checkpoint: bad group or task name ${group}/${task}`);
  return `_speed/checkpoints/${group}/${task}.json`;
};

export const bronzeProgressKey = (dataset: BronzeDataset, partition: number): string =>
  `bronze/_progress/${dataset}/p${partition}.json`;

export async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as T);
}

/**
 * The bytes `writeJson` stores for `value`. JSON has no infinities: JSON.stringify writes a
 * non-finite number (a watermark before any data) as null. No replacer: one took V8 off its fast
 * path, and the checkpoint of stage 2's awaited rows is large.
 */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, encodeJson(value), { contentType: 'application/json' });
}

/** A finite number, or -Infinity for the null a non-finite one was stored as. */
export const timeOrNone = (v: number | null | undefined): number =>
  typeof v === 'number' ? v : Number.NEGATIVE_INFINITY;

export class Checkpoints {
  constructor(
    private readonly store: ObjectStore,
    private readonly group: string,
  ) {}

  read<T>(task: string): Promise<T | undefined> {
    return readJson<T>(this.store, checkpointKey(this.group, task));
  }

  write(task: string, state: unknown): Promise<void> {
    return writeJson(this.store, checkpointKey(this.group, task), state);
  }

  /** Stores what `encodeJson` made of a state captured earlier (a checkpoint written in the background). */
  writeEncoded(task: string, bytes: Uint8Array): Promise<void> {
    return this.store.put(checkpointKey(this.group, task), bytes, { contentType: 'application/json' });
  }

  delete(task: string): Promise<void> {
    return this.store.delete(checkpointKey(this.group, task));
  }
}

/**
 * How far bronze holds one source partition, kept so that a replay never writes an offset twice.
 * An object's boundaries can depend on processing time (the maximum-age rule), so a replay may
 * cut differently; instead of relying on equal cuts, the writer records the object it is about to
 * put (`pending`) before putting it, and `lastOffset` after. On resume, a pending object that
 * exists counts as written. Everything at or below the resulting offset is skipped by the replay.
 */
export interface BronzeProgressState {
  /** Last source offset held by a written object (-1: none). */
  lastOffset: number;
  pending?: { key: string; lastOffset: number };
  /**
   * Event time up to which this partition's bronze is complete, late rows aside: the partition's
   * watermark at the first offset not yet written. The batch layer's horizon never passes the
   * minimum of these.
   */
  completeUntil: number | null;
  updatedAt: number;
}

export class BronzeProgress {
  private state: BronzeProgressState;
  /** The stored object is behind `state` (an object was put since it was written). */
  private dirty = false;

  private constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    state: BronzeProgressState,
  ) {
    this.state = state;
  }

  static async open(store: ObjectStore, dataset: BronzeDataset, partition: number): Promise<BronzeProgress> {
    const key = bronzeProgressKey(dataset, partition);
    const stored = await readJson<BronzeProgressState>(store, key);
    const state: BronzeProgressState = stored ?? { lastOffset: -1, completeUntil: null, updatedAt: 0 };
    if (state.pending) {
      const written = await store.head(state.pending.key);
      if (written) state.lastOffset = Math.max(state.lastOffset, state.pending.lastOffset);
      delete state.pending;
    }
    return new BronzeProgress(store, key, state);
  }

  lastOffset(): number {
    return this.state.lastOffset;
  }

  completeUntil(): number | null {
    return this.state.completeUntil;
  }

  /** Puts one closed object, recording it as pending first (see the class comment). */
  async putObject(key: string, lastOffset: number, body: Uint8Array, now: number): Promise<void> {
    this.state = { ...this.state, pending: { key, lastOffset }, updatedAt: now };
    await writeJson(this.store, this.key, this.state);
    // A replay that cut at the same place finds the object there; identical bytes are not needed.
    await this.store.putIfAbsent(key, body, { contentType: 'application/vnd.apache.parquet' });
    this.state = { lastOffset, completeUntil: this.state.completeUntil, updatedAt: now };
    this.dirty = true;
  }

  /** Records completeness in event time; written with the next checkpoint, not per object. */
  async record(completeUntil: number, now: number): Promise<void> {
    const value = Number.isFinite(completeUntil) ? completeUntil : null;
    if (value === this.state.completeUntil && !this.dirty) return;
    this.state = { ...this.state, completeUntil: value, updatedAt: now };
    await writeJson(this.store, this.key, this.state);
    this.dirty = false;
  }
}
