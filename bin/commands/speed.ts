import { Command } from 'commander';
import { openBackendsUntilShutdown, runCommand } from '../command-runtime.js';

export function speedCommand(): Command {
  return new Command('speed')
    .description(
      'consume tweets and prices, score, window and join them, and write the speed views and bronze',
    )
    .action(() =>
      runCommand('speed', async (context) => {
        const [{ startSpeedLayer, loadAlertRulesOrExit }, { serveMetrics }] = await Promise.all([
          import('../start-speed.js'),
          import('../../producers/metrics.js'),
        ]);
        const alertRules = await loadAlertRulesOrExit(context);
        const backends = await openBackendsUntilShutdown(context);
        const layer = await startSpeedLayer(context, backends, alertRules);
        const { metricsPort, api } = context.config;
        if (metricsPort !== undefined) {
          const server = await serveMetrics(layer.metrics.registry, metricsPort, api.host);
          context.shutdown.onShutdown(
            'metrics',
            () => new Promise<void>((done) => server.close(() => done())),
          );
        }
        return 'serving';
      }),
    );
}
