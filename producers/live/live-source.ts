/**
 * A live market-data source: one WebSocket connection to a service at a time, its trades
 * validated and aggregated into one-second ticks (trade-aggregator.ts), offered to the publisher
 * as a stream of tick messages keyed by symbol.
 *
 * Staying up: a dropped or refused connection is reopened after an exponential backoff with
 * jitter, and resubscribed (Finnhub) or reopened with its streams in the URL (Binance). A
 * connection that stays silent (no frame, ping or pong) for `silenceTimeoutMs` is terminated and
 * replaced; we ping the server every `pingIntervalMs`, so a quiet market is not mistaken for a dead
 * connection. A connection is replaced just before the service's documented lifetime, or at once
 * when the service announces it is going away. An HTTP 401/403/451 at the handshake is final (a
 * bad token, a refused address): the source ends and says why in `failure`.
 *
 * `stop()` (SIGTERM) unsubscribes (Finnhub), closes the connection, closes every open second (its tick is published),
 * waits for the reject file and ends the stream, so the publisher sends what is left and returns.
 */
import WebSocket, { type RawData } from 'ws';
import type { OutgoingMessage } from '../../infra/kafka/event-log.js';
import type { Logger } from '../../infra/logger.js';
import { sleep as abortableSleep } from '../../infra/retry.js';
import type { PriceTick } from '../../schemas/events.js';
import type { Rejection } from '../../schemas/rejection.js';
import type { PublishStats } from '../publisher.js';
import type { RejectFile } from '../reject-file.js';
import { tickMessage } from '../synthetic-source.js';
import type { FrameEvent, LiveProtocol } from './live-protocol.js';
import { type BackoffPolicy, DEFAULT_BACKOFF, reconnectDelay } from './reconnect-backoff.js';
import type { SymbolMap } from './symbol-map.js';
import type { TradeAggregator } from './trade-aggregator.js';
import { validateTrade } from './trade-validation.js';

/** Live counters, read by the Prometheus exporter (live-metrics.ts). */
export class LiveStats {
  /** Trades received, valid or not. */
  tradesReceived = 0;
  ticksEmitted = 0;
  /** Refused trades and malformed frames (each written to the reject file). */
  rejects = 0;
  lateTrades = 0;
  malformedFrames = 0;
  /** Connection attempts after the first. */
  reconnects = 0;
  /** Trades a service candle counted in a minute that we did not receive (Binance `--klines`). */
  missedTrades = 0;
  /** Clock time of the last frame, ping or pong received. */
  lastMessageAt: number | undefined;
  connected = false;
}

export interface LiveSourceOptions {
  protocol: LiveProtocol;
  symbols: SymbolMap;
  aggregator: TradeAggregator;
  rejects: Pick<RejectFile, 'write'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  stats?: LiveStats;
  /** The publisher's stats, whose `rejects` the progress line and producer metrics show. */
  publishStats?: PublishStats;
  backoff?: BackoffPolicy;
  /** No frame, ping or pong for this long: the connection is replaced. Default 30 s. */
  silenceTimeoutMs?: number;
  /** How often we ping the server. Default: a third of the silence timeout. */
  pingIntervalMs?: number;
  /** How often open seconds are checked for idleness. Default 250 ms. */
  idleCheckMs?: number;
  handshakeTimeoutMs?: number;
  /** A connection up this long counts as healthy: the next failure starts the backoff afresh. */
  stableAfterMs?: number;
  /** Secrets (the token) masked in anything logged. */
  secrets?: readonly string[];
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

interface SessionOutcome {
  reason: string;
  healthy: boolean;
  /** Reconnect without backoff (a planned replacement). */
  immediate?: boolean;
  /** Do not reconnect: the service refused us for good. */
  fatal?: string;
}

const FATAL_STATUS = new Set([401, 403, 451]);
/** How long before the service's lifetime limit a connection is replaced. */
const LIFETIME_MARGIN_MS = 60_000;
const MAX_RAW_CHARS = 10_000;

export class LiveSource {
  readonly stats: LiveStats;
  /** Why the source ended on its own (a refused token); undefined after a normal stop. */
  failure: string | undefined;

