import { describe, expect, it } from 'vitest';
import { resolveSymbols } from './symbol-map.js';

describe('symbol map', () => {
  it("maps Finnhub's stock tickers to themselves and its Binance pairs to the base asset", () => {
    const map = resolveSymbols('finnhub', ['aapl', 'BRK.B', 'BTC', 'BINANCE:ETHUSDT']);
    expect(map.providerSymbols()).toEqual(['AAPL', 'BRK.B', 'BINANCE:BTCUSDT', 'BINANCE:ETHUSDT']);
    expect(map.ourSymbols()).toEqual(['AAPL', 'BRK.B', 'BTC', 'ETH']);
    expect(map.oursOf('BINANCE:BTCUSDT')).toBe('BTC');
    expect(map.oursOf('TSLA')).toBeUndefined();
  });

  it('maps Binance USDT pairs to the base asset and refuses a symbol outside the table', () => {
    const map = resolveSymbols('binance', ['BTC', 'ethusdt', 'BTCUSDT']);
    expect(map.providerSymbols()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(map.oursOf('ETHUSDT')).toBe('ETH');
    expect(() => resolveSymbols('binance', ['AAPL'])).toThrow(/"AAPL" is not a Binance pair we map/);
    expect(() => resolveSymbols('finnhub', ['NOT A SYMBOL'])).toThrow(/neither a stock ticker/);
  });
});
