/**
 * VADER throughput: our engine against the `vader-sentiment` npm port on the same tweet-length
 * texts in the same run. The texts are the reference fixture corpus (test/fixtures/vader) minus
 * its deliberately long lines (over 560 UTF-8 bytes); speed-layer/sentiment/reference/
 * bench_reference.py measures the Python reference on exactly the same texts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { scoreSentiment } from '../speed-layer/sentiment/vader.js';
import { measureRate, report } from './harness.js';

interface NpmVader {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } };
}

const MAX_TWEET_BYTES = 560;

const texts = readFileSync(new URL('../test/fixtures/vader/reference.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => (JSON.parse(line) as { text: string }).text)
  .filter((text) => Buffer.byteLength(text) <= MAX_TWEET_BYTES);

const npmPort = (createRequire(import.meta.url)('vader-sentiment') as NpmVader).SentimentIntensityAnalyzer;

// Summing the compounds keeps the work observable, so the JIT cannot drop it.
let sink = 0;
const ours = measureRate(() => {
  for (const text of texts) sink += scoreSentiment(text).compound;
}, texts.length);
const oursWithCashtags = measureRate(() => {
  for (const text of texts) sink += scoreSentiment(text).compound + extractCashtags(text).length;
}, texts.length);
const port = measureRate(() => {
  for (const text of texts) sink += npmPort.polarity_scores(text).compound;
}, texts.length);

const averageLength = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;
report(`VADER: ${texts.length} tweet-length texts, ${averageLength.toFixed(0)} UTF-16 units on average`, [
  {
    subject: { name: 'our VADER', value: ours, unit: 'texts/s', better: 'higher' },
    baseline: { name: 'vader-sentiment 1.1.3 (npm)', value: port, unit: 'texts/s', better: 'higher' },
    target: '>= 200000 texts/s, >= 25x the npm port',
  },
  {
    subject: { name: 'our VADER + cashtags', value: oursWithCashtags, unit: 'texts/s', better: 'higher' },
    baseline: { name: 'vader-sentiment 1.1.3 (npm)', value: port, unit: 'texts/s', better: 'higher' },
  },
]);
if (Number.isNaN(sink)) process.stdout.write('(unreachable)\n');