  private readonly queue: OutgoingMessage[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private stopping = false;
  private readonly stopController = new AbortController();
  private socket: WebSocket | undefined;
  private running: Promise<void> | undefined;
  private frameNo = 0;
  private rejectWrites: Promise<void> = Promise.resolve();
  private readonly startedAt: number;
  private readonly silenceTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LiveSourceOptions) {
    this.stats = options.stats ?? new LiveStats();
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 30_000;
    this.pingIntervalMs = options.pingIntervalMs ?? Math.max(1000, Math.floor(this.silenceTimeoutMs / 3));
    const { limits, subscriptions, name } = options.protocol;
    if (subscriptions > limits.maxSubscriptions) {
      throw new Error(
        `${name} allows at most ${limits.maxSubscriptions} ${name === 'binance' ? 'streams' : 'symbols'} per connection; this run needs ${subscriptions}`,
      );
    }
    const controlRate = limits.controlFramesPerSecond;
    if (controlRate !== undefined && this.pingIntervalMs < 1000 / controlRate) {
      throw new Error(
        `pinging every ${this.pingIntervalMs} ms exceeds ${name}'s ${controlRate} control frames/s`,
      );
    }
  }

  /** The tick messages, until `stop()` or a final refusal. Connecting starts on the first read. */
  async *messages(): AsyncGenerator<OutgoingMessage> {
    this.running ??= this.run();
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.stop();
    }
  }

