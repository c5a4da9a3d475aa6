/** One row of `bench/day-matrix.ts --json`: a day, seed and mode replayed with the example policy. */
export interface Row {
  day: string;
  seed: number;
  warmup: boolean;
  challenges: number;
  /** Engineers with two challenges less than 8 hours apart, or more than their day's length allows. */
  over: string[];
  forbidden: number;
  ciDenied: number;
  /** Per attack: `stoppedAt/firstSensitive`, `-` when never, then ` dN` and ` (cause)`. */
  attacks: Record<string, string>;
  causes: Record<string, number>;
}
