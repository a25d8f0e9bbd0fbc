/**
 * The wording of synthetic finance tweets. Templates are written the way fintwit writes: slang,
 * caps, negations ("not selling", "isn't bad"), emoji and emoticons. The bullish and bearish sets
 * carry words VADER scores (great, love, crash, terrible, scared...) so that a regime's lean shows
 * up in the downstream sentiment, while the neutral set stays factual.
 *
 * Placeholders: {S} the first cashtag, {N} its company name, {P} a price, {PCT} a percentage,
 * {Q} a small quantity, {E} an emoji of the tweet's mood, {C} an emoticon of the tweet's mood.
 */

export const BULLISH_TEMPLATES: readonly string[] = [
  '{S} to the moon {E}{E}',
  'Loading up on more {S} here, this dip is a gift {E}',
  '{S} breaking out!!! Great setup, love this chart',
  'Just bought {Q} shares of {S} at {P}. Feeling great about this one {C}',
  '{N} crushed earnings. {S} is going much higher {E}',
  'Not selling a single share of {S}. Diamond hands {E}',
  '{S} up {PCT} today and still cheap. Amazing run',
  'Bullish on {S}. Strong guidance, strong buybacks, happy holder {C}',
  'Calls on {S} printing today {E} best trade of the month',
  'HUGE volume on {S}. This is just the beginning {E}',
  'I was wrong to doubt {N}. {S} looks excellent here',
  '{S} new all time high!! What a win {E}',
  "Can't stop, won't stop buying {S} {E}",
  'Analysts upgrade {S}, price target raised to {P}. Good news for longs {C}',
  '{S} is not a bad entry at {P}, honestly a great price',
  'Love the momentum in {S} {E} gains all week',
  'BUY BUY BUY {S} {E}',
  '{N} keeps winning. {S} long and proud {C}',
];

export const BEARISH_TEMPLATES: readonly string[] = [
  '{S} is going to crash hard {E}',
  'Dumping all my {S}. Terrible guidance from {N} {C}',
  '{S} down {PCT} and it is not over. Ugly chart {E}',
  'Bought puts on {S}, this thing is way overvalued',
  "Don't buy {S} here. Worst risk/reward on the market {E}",
  '{N} missed again. {S} bag holders are in pain {C}',
  'SELL {S} NOW {E}{E}',
  'Scared of what {S} does tomorrow. Lost {PCT} this week {C}',
  '{S} breaking down below {P}, bad sign {E}',
  "I'm not bullish on {S} at all. Weak demand, falling margins",
  '{S} is a disaster. Sold everything at {P} {C}',
  'Panic selling in {S} {E} who is still holding?',
  'Getting wrecked on {S} calls {E} never again',
  '{S} is dead money, hate this stock {C}',
  'Downgrade on {S}, target cut to {P}. Painful {E}',
  'No way {S} holds this level. Short {S} {E}',
  '{N} layoffs + lawsuit = {S} tanking {C}',
];

export const NEUTRAL_TEMPLATES: readonly string[] = [
  'Watching {S} into earnings next week',
  'What do you think about {S} at {P}?',
  '{S} volume today is about average',
  'Anyone holding {S} through the report?',
  '{N} reports on Thursday after the close. {S}',
  'Position update: {Q} shares of {S}, no changes',
  '{S} trading flat around {P}',
  'Chart of {S} for the week {E}',
  '{S} options chain looks interesting, IV at {PCT}',
  'Is {S} a buy or a sell here? Undecided {C}',
  'Reading the {N} 10-Q tonight. {S}',
  '{S} moved {PCT} since the open',
  'Not sure about {S} yet, waiting for the Fed',
  'Rebalancing: trimmed {S}, added cash',
];

export const EMOJI: Readonly<Record<'bullish' | 'bearish' | 'neutral', readonly string[]>> = {
  bullish: ['🚀', '📈', '💎🙌', '🔥', '😍', '🤑', '💰', '🐂', '😂', '👏', '💪'],
  bearish: ['📉', '😱', '💀', '🤡', '😭', '🐻', '😡', '🩸', '😬', '⚠️'],
  neutral: ['🤔', '👀', '📊', '🧐', '⏳', '🤷'],
};

/** What a shock's tweets add (regime-schedule.ts, `shock`): the crowd in a crash or a squeeze. */
export const SHOCK_PHRASES: Readonly<Record<'bullish' | 'bearish', readonly string[]>> = {
  bullish: [
    'Amazing rally, incredible!',
    'Best day ever, fantastic.',
    'Huge win, so excited!',
    'Awesome squeeze, love it.',
    'Wonderful breakout, brilliant.',
  ],
  bearish: [
    'Total disaster.',
    'Horrible crash, panic everywhere!',
    'This is a nightmare, awful.',
    'Worst day ever, terrible.',
    'Brutal collapse, I am scared.',
  ],
};

export const EMOTICONS: Readonly<Record<'bullish' | 'bearish' | 'neutral', readonly string[]>> = {
  bullish: [':)', ':D', ';)', ':-)', '=)'],
  bearish: [':(', ":'(", ':-(', 'D:', '>:('],
  neutral: [':-/', ':|', ':/', 'hmm'],
};

export const HASHTAGS: readonly string[] = [
  '#stocks',
  '#investing',
  '#trading',
  '#StockMarket',
  '#fintwit',
  '#wallstreetbets',
  '#earnings',
  '#options',
  '#daytrading',
  '#markets',
];

export const CRYPTO_HASHTAGS: readonly string[] = ['#crypto', '#bitcoin', '#ethereum', '#HODL', '#altseason'];

/** How extra cashtags join the core sentence. */
export const EXTRA_SYMBOL_LEADS: readonly string[] = [' also watching', ' and', ' +', ' vs', ' same for', ''];
