import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config.js';
import { liveSetup } from './live-setup.js';

describe('live setup from the config', () => {
  it("defaults to the services' documented endpoints and reads the token", () => {
    const config = loadConfig({ FINNHUB_TOKEN: 'abc123' });
    expect(config.live).toEqual({
      finnhubToken: 'abc123',
      finnhubUrl: 'wss://ws.finnhub.io',
      binanceUrl: 'wss://stream.binance.com:9443',
    });
    const finnhub = liveSetup({ source: 'finnhub', symbols: ['AAPL'] }, config.live);
    expect(finnhub.protocol.url()).toBe('wss://ws.finnhub.io/?token=abc123');
    expect(finnhub.secrets).toEqual(['abc123']);
    const binance = liveSetup({ source: 'binance', symbols: ['BTC'], klines: true }, config.live);
    expect(binance.protocol.url()).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@kline_1m',
    );
  });

  it('refuses an endpoint that is not a ws(s) URL, naming the variable', () => {
    expect(() => loadConfig({ FINNHUB_WS_URL: 'https://ws.finnhub.io' })).toThrow(ConfigError);
    expect(() => loadConfig({ FINNHUB_WS_URL: 'https://ws.finnhub.io' })).toThrow(/FINNHUB_WS_URL/);
    expect(loadConfig({ BINANCE_WS_URL: 'wss://data-stream.binance.vision' }).live.binanceUrl).toBe(
      'wss://data-stream.binance.vision',
    );
  });
});
