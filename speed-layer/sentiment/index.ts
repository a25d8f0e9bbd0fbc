export {
  type SentimentScores,
  scoreSentiment,
  type VaderLexicons,
  VaderScorer,
  vaderScorer,
} from './vader.js';
