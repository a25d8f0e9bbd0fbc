/** A ticker symbol: 1–6 letters with an optional one-letter class suffix (`BRK.B`), upper case. */
export const SYMBOL_PATTERN_SOURCE = '^[A-Za-z]{1,6}(?:\\.[A-Za-z])?$';
const SYMBOL = new RegExp(SYMBOL_PATTERN_SOURCE);

export function isSymbol(text: string): boolean {
  return SYMBOL.test(text);
}

export function normalizeSymbol(text: string): string {
  return text.toUpperCase();
}
