/**
 * Python's `round(x, digits)` for floats: the exact binary value of `x` rounded to the nearest
 * multiple of 10^-digits, ties to even, returned as the nearest double. `Number(x.toFixed(n))`
 * differs on exact ties (0.0625 → 0.063, Python 0.062) and both differ from `Math.round(x * 1000)
 * / 1000` wherever the product rounds. VADER's proportions hit exact ties (2 / 32 = 0.0625), so the
 * product x·10^digits is computed exactly as hi + lo (Dekker's error-free product) without
 * allocating or formatting.
 */

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's split constant for doubles

/** The rounding error of `a * b`: a * b === hi + returned value exactly (no overflow assumed). */
function productError(a: number, b: number, hi: number): number {
  let t = SPLITTER * a;
  const aHi = t - (t - a);
  const aLo = a - aHi;
  t = SPLITTER * b;
  const bHi = t - (t - b);
  const bLo = b - bHi;
  return aHi * bHi - hi + aHi * bLo + aLo * bHi + aLo * bLo;
}

const SCALES = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** `round(x, digits)` as Python computes it, for 0 <= digits <= 6 and |x| < 2^40. */
export function pythonRound(x: number, digits: number): number {
  const scale = SCALES[digits];
  if (scale === undefined) throw new RangeError(`pythonRound: digits must be 0..6, got ${digits}`);
  if (x === 0 || !Number.isFinite(x)) return x;
  const negative = x < 0;
  const magnitude = negative ? -x : x;
  const hi = magnitude * scale;
  const lo = productError(magnitude, scale, hi);
  const floor = Math.floor(hi);
  // hi - floor is exact; when it is not exactly one half, lo (below half an ulp of hi) cannot move
  // the exact product across the midpoint.
  const fraction = hi - floor;
  let units: number;
  if (fraction > 0.5) units = floor + 1;
  else if (fraction < 0.5) units = floor;
  else if (lo > 0) units = floor + 1;
  else if (lo < 0) units = floor;
  else units = floor % 2 === 0 ? floor : floor + 1;
  const rounded = units / scale;
  return negative ? -rounded : rounded;
}
