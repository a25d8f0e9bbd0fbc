import type { Backends } from '../infra/backends.js';
import { AlertRulesError, loadAlertRules } from '../speed-layer/alerts/alert-rules.js';
import { SpeedLayer } from '../speed-layer/speed-layer.js';
import { type CommandContext, exitWithConfigError } from './command-runtime.js';

/**
 * Starts the speed layer over the given backends and registers its graceful stop (write what is
 * in hand, checkpoint, commit) before the backends close. A stage that stops by itself — a
 * backend unreachable past BACKEND_DOWN_DEADLINE — ends the process with exit code 1, naming it.
 */
const STATUS_INTERVAL_MS = 15_000;

/**
 * The alert rules of ALERT_RULES, read before any backend is opened: a bad rules file exits 2
 * naming each rule and field, as a bad variable does.
 */
export async function loadAlertRulesOrExit(context: CommandContext): ReturnType<typeof loadAlertRules> {
  try {
    return await loadAlertRules(context.config.alerts.rulesFile);
  } catch (error) {
    if (error instanceof AlertRulesError) exitWithConfigError(error);
    throw error;
  }
}

export async function startSpeedLayer(
  context: CommandContext,
  backends: Backends,
  alertRules?: Awaited<ReturnType<typeof loadAlertRules>>,
): Promise<SpeedLayer> {
  const { config, logger, shutdown } = context;
  const layer = await SpeedLayer.start({ backends, config, logger, alertRules });
  shutdown.onShutdown('speed layer', () => layer.stop());
  if (config.alerts.webhook) {
    // Its own consumer of the alerts topic the layer writes: a slow receiver never holds the stream.
    const { AlertWebhookDispatcher } = await import('../speed-layer/alerts/webhook-dispatcher.js');
    const webhook = await AlertWebhookDispatcher.start({
      eventLog: backends.eventLog,
      config,
      logger,
      metrics: layer.metrics,
    });
    shutdown.onShutdown('alert webhook', () => webhook.stop());
    webhook.finished().catch(async (error: unknown) => {
      logger.fatal({ err: error }, `alert webhook failed: ${(error as Error).message}`);
      await shutdown.run('failure').catch(() => undefined);
      process.exit(1);
    });
  }
  // One status line per interval, not per message: what reached the minute view.
  let upserts = 0;
  let finals = 0;
  let latest: { symbol: string; minute: number; tweets: number } | undefined;
  layer.onMinutes((rows) => {
    upserts += rows.length;
    for (const row of rows) {
      if (row.final) finals++;
      if (!latest || row.minute >= latest.minute)
        latest = { symbol: row.symbol, minute: row.minute, tweets: row.tweet_count };
    }
  });
  const status = setInterval(() => {
    if (upserts === 0) return;
    logger.info(
      {
        minuteUpserts: upserts,
        finalMinutes: finals,
        latestMinute: latest && { ...latest, minute: new Date(latest.minute).toISOString() },
      },
      'speed layer: sentiment_by_minute rows written',
    );
    upserts = 0;
    finals = 0;
  }, STATUS_INTERVAL_MS);
  status.unref();
  shutdown.onShutdown('speed status', async () => clearInterval(status));
  layer.finished().catch(async (error: unknown) => {
    logger.fatal({ err: error }, `speed layer failed: ${(error as Error).message}`);
    await shutdown.run('failure').catch(() => undefined);
    process.exit(1);
  });
  return layer;
}
