#!/usr/bin/env node
// The `sentiment` CLI. tsx compiles the TypeScript sources on load, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
