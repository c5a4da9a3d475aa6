/**
 * A moment as people read it in denials, logs and messages: the UTC time of day with its zone,
 * "14:02:05Z". Sightings, bounds and sign-ins are minutes or hours apart, so the date is left out.
 *
 * Written from the milliseconds of the day rather than through `Date#toISOString`: V8 formats an
 * ISO date with `snprintf` (~7k instructions by callgrind), and a step-up the risk engine asks for
 * names two moments on every retry (perf41, bench/README.md). The text is toISOString's
 * (test/unit/clock-text.test.ts): outside the years 0000–9999, where toISOString writes a signed
 * six-digit year and the slice is something else, and for what Date cannot hold (its RangeError),
 * toISOString is still what answers.
 */
export function utcClock(ms: number): string {
  if (!(ms >= YEAR_0 && ms < YEAR_10000)) return `${new Date(ms).toISOString().slice(11, 19)}Z`;
  // Date's TimeClip drops the fraction toward zero; the day's milliseconds are then exact.
  let inDay = Math.trunc(ms) % DAY_MS;
  if (inDay < 0) inDay += DAY_MS;
  const s = Math.floor(inDay / 1000);
  return `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}Z`;
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: toISOString's four-digit years. */
const YEAR_0 = -62_167_219_200_000;
const YEAR_10000 = 253_402_300_800_000;
const DAY_MS = 86_400_000;
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
