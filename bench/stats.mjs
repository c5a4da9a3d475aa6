/**
 * The statistics every benchmark in bench/ reports: the median of repeated rounds, their spread
 * (min–max), and ratios taken round by round.
 *
 * Plain JavaScript with its types in stats.d.mts, because bench/plugin-startup.mjs runs under
 * plain `node` (Node 20 cannot load TypeScript without tsx), and the .ts benches import the same
 * file. Nothing here reads the clock or the machine: it is tested on its own
 * (test/unit/bench-stats.test.ts).
 *
 * Why per-round ratios: the variants of a comparison run back to back within a round (A B, then
 * B A, …), so what slows the machine in one round hits both sides of that round's ratio. The
 * median of those ratios, with their min–max, says how far the comparison itself moved; a ratio of
 * two medians taken from different rounds would not.
 */

/** @param {readonly number[]} xs */
function sorted(xs) {
  return [...xs].sort((a, b) => a - b);
}

/**
 * The middle value, or the mean of the two middle values when the count is even; NaN for none.
 * @param {readonly number[]} xs
 */
export function median(xs) {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = sorted(xs);
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Smallest and largest value; NaN for none.
 * @param {readonly number[]} xs
 */
export function spread(xs) {
  if (xs.length === 0) return { min: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * The value at rank ⌊q·n⌋ (0-based, clamped to the last) of values already sorted ascending, as
 * for a latency log: no interpolation, so the result is always a value that was measured. NaN
 * for none.
 * @param {readonly number[]} sortedXs
 * @param {number} q in [0, 1]
 */
export function percentileOfSorted(sortedXs, q) {
  if (sortedXs.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile: q must be in [0, 1], got ${q}`);
  return sortedXs[Math.min(sortedXs.length - 1, Math.floor(q * sortedXs.length))];
}

/**
 * percentileOfSorted on a sorted copy.
 * @param {readonly number[]} xs
 * @param {number} q
 */
export function percentile(xs, q) {
  return percentileOfSorted(sorted(xs), q);
}

/**
 * Median, min, max, and every round as measured (in order), optionally rounded to `digits`.
 * @param {readonly number[]} xs
 * @param {number} [digits]
 */
export function summarize(xs, digits) {
  const r = digits === undefined ? (/** @type {number} */ x) => x : (/** @type {number} */ x) => roundTo(x, digits);
  const { min, max } = spread(xs);
  return { median: r(median(xs)), min: r(min), max: r(max), rounds: xs.map(r) };
}

/**
 * numerators[i] / denominators[i] for each round i. The two lists must come from the same rounds,
 * so a different count is a mistake in the caller, not something to paper over.
 * @param {readonly number[]} numerators
 * @param {readonly number[]} denominators
 */
export function ratiosByRound(numerators, denominators) {
  if (numerators.length !== denominators.length) {
    throw new Error(`ratiosByRound: ${numerators.length} numerators against ${denominators.length} denominators; they must pair round by round`);
  }
  return numerators.map((x, i) => x / denominators[i]);
}

/**
 * summarize(ratiosByRound(numerators, denominators), digits).
 * @param {readonly number[]} numerators
 * @param {readonly number[]} denominators
 * @param {number} [digits]
 */
export function ratioSummary(numerators, denominators, digits) {
  return summarize(ratiosByRound(numerators, denominators), digits);
}

/**
 * "median (min–max)", each value through `format`; the median alone for a single round.
 * @param {{ median: number, min: number, max: number, rounds: readonly number[] }} s
 * @param {(x: number) => string} format
 */
export function formatSummary(s, format) {
  if (s.rounds.length <= 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/**
 * @param {number} x
 * @param {number} digits
 */
export function roundTo(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
