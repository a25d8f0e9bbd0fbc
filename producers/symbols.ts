/**
 * The symbol universe of the synthetic feeds: a dozen large caps plus BTC and ETH, with a rough
 * starting price, a volatility class and a company name for tweet text. Symbols outside this
 * table are accepted (from `--symbols`) and get neutral defaults.
 */
import { isSymbol, normalizeSymbol } from '../schemas/symbol.js';

export interface SymbolProfile {
  symbol: string;
  name: string;
  startPrice: number;
  /** Multiplies the walk's volatility: crypto moves more than a utility. */
  volatilityScale: number;
  /** Typical volume of one tick. */
  typicalVolume: number;
  crypto: boolean;
}

const PROFILES: readonly SymbolProfile[] = [
  {
    symbol: 'AAPL',
    name: 'Apple',
    startPrice: 228,
    volatilityScale: 1,
    typicalVolume: 40_000,
    crypto: false,
  },
  {
    symbol: 'MSFT',
    name: 'Microsoft',
    startPrice: 421,
    volatilityScale: 0.9,
    typicalVolume: 20_000,
    crypto: false,
  },
  {
    symbol: 'AMZN',
    name: 'Amazon',
    startPrice: 197,
    volatilityScale: 1.2,
    typicalVolume: 35_000,
    crypto: false,
  },
  {
    symbol: 'GOOGL',
    name: 'Alphabet',
    startPrice: 172,
    volatilityScale: 1.1,
    typicalVolume: 25_000,
    crypto: false,
  },
  {
    symbol: 'META',
    name: 'Meta',
    startPrice: 583,
    volatilityScale: 1.4,
    typicalVolume: 15_000,
    crypto: false,
  },
  {
    symbol: 'NVDA',
    name: 'Nvidia',
    startPrice: 131,
    volatilityScale: 1.8,
    typicalVolume: 200_000,
    crypto: false,
  },
  {
    symbol: 'TSLA',
    name: 'Tesla',
    startPrice: 251,
    volatilityScale: 2,
    typicalVolume: 90_000,
    crypto: false,
  },
  {
    symbol: 'JPM',
    name: 'JPMorgan',
    startPrice: 229,
    volatilityScale: 0.8,
    typicalVolume: 9_000,
    crypto: false,
  },
  { symbol: 'V', name: 'Visa', startPrice: 301, volatilityScale: 0.7, typicalVolume: 6_000, crypto: false },
  {
    symbol: 'WMT',
    name: 'Walmart',
    startPrice: 86,
    volatilityScale: 0.6,
    typicalVolume: 15_000,
    crypto: false,
  },
  {
    symbol: 'XOM',
    name: 'Exxon',
    startPrice: 116,
    volatilityScale: 0.9,
    typicalVolume: 14_000,
    crypto: false,
  },
  {
    symbol: 'NFLX',
    name: 'Netflix',
    startPrice: 856,
    volatilityScale: 1.5,
    typicalVolume: 4_000,
    crypto: false,
  },
  {
    symbol: 'BTC',
    name: 'Bitcoin',
    startPrice: 64_500,
    volatilityScale: 2.5,
    typicalVolume: 12,
    crypto: true,
  },
  {
    symbol: 'ETH',
    name: 'Ethereum',
    startPrice: 3_050,
    volatilityScale: 3,
    typicalVolume: 150,
    crypto: true,
  },
];

export const DEFAULT_SYMBOLS: readonly string[] = PROFILES.map((p) => p.symbol);

const BY_SYMBOL = new Map(PROFILES.map((p) => [p.symbol, p]));

export function profileOf(symbol: string): SymbolProfile {
  const upper = normalizeSymbol(symbol);
  return (
    BY_SYMBOL.get(upper) ?? {
      symbol: upper,
      name: upper,
      startPrice: 100,
      volatilityScale: 1,
      typicalVolume: 10_000,
      crypto: false,
    }
  );
}

/** Parses `--symbols A,B,C`: upper-cased, de-duplicated; throws naming the first bad entry. */
export function parseSymbolList(text: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim().replace(/^\$/, ''))
    .filter(Boolean);
  if (items.length === 0) throw new Error('expected a comma-separated list of symbols, e.g. AAPL,TSLA,BTC');
  for (const item of items) {
    if (!isSymbol(item))
      throw new Error(`"${item}" is not a symbol: expected 1-6 letters with an optional .X suffix`);
  }
  return [...new Set(items.map(normalizeSymbol))];
}
