/**
 * The CLI refuses an older Node than package.json's `engines` up front: on Node 20 the Kafka
 * client fails only at its first request, which start-up would retry and then blame on the broker.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** The "X.Y.Z" of an engines range of the form ">=X.Y.Z". */
export function minimumNodeVersion(range: string): string {
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!match?.[1]) throw new Error(`unsupported engines.node range: ${range}`);
  return match[1];
}

/** Whether dotted version `actual` (e.g. "24.22.3", a leading "v" allowed) is at least `minimum`. */
export function meetsMinimum(actual: string, minimum: string): boolean {
  const a = actual.replace(/^v/, '').split('.').map(Number);
  const m = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = m[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The message for a too-old Node, or undefined when this Node will do. */
export function nodeRequirementProblem(
  version = process.versions.node,
  execPath = process.execPath,
): string | undefined {
  const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const minimum = minimumNodeVersion(engines.node);
  if (meetsMinimum(version, minimum)) return undefined;
  const bundled = join(ROOT, 'node_modules', '.bin', 'node');
  const remedy = existsSync(bundled)
    ? `The project's own Node is in node_modules/.bin: \`npx sentiment …\` runs on it, or put it first on the PATH:\n  export PATH="${join(ROOT, 'node_modules', '.bin')}:$PATH"`
    : `Install Node.js ${minimum} or later (24 LTS recommended) and run the command again.`;
  return `sentiment: needs Node.js ${minimum} or later, but ${execPath} is ${version}.\n${remedy}\n`;
}
