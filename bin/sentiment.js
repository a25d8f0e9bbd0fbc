#!/usr/bin/env node
// The `sentiment` CLI. tsx compiles the TypeScript sources on load, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { nodeRequirementProblem } = await import('./node-requirement.ts');
const problem = nodeRequirementProblem();
if (problem) {
  process.stderr.write(problem);
  process.exit(1);
}
await import('./cli.ts');
