/**
 * Orderly shutdown. Components register a close step as they start; on SIGINT/SIGTERM the steps
 * run in reverse order (so intake stops first and sinks flush last), then the process exits 0.
 * A second signal during shutdown exits at once with 130, and a shutdown that outlasts its
 * deadline exits 1, so a stuck close step never keeps the process alive.
 */
import type { Logger } from './logger.js';

type Step = { name: string; close: () => Promise<void> | void };

export class Shutdown {
  private readonly steps: Step[] = [];
  private running: Promise<void> | undefined;
  private readonly stopped: Promise<string>;
  private markStopped!: (reason: string) => void;

  constructor(private readonly logger: Logger) {
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  /** Registers a close step; steps run last-registered first. */
  onShutdown(name: string, close: Step['close']): void {
    this.steps.push({ name, close });
  }

  /** Resolves with the reason once shutdown has been requested (signal or `run`). */
  requested(): Promise<string> {
    return this.stopped;
  }

  installSignalHandlers(
    exit: (code: number) => void = (code) => process.exit(code),
    deadlineMs = 30_000,
  ): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.running) {
        this.logger.warn({ signal }, 'second signal during shutdown: exiting now');
        exit(130);
        return;
      }
      setTimeout(() => {
        this.logger.error({ deadlineMs }, 'shutdown did not finish in time: exiting');
        exit(1);
      }, deadlineMs).unref();
      this.run(signal).then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  run(reason: string): Promise<void> {
    this.running ??= this.closeAll(reason);
    return this.running;
  }

  private async closeAll(reason: string): Promise<void> {
    this.markStopped(reason);
    this.logger.info({ reason }, 'shutting down');
    let failed = false;
    for (const step of [...this.steps].reverse()) {
      try {
        await step.close();
        this.logger.debug({ step: step.name }, 'closed');
      } catch (error) {
        failed = true;
        this.logger.error({ step: step.name, err: error }, 'close step failed');
      }
    }
    this.logger.info('stopped');
    this.logger.flush();
    if (failed) throw new Error('shutdown had failures');
  }
}
