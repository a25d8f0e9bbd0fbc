import type { Backends } from '../infra/backends.js';
import { SpeedLayer } from '../speed-layer/speed-layer.js';
import type { CommandContext } from './command-runtime.js';

/**
 * Starts the speed layer over the given backends and registers its graceful stop (write what is
 * in hand, checkpoint, commit) before the backends close. A stage that stops by itself — a
 * backend unreachable past BACKEND_DOWN_DEADLINE — ends the process with exit code 1, naming it.
 */
export async function startSpeedLayer(context: CommandContext, backends: Backends): Promise<SpeedLayer> {
  const { config, logger, shutdown } = context;
  const layer = await SpeedLayer.start({ backends, config, logger });
  shutdown.onShutdown('speed layer', () => layer.stop());
  layer.finished().catch(async (error: unknown) => {
    logger.fatal({ err: error }, `speed layer failed: ${(error as Error).message}`);
    await shutdown.run('failure').catch(() => undefined);
    process.exit(1);
  });
  return layer;
}
