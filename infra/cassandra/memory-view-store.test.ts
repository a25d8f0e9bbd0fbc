import { MemoryViewStore } from './memory-view-store.js';
import { viewStoreContract } from './view-store.contract.js';

let clock = Date.UTC(2024, 4, 1);
viewStoreContract(
  'embedded',
  async () => new MemoryViewStore({ defaultTtlSeconds: 3600, now: () => clock }),
  {
    elapse: async (ms) => {
      clock += ms;
    },
  },
);
