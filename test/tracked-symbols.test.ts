import { describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.js';
import { DEFAULT_SYMBOLS } from '../producers/symbols.js';

describe('tracked symbols', () => {
  it('are by default the symbols the synthetic producers write, so the demo’s symbols are known to the API', () => {
    expect(loadConfig({}).api.symbols).toEqual([...DEFAULT_SYMBOLS]);
  });
});
