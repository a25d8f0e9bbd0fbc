/** Gold keys of the batch layer; those the API reads too are defined in schemas/gold.ts. */
export { GOLD_LATEST_RUN_KEY, goldTableObjectKey } from '../schemas/gold.js';

export const GOLD_LOCK_PREFIX = 'gold/_lock/';
