/**
 * `sentiment speed` reads ALERT_RULES before it opens any backend: a bad rules file exits 2 with
 * every problem named by rule and field (no server needed: it never gets as far as one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', 'sentiment.js');

describe('sentiment speed', { timeout: 60_000 }, () => {
  it('exits 2 naming the rule and field of a bad ALERT_RULES file, before touching a backend', () => {
    const dir = mkdtempSync(join(tmpdir(), 'speed-cli-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      'rules:\n  - id: crash\n    window: 5\n    sentiment: { mean_compound_below: -0.5 }\n    price: { change_at_most: -0.02 }\n',
    );
    const result = spawnSync(process.execPath, [CLI, 'speed'], {
      env: { ...process.env, ALERT_RULES: rules, LAKE_DIR: join(dir, 'lake'), LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `ALERT_RULES (${rules}) is invalid:\n  rule 'crash' field window: must be a whole number of minutes like "5m" (got 5)`,
    );
  });
});
