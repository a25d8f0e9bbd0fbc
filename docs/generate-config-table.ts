/** `npm run docs:config`: rewrites the README's configuration table from infra/config.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { configTableMarkdown } from '../infra/config.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const updated = readme.replace(
  /(<!-- config-table:start[^>]*-->\n)[\s\S]*?(\n<!-- config-table:end -->)/,
  (_, start: string, end: string) => `${start}${configTableMarkdown()}${end}`,
);
writeFileSync(path, updated);
process.stdout.write(
  updated === readme ? 'README config table already up to date\n' : 'README config table updated\n',
);
