/**
 * From `produce live` options and the config to a service protocol: the symbols resolved through
 * the symbol table, the token required for Finnhub, `--klines` for Binance only. Throws an Error
 * whose message the CLI prints as a usage error (exit 2).
 */
import type { Config } from '../../infra/config.js';
import { binanceProtocol } from './binance-protocol.js';
import { finnhubProtocol } from './finnhub-protocol.js';
import type { LiveProtocol } from './live-protocol.js';
import { type LiveSourceName, resolveSymbols, type SymbolMap } from './symbol-map.js';

export interface LiveSetupOptions {
  source: LiveSourceName;
  symbols: readonly string[];
  klines?: boolean;
  /** Finnhub: symbols the plan streams (default 50, the free plan). */
  maxSymbols?: number;
}

export interface LiveSetup {
  protocol: LiveProtocol;
  symbols: SymbolMap;
  /** What must never reach a log line. */
  secrets: string[];
}

export function liveSetup(options: LiveSetupOptions, config: Config['live']): LiveSetup {
  const symbols = resolveSymbols(options.source, options.symbols);
  if (options.source === 'finnhub') {
    if (options.klines) throw new Error('--klines is for --source binance (Finnhub has no candle stream)');
    if (!config.finnhubToken) {
      throw new Error('--source finnhub needs FINNHUB_TOKEN: your Finnhub API key (finnhub.io/dashboard)');
    }
    return {
      protocol: finnhubProtocol({
        baseUrl: config.finnhubUrl,
        token: config.finnhubToken,
        symbols,
        ...(options.maxSymbols === undefined ? {} : { maxSymbols: options.maxSymbols }),
      }),
      symbols,
      secrets: [config.finnhubToken],
    };
  }
  return {
    protocol: binanceProtocol({ baseUrl: config.binanceUrl, symbols, klines: options.klines ?? false }),
    symbols,
    secrets: [],
  };
}
