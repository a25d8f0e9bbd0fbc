/** The object of an unpartitioned gold table (schemas/lake.ts names the `date=` partitions). */
import { goldTablePrefix } from '../schemas/lake.js';

export const goldTableObjectKey = (table: string, part = 0): string =>
  `${goldTablePrefix(table)}part-${String(part).padStart(5, '0')}.parquet`;

export const GOLD_LOCK_PREFIX = 'gold/_lock/';
export const GOLD_LATEST_RUN_KEY = 'gold/_runs/latest.json';
