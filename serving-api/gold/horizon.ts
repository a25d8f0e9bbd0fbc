/**
 * The batch horizon as the API sees it: `gold/_runs/latest.json`, re-read at most every
 * `refreshMs`, so a request does not cost a lake read each time while a new run is picked up
 * within that delay. A pointer that does not match its schema is treated as a lake fault (503),
 * not as "no run".
 */
import { Compile } from 'typebox/compile';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import { GOLD_LATEST_RUN_KEY, LatestRunPointerSchema } from '../../schemas/gold.js';
import { parseEventTime } from '../../schemas/time.js';
import type { BackendCall } from '../backend-call.js';
import { BackendUnavailableError } from '../errors.js';

export interface Horizon {
  runId: string;
  /** epoch ms; null while the run covers nothing yet */
  coveredUntil: number | null;
  /** epoch ms */
  finishedAt: number;
}

const pointerCheck = Compile(LatestRunPointerSchema);
const decoder = new TextDecoder();

export interface HorizonReaderOptions {
  store: ObjectStore;
  backend: string;
  call: BackendCall;
  refreshMs: number;
  now?: () => number;
}

export class HorizonReader {
  private cached: { at: number; value: Promise<Horizon | undefined> } | undefined;

  constructor(private readonly options: HorizonReaderOptions) {}

  /** The latest complete run, or undefined before the first one. */
  current(): Promise<Horizon | undefined> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < this.options.refreshMs) return this.cached.value;
    const value = this.read();
    this.cached = { at: now, value };
    // A failed read is not remembered: the next request asks the lake again.
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  private async read(): Promise<Horizon | undefined> {
    const { store, backend, call } = this.options;
    const bytes = await call(backend, () => store.get(GOLD_LATEST_RUN_KEY));
    if (!bytes) return undefined;
    let pointer: unknown;
    try {
      pointer = JSON.parse(decoder.decode(bytes));
    } catch {
      pointer = undefined;
    }
    if (!pointerCheck.Check(pointer)) {
      throw new BackendUnavailableError(backend, `${GOLD_LATEST_RUN_KEY} is not a run pointer`);
    }
    const coveredUntil =
      pointer.coveredUntil === null ? null : (parseEventTime(pointer.coveredUntil) ?? null);
    return {
      runId: pointer.runId,
      coveredUntil,
      finishedAt: parseEventTime(pointer.finishedAt) ?? 0,
    };
  }
}
