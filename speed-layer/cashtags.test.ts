import { describe, expect, it } from 'vitest';
import { extractCashtags } from './cashtags.js';

describe('extractCashtags', () => {
  it.each([
    ['lower case is upper-cased', '$aapl to the moon', ['AAPL']],
    ['a class suffix is kept', 'long $BRK.B', ['BRK.B']],
    ['a possessive is not part of the symbol', "$TSLA's earnings", ['TSLA']],
    ['parentheses around it', 'chips ($NVDA) up', ['NVDA']],
    ['a trailing comma', '$MSFT, $GOOG', ['MSFT', 'GOOG']],
    ['a sentence-ending period is not a suffix', 'buy $AAPL.', ['AAPL']],
    ['a period then a word is not a suffix', 'buy $AAPL.Great call', ['AAPL']],
    ['one letter', '$F and $T', ['F', 'T']],
    ['six letters', '$GOOGLE', ['GOOGLE']],
    ['duplicates are dropped, first appearance wins', '$TSLA $aapl $tsla $AAPL', ['TSLA', 'AAPL']],
    ['at the very start and end', '$AMD vs $INTC', ['AMD', 'INTC']],
    ['after other punctuation', '#stocks:$SPY/$QQQ', ['SPY', 'QQQ']],
    ['a dollar amount is not a cashtag', 'paid $100 today', []],
    ['a currency prefix is not a cashtag', 'costs US$5', []],
    ['a price is not a cashtag', 'only $5.99', []],
    ['a lone dollar sign', 'money $ talks', []],
    ['a dollar sign at the end', 'money$', []],
    ['more than six letters', '$TOOLONGSYM', []],
    ['letters followed by digits', '$AB1 $X2', []],
    ['preceded by a word character', 'a$AAPL', []],
    ['a longer word after the period is not a class suffix', '$BRK.BB', ['BRK']],
    ['running into a non-ASCII letter', '$ABé', []],
    ['no dollar sign at all', 'AAPL is up', []],
    ['an empty text', '', []],
    [
      'symbols that differ in their class letter, a letter or their length stay apart, in any case',
      '$BRK.A $brk.b $BRK.B $Brk.a $AB $ab $A.B $AB.C $ABA $BA $a',
      ['BRK.A', 'BRK.B', 'AB', 'A.B', 'AB.C', 'ABA', 'BA', 'A'],
    ],
  ])('%s: %j', (_case, text, expected) => {
    expect(extractCashtags(text)).toEqual(expected);
  });
});
