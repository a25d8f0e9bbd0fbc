import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown } from '../infra/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('carries the configuration table generated from the config module', () => {
    const table = readme
      .split('<!-- config-table:start')[1]
      ?.split('-->')[1]
      ?.split('<!-- config-table:end')[0];
    expect(table?.trim()).toBe(configTableMarkdown());
  });

  it('keeps the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
