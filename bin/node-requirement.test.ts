import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meetsMinimum, minimumNodeVersion, nodeRequirementProblem } from './node-requirement.js';

const CLI = join(import.meta.dirname, 'sentiment.js');
const engines = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    engines: { node: string };
  }
).engines.node;

/** An older Node than the project needs, when the machine has one (Debian's, for instance). */
function olderSystemNode(): string | undefined {
  const path = '/usr/bin/node';
  if (!existsSync(path)) return undefined;
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return meetsMinimum(version, minimumNodeVersion(engines)) ? undefined : path;
}

describe('the Node the CLI runs on', () => {
  it('compares dotted versions numerically against the engines minimum', () => {
    expect(minimumNodeVersion('>=22.22.0')).toBe('22.22.0');
    expect(meetsMinimum('v24.22.3', '22.22.0')).toBe(true);
    expect(meetsMinimum('22.22.0', '22.22.0')).toBe(true);
    expect(meetsMinimum('22.9.0', '22.22.0')).toBe(false);
    expect(meetsMinimum('20.20.2', '22.22.0')).toBe(false);
    expect(meetsMinimum('100.0.0', '22.22.0')).toBe(true);
  });

  it('accepts the Node the tests run on and names the minimum and the old Node otherwise', () => {
    expect(nodeRequirementProblem()).toBeUndefined();
    const problem = nodeRequirementProblem('20.20.2', '/usr/bin/node');
    expect(problem).toContain(`needs Node.js ${minimumNodeVersion(engines)} or later`);
    expect(problem).toContain('/usr/bin/node is 20.20.2');
  });

  const older = olderSystemNode();
  it.skipIf(older === undefined)('exits 1 at once on an older Node, saying which one to use', () => {
    const result = spawnSync(older as string, [CLI, '--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('needs Node.js');
  });
});
