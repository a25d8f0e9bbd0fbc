/**
 * Pearson correlation of a symbol's hourly mean compound with the same hour's price return and
 * with the next hour's, over a merged hourly series: the API's counterpart of the gold model
 * sentiment_price_correlation, computed across the boundary (gold hours and speed hours alike).
 */

export interface HourFigures {
  hour: number;
  /** null: no tweets in the hour */
  meanCompound: number | null;
  /** null: no price move known for the hour */
  priceReturn: number | null;
}

/** null below two pairs or when one side does not vary (the coefficient is undefined). */
export function pearson(pairs: readonly (readonly [number, number])[]): number | null {
  const n = pairs.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of pairs) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface HourlyCorrelation {
  sameHourHours: number;
  corrSameHour: number | null;
  nextHourHours: number;
  corrNextHour: number | null;
}

export function hourlyCorrelation(hours: readonly HourFigures[], hourMs = 3_600_000): HourlyCorrelation {
  const byHour = new Map(hours.map((h) => [h.hour, h]));
  const same: [number, number][] = [];
  const next: [number, number][] = [];
  for (const h of hours) {
    if (h.meanCompound === null) continue;
    if (h.priceReturn !== null) same.push([h.meanCompound, h.priceReturn]);
    const following = byHour.get(h.hour + hourMs);
    if (following?.priceReturn !== null && following?.priceReturn !== undefined)
      next.push([h.meanCompound, following.priceReturn]);
  }
  return {
    sameHourHours: same.length,
    corrSameHour: pearson(same),
    nextHourHours: next.length,
    corrNextHour: pearson(next),
  };
}
