/**
 * The speed layer: the topology of the two stages over the three ports.
 *
 *   tweets ──► stage 1 (TweetStage, group G) ──► bronze/tweets, tweets_by_symbol (tweet columns)
 *                 │
 *                 └─► G.mentions-by-symbol (keyed by symbol, as many partitions as stock-prices)
 *                                  │
 *   stock-prices ─────────────────┴─► stage 2 (SymbolStage, group G.symbols, co-partitioned)
 *                                       ──► sentiment_by_minute, market_data,
 *                                           tweets_by_symbol (price columns), bronze/stock_prices,
 *                                           alerts_by_symbol and the alerts topic (co-partitioned)
 *
 * One process runs both stages; more processes in the same group share the partitions of each.
 */
import type { Backends } from '../infra/backends.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import type { AlertRule } from '../schemas/alerts.js';
import { deadLetterTopic } from '../schemas/events.js';
import { mentionsTopic } from '../schemas/speed.js';
import { loadAlertRules } from './alerts/alert-rules.js';
import { Checkpoints } from './checkpoints.js';
import { CrashPoints } from './crash-points.js';
import { SpeedMetrics } from './metrics.js';
import { vaderScorer } from './sentiment/vader.js';
import { SerialSection, StageLoop } from './stage-loop.js';
import { type MinuteListener, SymbolStage, symbolsGroupId } from './symbol-stage.js';
import { type SpeedSettings, TweetStage } from './tweet-stage.js';

export interface SpeedLayerOptions {
  backends: Pick<Backends, 'eventLog' | 'viewStore' | 'objectStore'>;
  config: Config;
  logger: Logger;
  metrics?: SpeedMetrics;
  /** Overrides SPEED_CHECKPOINT_INTERVAL. */
  checkpointIntervalMs?: number;
  /** Where a group with no checkpoint or commit starts (default: the earliest message). */
  fromBeginning?: boolean;
  /** Overrides the rules of ALERT_RULES (read at start when absent). */
  alertRules?: readonly AlertRule[];
}

export function speedSettings(
  config: Config,
  checkpointIntervalMs = config.speed.checkpointIntervalMs,
): SpeedSettings {
  return {
    group: config.consumerGroup,
    topics: config.topics.names,
    delayMs: config.watermarkDelayMs,
    futureSkewMs: config.speed.futureSkewMs,
    idleTimeoutMs: config.speed.idleTimeoutMs,
    bronze: config.bronze,
    checkpointIntervalMs,
    sinkBatchesInFlight: config.speed.sinkBatchesInFlight,
  };
}

export class SpeedLayer {
  readonly metrics: SpeedMetrics;
  private loops: StageLoop[] = [];
  private closers: (() => Promise<void>)[] = [];
  private symbolStage: SymbolStage | undefined;
  private tweetStage: TweetStage | undefined;

  private constructor(private readonly options: SpeedLayerOptions) {
    this.metrics = options.metrics ?? new SpeedMetrics();
  }

  static async start(options: SpeedLayerOptions): Promise<SpeedLayer> {
    const layer = new SpeedLayer(options);
    await layer.open();
    return layer;
  }

