/**
 * The alert webhook dispatcher alone, as its own process, for the kill -9 test
 * (alert-webhook.test.ts): configured from the environment like the CLI, on the real Kafka.
 * Prints "ready" on stdout once it has joined its group; SIGTERM stops it cleanly.
 * `--lane-capacity N` buffers fewer events per partition, so the test also reads events again
 * after a full lane (a seek on the real consumer).
 */
import { openEventLog } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { AlertWebhookDispatcher } from '../../speed-layer/alerts/webhook-dispatcher.js';
import { SpeedMetrics } from '../../speed-layer/metrics.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel, 'alert-webhook');
const [eventLog] = await openEventLog(config, logger);
const capacityFlag = process.argv.indexOf('--lane-capacity');
const laneCapacity = capacityFlag > 0 ? Number(process.argv[capacityFlag + 1]) : undefined;
const dispatcher = await AlertWebhookDispatcher.start({
  eventLog,
  config,
  logger,
  metrics: new SpeedMetrics(),
  ...(laneCapacity === undefined ? {} : { laneCapacity }),
});
process.stdout.write('ready\n');

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void dispatcher
    .stop()
    .then(() => eventLog.close())
    .then(() => process.exit(0));
});
await dispatcher.finished();
