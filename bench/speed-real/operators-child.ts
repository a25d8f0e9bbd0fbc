/**
 * One member of a multi-process run of operators-runner.ts: `node --import tsx
 * operators-child.ts <topic> <group> <partitions> <members>` with the servers' environment; prints
 * its OperatorsRun as one JSON line.
 */
import pino from 'pino';
import { openBackends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { runOperators } from './operators-runner.js';

const [topic, groupId, partitions, members] = process.argv.slice(2);
const config = loadConfig(process.env);
const backends = await openBackends(config, pino({ level: 'silent' }));
const run = await runOperators(backends.eventLog, {
  topic: topic as string,
  groupId: groupId as string,
  partitions: Number(partitions),
  delayMs: config.watermarkDelayMs,
  members: Number(members),
});
process.stdout.write(`${JSON.stringify(run)}\n`);
await backends.close();