  private async open(): Promise<void> {
    const { backends, config, logger } = this.options;
    const { eventLog, viewStore, objectStore } = backends;
    const settings = {
      ...speedSettings(config, this.options.checkpointIntervalMs),
      alertRules: this.options.alertRules ?? (await loadAlertRules(config.alerts.rulesFile)),
    };
    const [tweetEnds, priceEnds] = await Promise.all([
      eventLog.endOffsets(settings.topics.tweets),
      eventLog.endOffsets(settings.topics.prices),
    ]);
    if (tweetEnds.size === 0 || priceEnds.size === 0)
      throw new Error(
        `speed layer: topics ${settings.topics.tweets} and ${settings.topics.prices} must exist`,
      );
    const internalTopic = mentionsTopic(settings.group, config.topics.prefix);
    await eventLog.createTopics([
      { name: internalTopic, partitions: priceEnds.size, retentionMs: config.topics.retentionMs },
      { name: deadLetterTopic(internalTopic), partitions: 1, retentionMs: config.topics.retentionMs },
      { name: settings.topics.alerts, partitions: priceEnds.size, retentionMs: config.topics.retentionMs },
    ]);
    // Alert events go to the partition of their symbol's ticks, so one task writes each partition.
    const alertPartitions = (await eventLog.endOffsets(settings.topics.alerts)).size;
    if (alertPartitions !== priceEnds.size)
      throw new Error(
        `speed layer: topic ${settings.topics.alerts} has ${alertPartitions} partitions and ${settings.topics.prices} ${priceEnds.size}; they must be equal (recreate ${settings.topics.alerts})`,
      );
    const deps = {
      eventLog,
      crash: new CrashPoints(config.speedCrashAt),
      viewStore,
      objectStore,
      checkpoints: new Checkpoints(objectStore, settings.group),
      metrics: this.metrics,
      logger,
      settings,
    };
    const fromBeginning = this.options.fromBeginning ?? true;
    const tweetSources = [...tweetEnds.keys()].sort((a, b) => a - b);

    const symbolStage = new SymbolStage(deps, internalTopic, tweetSources);
    const symbolSection = new SerialSection();
    const symbolConsumer = await eventLog.consumer({
      groupId: symbolsGroupId(settings.group),
      topics: [internalTopic, settings.topics.prices],
      fromBeginning,
      assignment: 'co-partitioned',
      rebalance: {
        onAssigned: (tps) => symbolSection.run(() => symbolStage.onAssigned(tps)),
        onRevoked: (tps) => symbolSection.run(() => symbolStage.onRevoked(tps)),
      },
    });
    await symbolStage.attach(symbolConsumer);

    const tweetStage = new TweetStage(deps, vaderScorer(), internalTopic, priceEnds.size);
    const tweetSection = new SerialSection();
    const tweetConsumer = await eventLog.consumer({
      groupId: settings.group,
      topics: [settings.topics.tweets],
      fromBeginning,
      rebalance: {
        onAssigned: (tps) => tweetSection.run(() => tweetStage.onAssigned(tps)),
        onRevoked: (tps) => tweetSection.run(() => tweetStage.onRevoked(tps)),
      },
    });
    await tweetStage.attach(tweetConsumer);

    const clock = () => Date.now();
    const loopOptions = { logger, clock, backendDownDeadlineMs: config.backendDownDeadlineMs };
    this.loops = [
      new StageLoop({ ...loopOptions, stage: tweetStage, consumer: tweetConsumer, section: tweetSection }),
      new StageLoop({ ...loopOptions, stage: symbolStage, consumer: symbolConsumer, section: symbolSection }),
    ];
    this.closers = [() => tweetConsumer.close(), () => symbolConsumer.close()];
    this.symbolStage = symbolStage;
    this.tweetStage = tweetStage;
    logger.info(
      {
        group: settings.group,
        internalTopic,
        tweetPartitions: tweetEnds.size,
        symbolPartitions: priceEnds.size,
        alertRules: settings.alertRules.map((r) => r.id),
      },
      'speed layer started',
    );
  }

  /** Resolves when a stage stops by itself (rejects with the reason, e.g. a backend down too long). */
  finished(): Promise<void> {
    return Promise.race(this.loops.map((l) => l.finished()));
  }

  onMinutes(listener: MinuteListener): void {
    this.symbolStage?.onMinutes(listener);
  }

  /** Partitions owned now, per stage (for tests and status). */
  owned(): { tweets: number[]; symbols: number[] } {
    return { tweets: this.tweetStage?.owned() ?? [], symbols: this.symbolStage?.owned() ?? [] };
  }

  /** Stops intake, writes and checkpoints what is in hand, commits, and leaves the groups. */
  async stop(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
    await Promise.allSettled(this.closers.map((close) => close()));
    this.options.logger.info('speed layer stopped');
  }
}
