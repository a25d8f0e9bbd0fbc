/** The speed layer's pure operators, for the runner and the CLI. */
export { extractCashtags } from './cashtags.js';
export { type SentimentScores, scoreSentiment } from './sentiment/index.js';
