/**
 * The one table between the services' symbols and ours (README, "Live market data"). Finnhub names
 * US stocks by their ticker (AAPL is AAPL) and crypto pairs by exchange and pair
 * (`BINANCE:BTCUSDT`); Binance names pairs (`BTCUSDT`, lower case in stream names). We publish the
 * base asset for USDT pairs (BTC), since a tweet says $BTC, not $BTCUSDT.
 */
import { isSymbol, normalizeSymbol } from '../../schemas/symbol.js';

export type LiveSourceName = 'finnhub' | 'binance';

interface CryptoPair {
  ours: string;
  finnhub: string;
  binance: string;
}

export const CRYPTO_PAIRS: readonly CryptoPair[] = [
  { ours: 'BTC', finnhub: 'BINANCE:BTCUSDT', binance: 'BTCUSDT' },
  { ours: 'ETH', finnhub: 'BINANCE:ETHUSDT', binance: 'ETHUSDT' },
  { ours: 'SOL', finnhub: 'BINANCE:SOLUSDT', binance: 'SOLUSDT' },
  { ours: 'BNB', finnhub: 'BINANCE:BNBUSDT', binance: 'BNBUSDT' },
  { ours: 'XRP', finnhub: 'BINANCE:XRPUSDT', binance: 'XRPUSDT' },
  { ours: 'DOGE', finnhub: 'BINANCE:DOGEUSDT', binance: 'DOGEUSDT' },
  { ours: 'ADA', finnhub: 'BINANCE:ADAUSDT', binance: 'ADAUSDT' },
];

/** The subscribed symbols of one run, both ways: the service's name and ours. */
export class SymbolMap {
  private readonly toOurs = new Map<string, string>();
  private readonly toProvider = new Map<string, string>();

  constructor(pairs: ReadonlyArray<{ provider: string; ours: string }>) {
    for (const { provider, ours } of pairs) {
      this.toOurs.set(provider, ours);
      this.toProvider.set(ours, provider);
    }
  }

  /** Our symbol for a service symbol that this run subscribed to; undefined otherwise. */
  oursOf(provider: string): string | undefined {
    return this.toOurs.get(provider);
  }

  providerSymbols(): string[] {
    return [...this.toOurs.keys()];
  }

  ourSymbols(): string[] {
    return [...this.toProvider.keys()];
  }
}

/**
 * Resolves `--symbols`: each entry is ours (`BTC`, `AAPL`) or the service's own name
 * (`BINANCE:BTCUSDT`, `BTCUSDT`). Binance only has the pairs of the table; Finnhub also takes any
 * stock ticker as itself. Throws naming the first entry it cannot map.
 */
export function resolveSymbols(source: LiveSourceName, entries: readonly string[]): SymbolMap {
  const pairs: { provider: string; ours: string }[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const upper = entry.trim().toUpperCase();
    const pair = CRYPTO_PAIRS.find((p) => p.ours === upper || p[source] === upper);
    let mapped: { provider: string; ours: string } | undefined;
    if (pair) mapped = { provider: pair[source], ours: pair.ours };
    else if (source === 'finnhub' && isSymbol(upper))
      mapped = { provider: upper, ours: normalizeSymbol(upper) };
    if (!mapped) {
      const known = CRYPTO_PAIRS.map((p) => p.ours).join(', ');
      throw new Error(
        source === 'binance'
          ? `"${entry}" is not a Binance pair we map: use one of ${known} (or its pair, e.g. BTCUSDT)`
          : `"${entry}" is neither a stock ticker (1-6 letters, optional .X) nor one of ${known}`,
      );
    }
    if (seen.has(mapped.ours)) continue;
    seen.add(mapped.ours);
    pairs.push(mapped);
  }
  if (pairs.length === 0)
    throw new Error('expected a comma-separated list of symbols, e.g. AAPL,MSFT or BTC,ETH');
  return new SymbolMap(pairs);
}
