/**
 * `npm run bench [-- name...]`: runs bench/*.bench.ts one at a time, each in its own process so
 * that one benchmark's heap and JIT state do not colour the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(' ') || '(none present)'}\n`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n# ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, file)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