  /** Closes the connection, publishes every open second and ends the stream. Idempotent. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopController.abort();
    const socket = this.socket;
    if (socket) {
      if (socket.readyState === WebSocket.OPEN) {
        for (const frame of this.options.protocol.unsubscribeFrames()) socket.send(frame);
      }
      socket.close(1000, 'shutting down');
      // A server that never answers the close handshake must not hold the shutdown.
      setTimeout(() => socket.terminate(), 2000).unref();
    }
    // Never started (nothing read): end the stream here.
    this.running ??= this.finish();
  }

  /** Resolves once the source has ended and its rejects are written. */
  async done(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    const idle = setInterval(
      () => this.push(this.options.aggregator.flushIdle(this.now())),
      this.options.idleCheckMs ?? 250,
    );
    idle.unref();
    let failures = 0;
    try {
      while (!this.stopping) {
        const outcome = await this.session();
        if (this.stopping) break;
        if (outcome.fatal) {
          this.failure = outcome.fatal;
          this.options.logger.error(
            { source: this.options.protocol.name, endpoint: this.options.protocol.endpoint },
            outcome.fatal,
          );
          break;
        }
        failures = outcome.healthy ? 1 : failures + 1;
        this.stats.reconnects++;
        const delayMs = outcome.immediate
          ? 0
          : reconnectDelay(failures, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
        this.options.logger.warn(
          {
            source: this.options.protocol.name,
            endpoint: this.options.protocol.endpoint,
            reason: outcome.reason,
            failures,
            retryInMs: delayMs,
          },
          `${this.options.protocol.name}: connection ended (${outcome.reason}), reconnecting in ${delayMs} ms`,
        );
        await (this.options.sleep ?? abortableSleep)(delayMs, this.stopController.signal);
      }
    } finally {
      clearInterval(idle);
      await this.finish();
    }
  }

  private async finish(): Promise<void> {
    this.push(this.options.aggregator.flushAll());
    await this.rejectWrites;
    this.ended = true;
    this.wake?.();
  }

  /** One connection, from opening to close; never rejects. */
  private session(): Promise<SessionOutcome> {
    const { protocol, logger } = this.options;
    return new Promise((resolve) => {
      const openedAt = this.now();
      let opened = false;
      let status: number | undefined;
      let lastError: string | undefined;
      let planned: Pick<SessionOutcome, 'reason' | 'immediate'> | undefined;
      let silence: NodeJS.Timeout | undefined;
      const timers: NodeJS.Timeout[] = [];
      const socket = new WebSocket(protocol.url(), {
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
        perMessageDeflate: false,
      });
      this.socket = socket;
      if (this.stopping) socket.terminate();

      const alive = () => {
        this.stats.lastMessageAt = this.now();
        clearTimeout(silence);
        silence = setTimeout(() => {
          planned = { reason: `silent for ${this.silenceTimeoutMs} ms` };
          socket.terminate();
        }, this.silenceTimeoutMs);
      };
      const replace = (reason: string) => {
        planned = { reason, immediate: true };
        socket.close(1000, 'replacing the connection');
        timers.push(setTimeout(() => socket.terminate(), 5000));
      };

      socket.on('unexpected-response', (_request, response) => {
        status = response.statusCode;
        response.resume();
        socket.terminate();
      });
      socket.on('open', () => {
        opened = true;
        this.stats.connected = true;
        logger.info({ source: protocol.name, endpoint: protocol.endpoint }, `${protocol.name}: connected`);
        this.sendPaced(socket, protocol.subscribeFrames(), timers);
        alive();
        timers.push(setInterval(() => socket.ping(), this.pingIntervalMs));
        const lifetime = protocol.limits.maxLifetimeMs;
        if (lifetime !== undefined) {
          timers.push(
            setTimeout(() => replace('connection lifetime'), Math.max(0, lifetime - LIFETIME_MARGIN_MS)),
          );
        }
      });
      socket.on('message', (data: RawData) => {
        alive();
        const event = this.onFrame(rawText(data));
        if (event.kind === 'going-away') replace(event.reason);
      });
      socket.on('ping', alive);
      socket.on('pong', alive);
      socket.on('error', (error: Error) => {
        lastError = this.redact(error.message);
      });
      socket.on('close', (code: number, reason: Buffer) => {
        clearTimeout(silence);
        for (const timer of timers) clearTimeout(timer);
        this.stats.connected = false;
        if (this.socket === socket) this.socket = undefined;
        const healthy = opened && this.now() - openedAt >= (this.options.stableAfterMs ?? 30_000);
        if (status !== undefined && FATAL_STATUS.has(status)) {
          resolve({
            reason: `HTTP ${status}`,
            healthy,
            fatal:
              protocol.name === 'finnhub' && status === 401
                ? 'finnhub refused the connection with HTTP 401: check FINNHUB_TOKEN'
                : `${protocol.name} refused the connection with HTTP ${status}`,
          });
          return;
        }
        const described =
          planned?.reason ??
          (status !== undefined
            ? `HTTP ${status}`
            : opened
              ? `closed by the server (code ${code}${reason.length > 0 ? `: ${this.redact(reason.toString())}` : ''})`
              : (lastError ?? 'could not connect'));
        resolve({ reason: described, healthy, ...(planned?.immediate ? { immediate: true } : {}) });
      });
    });
  }

  /** Sends control frames no faster than the service allows. */
  private sendPaced(socket: WebSocket, frames: string[], timers: NodeJS.Timeout[]): void {
    const rate = this.options.protocol.limits.controlFramesPerSecond;
    frames.forEach((frame, i) => {
      const delay = rate === undefined ? 0 : Math.floor(i / rate) * 1000;
      if (delay === 0) socket.send(frame);
      else timers.push(setTimeout(() => socket.readyState === WebSocket.OPEN && socket.send(frame), delay));
    });
  }

  private onFrame(text: string): FrameEvent {
    const { protocol, symbols, aggregator, logger } = this.options;
    const frameNo = ++this.frameNo;
    const event = protocol.parse(text);
    switch (event.kind) {
      case 'trades':
        for (const raw of event.trades) {
          this.stats.tradesReceived++;
          const trade = validateTrade(raw, symbols);
          if (!trade.ok) {
            this.reject(frameNo, trade.rejection, JSON.stringify(raw.raw) ?? String(raw.raw));
            continue;
          }
          const added = aggregator.add(trade.value, this.now());
          if (added.late) {
            this.stats.lateTrades++;
            this.reject(frameNo, added.late, JSON.stringify(raw.raw));
          }
          this.push(added.ticks);
        }
        break;
      case 'malformed':
        this.stats.malformedFrames++;
        this.reject(frameNo, { field: '$', reason: event.reason }, text);
        break;
      case 'service-error':
        logger.warn(
          { source: protocol.name },
          `${protocol.name} reports an error: ${this.redact(event.message)}`,
        );
        break;
      case 'candle': {
        const ours = symbols.oursOf(event.candle.symbol);
        // A minute that began before we started was only partly ours to see.
        if (ours === undefined || event.candle.startMs < this.startedAt) break;
        const counted = aggregator.takeMinuteTrades(ours, event.candle.startMs);
        if (counted < event.candle.trades) {
          this.stats.missedTrades += event.candle.trades - counted;
          logger.warn(
            {
              symbol: ours,
              minute: new Date(event.candle.startMs).toISOString(),
              service: event.candle.trades,
              received: counted,
            },
            `${protocol.name}: ${event.candle.trades - counted} trade(s) of ${ours} in that minute never reached us`,
          );
        }
        break;
      }
      default:
        break;
    }
    return event;
  }

  private reject(frameNo: number, rejection: Rejection, raw: string): void {
    this.stats.rejects++;
    if (this.options.publishStats) this.options.publishStats.rejects++;
    const text = raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…` : raw;
    this.rejectWrites = this.rejectWrites
      .then(() => this.options.rejects.write(frameNo, rejection, text))
      .catch((error: Error) =>
        this.options.logger.error({ err: error.message }, 'could not write the reject file'),
      );
  }

  private push(ticks: PriceTick[]): void {
    if (ticks.length === 0) return;
    for (const tick of ticks) this.queue.push(tickMessage(tick));
    this.stats.ticksEmitted += ticks.length;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.options.secrets ?? []) {
      if (secret === '') continue;
      out = out.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
    }
    return out;
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
