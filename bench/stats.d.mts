// Types of bench/stats.mjs (see there for why it is JavaScript).

/** A figure measured over several rounds: its median, its spread, and every round in order. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function median(xs: readonly number[]): number;
export function spread(xs: readonly number[]): { min: number; max: number };
export function percentileOfSorted(sorted: readonly number[], q: number): number;
export function percentile(xs: readonly number[], q: number): number;
export function summarize(xs: readonly number[], digits?: number): Summary;
export function ratiosByRound(numerators: readonly number[], denominators: readonly number[]): number[];
export function ratioSummary(numerators: readonly number[], denominators: readonly number[], digits?: number): Summary;
export function formatSummary(s: Summary, format: (x: number) => string): string;
export function roundTo(x: number, digits: number): number;
